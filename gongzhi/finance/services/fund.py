"""住宅专项维修资金: use applications. Normal use needs the owners' vote on item 5 among the units
that pay (列支范围); an emergency (roof leak, a lift endangering safety, a high-rise water pump,
a façade at risk, blocked or collapsed drains, a fire system ordered repaired) skips the vote but
notifies the owners at once and is reviewed fast. Three levels review each application (三级联审:
the property-management centre, the subdistrict, the community), each by its deadline."""

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.clock import Term, Unit
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.money import fen, yuan
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.choices import AuditAction, EmergencyReason, FundStatus, ReviewLevel
from gongzhi.finance.models import FundApplication, FundReview
from gongzhi.finance.rules import REQUESTERS, REVIEWERS, may_review_fund
from gongzhi.notices import services as notices
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
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvalidInput(PURPOSE_REQUIRED, field="purpose")
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
    if not may_review_fund(actor, application, level):
        raise PermissionDenied()
    if application.status != FundStatus.REVIEWING:
        raise WrongState(NOT_REVIEWING)
    row = FundReview.objects.select_for_update().get(application=application, level=level)
    if row.approved is not None:
        raise WrongState(ALREADY_REVIEWED)
    row.approved, row.comment, row.reviewer, row.decided_at = bool(approved), comment or "", actor, clock.now()
    row.save()
    decisions = list(FundReview.objects.filter(application=application).values_list("approved", flat=True))
    if False in decisions:
        application.status = FundStatus.REJECTED
    elif all(d is True for d in decisions):
        application.status = FundStatus.APPROVED
    application.save(update_fields=["status"])
    audit_record(actor, AuditAction.FUND_REVIEW, application, after={"level": level, "approved": row.approved})
    return application
