"""住宅专项维修资金: use applications. Normal use needs the owners' vote on item 5 among the units
that pay (列支范围); an emergency (roof leak, a lift endangering safety, a high-rise water pump,
a façade at risk, blocked or collapsed drains, a fire system ordered repaired) skips the vote but
notifies the owners at once and is reviewed fast. Three levels review each application (三级联审:
the property-management centre, the subdistrict, the community), each by its deadline — never the
applicant. The fund's balance is its account in the journal: deposits in, and each approved
application paid out once, never beyond the balance."""

import datetime

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.clock import Term, Unit
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.money import fen, yuan
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.finance.choices import FUND, FUND_OWNERS, AuditAction, EmergencyReason, FundStatus, ReviewLevel
from gongzhi.finance.models import FundApplication, FundReview, Transaction
from gongzhi.finance.rules import BOOKKEEPERS, REQUESTERS, REVIEWERS, may_review_fund
from gongzhi.finance.selectors import balance
from gongzhi.finance.services.journal import transaction_post
from gongzhi.notices import services as notices
from gongzhi.places.models import Estate
from gongzhi.votes.models import Vote, VoteStatus
from gongzhi.votes.tally import Art278

NEEDS_VOTE = (
    "动用维修资金须经列支范围内业主表决（第 5 项）通过 / Normal use needs the paying owners' item-5 vote, passed"
)
VOTE_GROUP = "表决范围须与列支范围一致 / The vote's group must be the units that pay"
UNKNOWN_EMERGENCY = "未知的应急情形 / Unknown emergency"
NOT_REVIEWING = "该申请已审结 / This application has been decided"
ALREADY_REVIEWED = "该级已审核 / This level has already reviewed it"
PURPOSE_REQUIRED = "请写明用途 / Give the purpose"
BUILDINGS_REQUIRED = "请选择列支范围内的楼栋 / Choose the buildings that pay"
UNKNOWN_LEVEL = "未知的审核层级 / Unknown review level"
OWN_APPLICATION = "申请人不能审核或拨付自己的申请 / The applicant cannot review or pay out their own application"
NOT_APPROVED = "该申请尚未通过三级联审，不能拨付 / The application has not passed the three reviews: it cannot be paid"
ALREADY_PAID = "该申请已拨付 / This application has already been paid out"
INSUFFICIENT = (
    "维修资金余额 {balance} 元，不足以拨付 {amount} 元 / The fund holds {balance} yuan: {amount} yuan cannot be paid"
)
DATE_RANGE = "日期不能晚于今天，也不能早于 2000 年 / The date cannot be after today or before 2000"
COMMENT_TOO_LONG = "意见最多 {n} 字 / The comment is at most {n} characters"
MEMO_TOO_LONG = "摘要最多 {n} 字 / The memo is at most {n} characters"
MEMO_REQUIRED = "请填写摘要 / Give a memo"


def review_term(*, emergency: bool) -> Term:
    """Each level of 三级联审 answers within GONGZHI_FUND_REVIEW_DAYS working days, or within
    GONGZHI_FUND_EMERGENCY_REVIEW_HOURS hours for an emergency."""
    if emergency:
        return Term(settings.GONGZHI_FUND_EMERGENCY_REVIEW_HOURS, Unit.HOURS)
    return Term(settings.GONGZHI_FUND_REVIEW_DAYS, Unit.WORKING_DAYS)


@transaction.atomic
def fund_apply(actor, *, estate_id: int, purpose: str, amount, building_ids: list[int], emergency: str = "",
          vote_id: int | None = None) -> FundApplication:
    estate = estate_for(actor, estate_id, roles=REQUESTERS)
    value = fen(amount)
    purpose = clean_text(purpose, 200, PURPOSE_REQUIRED, field="purpose")
    buildings = list(estate.buildings.filter(pk__in=building_ids))
    if not buildings or len(buildings) != len(set(building_ids)):
        raise InvalidInput(BUILDINGS_REQUIRED, field="building_ids")
    vote = None
    if emergency:
        if emergency not in EmergencyReason.values:
            raise InvalidInput(UNKNOWN_EMERGENCY, field="emergency")
    else:
        vote = Vote.objects.filter(pk=vote_id, estate=estate).first() if vote_id else None
        if vote is None or vote.item != Art278.FUND_USE or vote.status != VoteStatus.CLOSED or not vote.passed:
            raise InvalidInput(NEEDS_VOTE, field="vote_id")
        if set(vote.buildings.values_list("pk", flat=True)) != {b.pk for b in buildings}:
            raise InvalidInput(VOTE_GROUP, field="vote_id")
    application = FundApplication.objects.create(estate=estate, purpose=purpose[:200], amount=value,
                                                 emergency=emergency, vote=vote, applied_by=actor)
    application.buildings.set(buildings)
    due = clock.deadline(application.applied_at, review_term(emergency=bool(emergency)))
    FundReview.objects.bulk_create(FundReview(application=application, level=level, due_at=due.at)
                                   for level in ReviewLevel.values)
    if emergency:
        names = "、".join(f"{b.code}号楼" for b in buildings)
        application.notice = notices.notice_publish(
            actor, estate_id=estate.pk, kind="announcement", audience="estate",
            title=f"应急使用维修资金告知：{purpose}",
            body=f"因{EmergencyReason(emergency).label}，拟应急动用维修资金 {yuan(value)} 元，列支范围：{names}。"
                 "按规定无需表决，已报物业管理中心、街道、社区联审。")
        application.save(update_fields=["notice"])
    audit_record(actor, AuditAction.FUND_APPLY, application, after=snapshot(application))
    return application


