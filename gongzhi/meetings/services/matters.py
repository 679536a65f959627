"""Matters and their procedures: created under a procedure, moved one step at a time (and only
the current step, by a role the step names), the 三重一大 rule, and the follow-up's access."""

from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload, check_uploads
from gongzhi.core.money import fen
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.meetings import rules
from gongzhi.meetings.choices import AuditAction, DeliveryStatus
from gongzhi.meetings.models import (
    LEVELS,
    Decision,
    Matter,
    MatterSource,
    MatterStatus,
    MatterStep,
    Meeting,
    Outcome,
    ProcedureTemplate,
    at_or_above,
)
from gongzhi.meetings.procedures import SHIPPED, Procedure, StepKind
from gongzhi.meetings.rules import meeting_types
from gongzhi.notices import services as notices
from gongzhi.places.models import Community, District, Estate, Subdistrict
from gongzhi.votes.models import Vote, VoteStatus

TITLE_REQUIRED = "请填写名称 / A title is required"
MAJOR_NEEDS_JOINT = (
    "三重一大事项只能在其议事程序规定的联席会议上决定 / "
    "A 三重一大 matter is decided only at the joint meeting its procedure names"
)
UNKNOWN_PROCEDURE = "未知的议事程序 / Unknown procedure"
MAJOR_PROCEDURE = (
    "三重一大事项须采用包含联席会议的程序 / A 三重一大 matter needs a procedure with a joint meeting"
)
UNKNOWN_SOURCE = "未知的议题来源 / Unknown source"
NOT_YOUR_STEP = "当前步骤“{label}”须由{roles}办理 / The current step “{label}” is for {roles}"
WRONG_STEP = "当前步骤是“{label}”，不能跳过或重复 / The current step is “{label}”: steps are not skipped or repeated"
MATTER_FINISHED = "该议题已办结或终止 / This matter is finished"
CANNOT_BACK = "该步骤不能退回 / This step cannot send the matter back"
CANNOT_END = "该步骤不能终止议题 / This step cannot end the matter"
NEEDS_MEETING = "该步骤须由会议决定：请选择已作出决定的会议 / This step is decided by a meeting: name it"
WRONG_MEETING_TYPE = "该步骤须由以下会议决定：{types} / This step needs one of: {types}"
NO_DECISION = "该会议未对此议题作出决定 / That meeting made no decision on this matter"
DECISION_SAYS = "会议决定为“{result}”，本步骤的结果须与之一致 / The step must follow the meeting's decision ({result})"
NEEDS_VOTE = "该步骤须由业主表决决定：请选择已结束的表决 / This step is decided by an owners' vote: name it"
VOTE_NOT_CLOSED = "该表决尚未结束 / That vote has not closed"
VOTE_SAYS = "表决结果为“{result}”，本步骤的结果须与之一致 / The step must follow the vote's result ({result})"
TOO_FEW_BIDS = "至少需要 3 家报价 / At least 3 bids are needed"
DELIVERY_OPEN = "还有交付项未完成（{done}/{total}）/ Deliveries are not all done ({done}/{total})"
NO_DELIVERIES = "请先登记交付项 / Record the deliverables first"
BAD_AMOUNT = "金额须为大于 0 的数，最多两位小数 / The amount must be positive, with at most two decimals"
UNKNOWN_OUTCOME = "未知的办理结果 / Unknown outcome"
DESCRIPTION_MAX = 5000
NOTE_MAX = 5000
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ONE_ATTACHMENT = "每个步骤最多 {n} 个附件 / At most {n} attachment per step"
ATTACHMENT_TOO_BIG = "附件“{name}”超过 {mb} MB / The attachment {name} is larger than {mb} MB"

ONE_PLACE = ("请选择会议（议题）所在的一个地方：小区、社区、街道或区，只选一个 / "
             "Choose the one place it belongs to: an estate, a community, a subdistrict or a district")
PLACE_MODELS = {"community": Community, "subdistrict": Subdistrict, "district": District}
ABOVE_PROCEDURE = ("该议事程序含业主表决或小区公示，只适用于小区的议题 / "
                   "This procedure has an owners' vote or an estate notice: it is for an estate's matters")
CONCERNS_OUTSIDE = ("涉及的小区须在该议题所在的社区（街道、区）之内 / "
                    "The estates a matter concerns lie within its place")
CONCERNS_ESTATE = "小区的议题不另列涉及的小区 / An estate's matter concerns that estate only"

