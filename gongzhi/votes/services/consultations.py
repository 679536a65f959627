"""Consultations (征求意见): every household of the group is asked; a collector may record a
household's answer door to door; the organisers reply, close and publish the summary."""

import datetime

from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.access import object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.notices import services as notices
from gongzhi.votes import rules
from gongzhi.votes.choices import AuditAction, Channel, Opinion
from gongzhi.votes.models import Answer, Consultation
from gongzhi.votes.selectors import consultation_summary, households, my_units  # noqa: F401 — reads, also wanted here
from gongzhi.votes.services.votes import ANY_LENGTH, BUILDING_OTHER_ESTATE, organised_estate
from gongzhi.votes.services.votes import CLOSES_BEFORE_OPENS as CLOSES_BEFORE_OPENS

TITLE_REQUIRED = "请填写事项 / A title is required"
BODY_REQUIRED = "请填写方案说明 / Describe the plan"
NOT_OPEN = "现在不在征求意见期内 / This consultation is not open now"
NOT_A_HOUSEHOLD = "您不是该房屋的业主或住户 / You neither own nor live in this unit"
UNIT_NOT_IN_GROUP = "该房屋不在征求意见范围内 / The unit is not in this consultation"
UNKNOWN_OPINION = "请选择同意、不同意或有条件同意 / Choose agree, disagree or agree with conditions"
CONDITIONS_NEEDED = "有条件同意时请写明条件 / Say what the conditions are"
REPLY_REQUIRED = "请填写答复 / Write the reply"
ALREADY_CLOSED = "已经结束 / Already closed"
NOT_YET_CLOSED = "截止时间未到 / Not closed yet"
COMMENT_MAX = 5000


def organised(actor, queryset, pk):
    """A consultation or convention the actor may organise."""
    return object_for(actor, queryset, pk, roles=rules.VOTE_ORGANISER_ROLES)


@transaction.atomic
def consultation_create(actor, *, estate_id: int, title: str, body: str, opens_at: datetime.datetime,
                        closes_at: datetime.datetime, building_ids: list[int] | None = None) -> Consultation:
    estate = organised_estate(actor, estate_id)
    title = clean_text(title, ANY_LENGTH, TITLE_REQUIRED, field="title")[:200]
    body = clean_text(body, ANY_LENGTH, BODY_REQUIRED, field="body")
    if closes_at <= opens_at:
        raise InvalidInput(CLOSES_BEFORE_OPENS, field="closes_at")
    buildings = list(estate.buildings.filter(pk__in=building_ids or []))
    if len(buildings) != len(set(building_ids or [])):
        raise InvalidInput(BUILDING_OTHER_ESTATE, field="building_ids")
    consultation = Consultation.objects.create(estate=estate, title=title, body=body, opens_at=opens_at,
                                               closes_at=closes_at, created_by=actor)
    consultation.buildings.set(buildings)
    notices.notice_publish(actor, estate_id=estate.pk, kind="consultation", audience="estate",
                           title=f"征求意见：{title}", body=body, expires_on=clock.local_date(closes_at))
    audit_record(actor, AuditAction.CONSULTATION_CREATE, consultation, after=snapshot(consultation))
    return consultation


@transaction.atomic
def answer_submit(actor, *, consultation_id: int, unit_id: int, opinion: str, comment: str = "",
                  channel: str = Channel.ONLINE) -> Answer:
    """A household answers (again, if it changes its mind before the deadline); a collector may
    record a household's answer door to door."""
    scope = scope_for(actor)
    visible = get_in_scope(Consultation.objects.filter(estate__in=scope.estates()), pk=consultation_id)
    consultation = Consultation.objects.select_for_update().get(pk=visible.pk)
    if not consultation.is_open():
        raise WrongState(NOT_OPEN)
    if opinion not in Opinion.values:
        raise InvalidInput(UNKNOWN_OPINION, field="opinion")
    comment = clean_text(comment, COMMENT_MAX, field="comment")
    if opinion == Opinion.CONDITIONAL and not comment:
        raise InvalidInput(CONDITIONS_NEEDED, field="comment")
    unit = households(consultation).filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput(UNIT_NOT_IN_GROUP, field="unit_id")
    collector = rules.may_collect_ballots(actor, consultation.estate)
    if channel == Channel.ONLINE:
        if unit not in my_units(actor, consultation):
            raise PermissionDenied(NOT_A_HOUSEHOLD)
    elif not collector:
        raise PermissionDenied()
    answer, created = Answer.objects.update_or_create(
        consultation=consultation, unit=unit,
        defaults={"opinion": opinion, "comment": comment, "channel": channel, "entered_by": actor,
                  "answered_at": clock.now()},
    )
    audit_record(actor, AuditAction.ANSWER_SUBMIT if created else AuditAction.ANSWER_CHANGE, consultation,
                 after={"unit_id": unit.pk, "opinion": opinion, "channel": channel})
    return answer


@transaction.atomic
def answer_reply(actor, *, answer_id: int, text: str) -> Answer:
    """The organisers answer a household's opinion; the household sees the reply."""
    scope = scope_for(actor)
    answer = get_in_scope(Answer.objects.filter(consultation__estate__in=scope.estates()), pk=answer_id)
    organised(actor, Consultation.objects.all(), answer.consultation_id)
    answer.reply = clean_text(text, ANY_LENGTH, REPLY_REQUIRED, field="text")[:5000]
    answer.replied_by, answer.replied_at = actor, clock.now()
    answer.save(update_fields=["reply", "replied_by", "replied_at"])
    audit_record(actor, AuditAction.ANSWER_REPLY, answer, after={"reply": answer.reply})
    return answer


@transaction.atomic
def consultation_close(actor, *, consultation_id: int) -> Consultation:
    """After the deadline: freeze the summary and publish it (coverage and opinions by building)."""
    consultation = organised(actor, Consultation.objects.select_for_update(), consultation_id)
    if consultation.closed_at is not None:
        raise WrongState(ALREADY_CLOSED)
    if clock.now() < consultation.closes_at:
        raise WrongState(NOT_YET_CLOSED)
    summary = consultation_summary(consultation)
    table = [["楼栋", "户数", "同意", "不同意", "有条件同意", "未答复"]] + [
        [f"{b['building']}号楼", str(b["households"]), str(b["agree"]), str(b["disagree"]), str(b["conditional"]),
         str(b["unanswered"])] for b in summary["buildings"]
    ]
    notice = notices.notice_publish(
        actor, estate_id=consultation.estate_id, kind="consultation", audience="estate",
        title=f"征求意见结果：{consultation.title}",
        body=(f"共 {summary['households']} 户，答复 {summary['answered']} 户（{summary['coverage']}）："
              f"同意 {summary['agree']}，不同意 {summary['disagree']}，有条件同意 {summary['conditional']}。"),
        table=table,
    )
    consultation.summary = {**summary, "notice_id": notice.pk}
    consultation.closed_at = clock.now()
    consultation.save(update_fields=["summary", "closed_at"])
    audit_record(actor, AuditAction.CONSULTATION_CLOSE, consultation, after={"notice_id": notice.pk})
    return consultation