@transaction.atomic
def fund_review(actor, *, application_id: int, level: str, approved: bool, comment: str = "") -> FundApplication:
    scope = scope_for(actor)
    application = get_in_scope(FundApplication.objects.select_for_update().filter(estate__in=scope.estates()),
                               pk=application_id)
    if level not in REVIEWERS:
        raise InvalidInput(UNKNOWN_LEVEL, field="level")
    if actor is not None and application.applied_by_id == actor.pk:
        raise PermissionDenied(OWN_APPLICATION)
    if not may_review_fund(actor, application, level):
        raise PermissionDenied()
    if application.status != FundStatus.REVIEWING:
        raise WrongState(NOT_REVIEWING)
    row = FundReview.objects.select_for_update().get(application=application, level=level)
    if row.approved is not None:
        raise WrongState(ALREADY_REVIEWED)
    comment = clean_text(comment, 2000, message_if_long=COMMENT_TOO_LONG, field="comment")
    row.approved, row.comment, row.reviewer, row.decided_at = bool(approved), comment, actor, clock.now()
    row.save()
    decisions = list(FundReview.objects.filter(application=application).values_list("approved", flat=True))
    if False in decisions:
        application.status = FundStatus.REJECTED
    elif all(d is True for d in decisions):
        application.status = FundStatus.APPROVED
    application.save(update_fields=["status"])
    audit_record(actor, AuditAction.FUND_REVIEW, application, after={"level": level, "approved": row.approved})
    return application


def _day(date) -> datetime.date:
    day = clock.today() if date is None else date
    if not isinstance(day, datetime.date) or not datetime.date(2000, 1, 1) <= day <= clock.today():
        raise InvalidInput(DATE_RANGE, field="date")
    return day


@transaction.atomic
def fund_deposit(actor, *, estate_id: int, amount, date: datetime.date | None = None, memo: str) -> Transaction:
    """Money into the estate's maintenance fund (owners' deposits, interest, the opening balance moved
    in): the fund's account up, the owners' share in it up."""
    estate = estate_for(actor, estate_id, roles=BOOKKEEPERS)
    value = fen(amount)
    memo = clean_text(memo, 200, MEMO_REQUIRED, MEMO_TOO_LONG, field="memo")
    tx = transaction_post(actor, estate, date=_day(date), memo=f"维修资金入账：{memo}",
                          lines=[(FUND, value, 0), (FUND_OWNERS, 0, value)])
    audit_record(actor, AuditAction.FUND_DEPOSIT, tx, after={"amount": value})
    return tx


@transaction.atomic
def fund_payout(actor, *, application_id: int, date: datetime.date | None = None) -> FundApplication:
    """Pay an approved application out of the fund into the journal: once, never by its applicant, and
    never beyond the balance (the estate's row lock keeps two payouts from both seeing the same balance)."""
    visible = object_for(actor, FundApplication.objects.all(), application_id, roles=BOOKKEEPERS)
    if actor is not None and visible.applied_by_id == actor.pk:
        raise PermissionDenied(OWN_APPLICATION)
    day = _day(date)
    estate = Estate.objects.select_for_update().get(pk=visible.estate_id)
    application = FundApplication.objects.select_for_update().get(pk=visible.pk)
    if application.status == FundStatus.PAID or application.payout_id is not None:
        raise WrongState(ALREADY_PAID)
    if application.status != FundStatus.APPROVED:
        raise WrongState(NOT_APPROVED)
    held = balance(estate, FUND)
    if application.amount > held:
        raise WrongState(INSUFFICIENT.format(balance=yuan(held), amount=yuan(application.amount)))
    tx = transaction_post(actor, estate, date=day, memo=f"维修资金拨付：{application.purpose}",
                          lines=[(FUND_OWNERS, application.amount, 0), (FUND, 0, application.amount)])
    application.status, application.payout, application.paid_by = FundStatus.PAID, tx, actor
    application.save(update_fields=["status", "payout", "paid_by"])
    audit_record(actor, AuditAction.FUND_PAYOUT, application, after={"transaction": tx.pk, "amount": application.amount})
    return application