STEP_AUDIT = {Outcome.DONE: AuditAction.MATTER_STEP_DONE, Outcome.BACK: AuditAction.MATTER_STEP_BACK,
              Outcome.END: AuditAction.MATTER_STEP_END}


def place_for(actor, *, estate_id=None, community_id=None, subdistrict_id=None, district_id=None):
    """(level, the place) for a meeting or matter: exactly one of the ids. An estate the actor does not see,
    or a place above with none of the actor's estates in it, answers as a missing one (404)."""
    given = [(level, pk) for level, pk in zip(LEVELS, (estate_id, community_id, subdistrict_id, district_id), strict=True)
             if pk is not None]
    if len(given) != 1:
        raise InvalidInput(ONE_PLACE, field="estate_id")
    level, pk = given[0]
    scope = scope_for(actor) if actor is not None else None
    if level == "estate":
        estates = scope.estates() if scope is not None else Estate.objects.all()
        return level, get_in_scope(estates.select_related("community__subdistrict"), pk=pk)
    model = PLACE_MODELS[level]
    if scope is None or scope.is_root:
        return level, get_in_scope(model.objects.all(), pk=pk)
    estates = scope.estates()
    seen = {"community": Q(pk__in=estates.values("community_id")) | Q(pk__in=scope.communities().values("pk")),
            "subdistrict": Q(pk__in=estates.values("community__subdistrict_id"))
            | Q(pk__in=scope.subdistricts().values("pk")),
            "district": Q(pk__in=estates.values("community__subdistrict__district_id"))
            | Q(pk__in=scope.districts().values("pk"))}[level]
    return level, get_in_scope(model.objects.filter(seen), pk=pk)


def visible_matter(actor, matter_id) -> Matter:
    from gongzhi.meetings.selectors import visible_matters

    qs = Matter.objects.filter(visible_matters(actor)) if actor is not None else Matter.objects.all()
    return get_in_scope(qs.select_related("estate__community__subdistrict", "community__subdistrict", "subdistrict",
                                          "district"), pk=matter_id)


def organised_matter(actor, matter_id) -> Matter:
    """A matter the actor may follow up (action items, bids, deliveries): out of sight 404, in sight
    without the role 403."""
    matter = visible_matter(actor, matter_id)
    if not rules.may_organise_matter(actor, matter):
        raise PermissionDenied()
    return matter


def procedure_for(where, code: str) -> Procedure:
    """The procedure `code` as the community of `where` (an estate, a community, or a meeting or matter)
    keeps it, else as shipped."""
    if isinstance(where, Estate):
        community_id = where.community_id
    elif isinstance(where, Community):
        community_id = where.pk
    else:
        community_id = where.types_community_id
    template = ProcedureTemplate.objects.filter(community_id=community_id, code=code).first()
    if template is not None:
        return Procedure.from_data({"code": code, **template.definition})
    if code not in SHIPPED:
        raise InvalidInput(UNKNOWN_PROCEDURE, field="procedure")
    return SHIPPED[code]


def major_may_decide(step, meeting_kind: str, community_id: int) -> bool:
    """A 三重一大 matter is decided only at its procedure's current meeting step, and where that
    step offers a joint meeting, only at a joint one."""
    if step.kind != StepKind.MEETING or meeting_kind not in step.meeting_types:
        return False
    types = meeting_types(community_id)
    joint = [t for t in step.meeting_types if t in types and types[t].joint]
    return not joint or meeting_kind in joint


def _has_joint_meeting(procedure: Procedure, community_id: int) -> bool:
    types = meeting_types(community_id)
    return any(s.kind == StepKind.MEETING and any(t in types and types[t].joint for t in s.meeting_types)
               for s in procedure.steps)


@transaction.atomic
def matter_create(actor, *, title: str, procedure: str, estate_id: int | None = None, community_id: int | None = None,
                  subdistrict_id: int | None = None, district_id: int | None = None,
                  source: str = MatterSource.PROPOSAL, description: str = "", amount: Decimal | None = None,
                  major: bool = False, estate_ids: list[int] | None = None) -> Matter:
    """Put a matter on the table of an estate, or above it of a community, subdistrict or district; a
    matter above the estate names the estates it concerns (`estate_ids`, within its place) and follows a
    procedure without an owners' vote or an estate's notice (协调推进)."""
    level, where = place_for(actor, estate_id=estate_id, community_id=community_id, subdistrict_id=subdistrict_id,
                             district_id=district_id)
    matter = Matter(**{level: where})
    definition = procedure_for(matter, procedure)
    if not rules.may_propose_matter(actor, where if level == "estate" else matter, definition):
        raise PermissionDenied()
    title = clean_text(title, 200, TITLE_REQUIRED, field="title")
    description = clean_text(description, DESCRIPTION_MAX, field="description")
    if source not in MatterSource.values:
        raise InvalidInput(UNKNOWN_SOURCE, field="source")
    if amount is not None:
        amount = Decimal(fen(amount, message=BAD_AMOUNT)) / 100
    major = bool(major) or (amount is not None and amount >= Decimal(settings.GONGZHI_MAJOR_SPENDING_YUAN))
    community_for_types = matter.types_community_id
    if major and not _has_joint_meeting(definition, community_for_types):
        raise InvalidInput(MAJOR_PROCEDURE, field="procedure")
    concerns = []
    if level == "estate":
        if set(estate_ids or []) - {where.pk}:
            raise InvalidInput(CONCERNS_ESTATE, field="estate_ids")
    else:
        if any(s.kind in (StepKind.VOTE, StepKind.PUBLISH) for s in definition.steps):
            raise InvalidInput(ABOVE_PROCEDURE, field="procedure")
        wanted = set(estate_ids or [])
        seen = scope_for(actor).estates() if actor is not None else Estate.objects.all()
        concerns = list(seen.filter(pk__in=wanted))
        if len(concerns) != len(wanted):
            raise NotFound()  # an estate out of sight answers as a missing one
        inside = set(Estate.objects.filter(pk__in=[e.pk for e in concerns], **_estate_in(level, where.pk))
                     .values_list("pk", flat=True))
        if len(inside) != len(concerns):
            raise InvalidInput(CONCERNS_OUTSIDE, field="estate_ids")
    matter = Matter.objects.create(**{level: where}, title=title, description=description, source=source,
                                   amount=amount, major=major, procedure=definition.as_data(), created_by=actor)
    matter.concerns.set(concerns)
    audit_record(actor, AuditAction.MATTER_CREATE, matter, after={**snapshot(matter),
                                                                  "concerns": [e.pk for e in concerns]})
    return matter


def _estate_in(level: str, pk: int) -> dict:
    return {"community": {"community_id": pk}, "subdistrict": {"community__subdistrict_id": pk},
            "district": {"community__subdistrict__district_id": pk}}[level]


def current_step(matter: Matter):
    procedure = Procedure.from_data(matter.procedure)
    return procedure, procedure.steps[matter.step_index]


@transaction.atomic
def matter_step(actor, *, matter_id: int, step_key: str, outcome: str = Outcome.DONE, note: str = "",
                meeting_id: int | None = None, vote_id: int | None = None, attachment=None) -> MatterStep:
    """Record the current step of a matter's procedure — and only the current one."""
    visible = visible_matter(actor, matter_id)
    # Lock the matter: of two people recording the same step at once, the second finds it done.
    matter = Matter.objects.select_for_update(of=("self",)).select_related(
        "estate__community__subdistrict", "community__subdistrict", "subdistrict", "district").get(pk=visible.pk)
    if matter.status != MatterStatus.IN_PROGRESS:
        raise WrongState(MATTER_FINISHED)
    procedure, step = current_step(matter)
    if step.key != step_key:
        raise WrongState(WRONG_STEP.format(label=step.label))
    role = rules.acting_role(actor, step, matter)
    if role is None:
        labels = "、".join(str(Role(r).label) for r in step.roles)
        raise PermissionDenied(NOT_YOUR_STEP.format(label=step.label, roles=labels))
    if outcome not in Outcome.values:
        raise InvalidInput(UNKNOWN_OUTCOME, field="outcome")
    note = clean_text(note, NOTE_MAX, field="note")
    if attachment:
        name = clean_text(getattr(attachment, "name", ""), 100, field="attachment") or "attachment"
        data = attachment.read() if hasattr(attachment, "read") else attachment.data
        check_uploads([Upload(name, data)], most=1, max_bytes=ATTACHMENT_MAX_BYTES, field="attachment",
                      too_many=ONE_ATTACHMENT, too_big=ATTACHMENT_TOO_BIG)
        attachment = ContentFile(data, name=name)
    if outcome == Outcome.BACK and not step.back_to:
        raise InvalidInput(CANNOT_BACK, field="outcome")
    if outcome == Outcome.END and not step.can_end:
        raise InvalidInput(CANNOT_END, field="outcome")
    meeting = _check_meeting(step, matter, meeting_id, outcome)
    vote = _check_vote(step, matter, vote_id, outcome)
    _check_hearing(step, matter, outcome)
    notice = None
    if step.kind == StepKind.PUBLISH:
        notice = notices.notice_publish(
            actor, estate_id=matter.estate_id, kind=step.notice_kind, audience="estate",
            title=f"{'决议公示' if step.notice_kind == 'resolution' else '实施结果公示'}：{matter.title}",
            body=note or _published_body(matter, step.notice_kind))
    record = MatterStep(matter=matter, index=matter.step_index, key=step.key, label=step.label, outcome=outcome,
                        note=note, actor=actor, role=role, meeting=meeting, vote=vote, notice=notice)
    if attachment:
        record.attachment.save(attachment.name, attachment, save=False)
    record.save()
    _advance(matter, procedure, step, outcome)
    audit_record(actor, STEP_AUDIT[outcome], matter, after={"step": step.key, "meeting_id": meeting_id,
                                                                  "vote_id": vote_id, "status": matter.status})
    return record


def _advance(matter: Matter, procedure: Procedure, step, outcome: str) -> None:
    if outcome == Outcome.END:
        matter.status = MatterStatus.ENDED
    elif outcome == Outcome.BACK:
        matter.step_index = procedure.index(step.back_to)
    elif matter.step_index + 1 >= len(procedure.steps):
        matter.status, matter.completed_at = MatterStatus.COMPLETED, clock.now()
    else:
        matter.step_index += 1
    matter.save(update_fields=["status", "step_index", "completed_at"])


def _check_meeting(step, matter, meeting_id, outcome):
    if step.kind != StepKind.MEETING:
        return None
    if meeting_id is None:
        raise InvalidInput(NEEDS_MEETING, field="meeting_id")
    # a meeting at the matter's place or above it; else 404, as missing
    meeting = get_in_scope(Meeting.objects.filter(at_or_above(matter)), pk=meeting_id)
    types = meeting_types(matter.types_community_id)
    names = "、".join(types[t].name if t in types else t for t in step.meeting_types)
    if meeting.kind not in step.meeting_types:
        raise InvalidInput(WRONG_MEETING_TYPE.format(types=names), field="meeting_id")
    if matter.major and not major_may_decide(step, meeting.kind, matter.types_community_id):
        raise WrongState(MAJOR_NEEDS_JOINT)
    decision = Decision.objects.filter(meeting=meeting, matter=matter).first()
    if decision is None:
        raise WrongState(NO_DECISION)
    if decision.passed != (outcome == Outcome.DONE):
        raise WrongState(DECISION_SAYS.format(result="通过" if decision.passed else "未通过"))
    return meeting


def _check_vote(step, matter, vote_id, outcome):
    if step.kind != StepKind.VOTE:
        return None
    if vote_id is None:
        raise InvalidInput(NEEDS_VOTE, field="vote_id")
    vote = get_in_scope(Vote.objects.filter(estate=matter.estate), pk=vote_id)  # else 404, as missing
    if vote.status != VoteStatus.CLOSED:
        raise WrongState(VOTE_NOT_CLOSED)
    approved = vote.passed
    if approved != (outcome == Outcome.DONE):
        raise WrongState(VOTE_SAYS.format(result="通过" if approved else "未通过"))
    return vote


def _check_hearing(step, matter, outcome):
    if outcome != Outcome.DONE:
        return
    if step.key == "bids" and matter.bids.count() < 3:
        raise WrongState(TOO_FEW_BIDS)
    if step.key == "delivery":
        total = matter.deliveries.count()
        done = matter.deliveries.filter(status=DeliveryStatus.DONE).count()
        if total == 0:
            raise WrongState(NO_DELIVERIES)
        if done < total:
            raise WrongState(DELIVERY_OPEN.format(done=done, total=total))


def _published_body(matter: Matter, kind: str) -> str:
    decisions = "\n".join(f"{d.meeting.title}：{d.text}（赞成 {d.votes_for}，反对 {d.votes_against}，弃权 "
                          f"{d.votes_abstain}）" for d in matter.decisions.select_related("meeting"))
    if kind == "implementation":
        items = "\n".join(f"{d.label}：{d.get_status_display()}" for d in matter.deliveries.all())
        return "\n".join(filter(None, [matter.description, decisions, items, "已按决议实施完毕。"]))
    return "\n".join(filter(None, [matter.description, decisions]))
