"""An estate's advisers: its 顾问组 (residents with a profession: a doctor, a teacher, a lawyer) and its
智囊团 (residents with a voice), appointed by the committee chair or the community. "Ask the advisers" on
a meetings matter: each adviser of the estate is asked in their inbox and writes an opinion, attached to
the step the matter stood at when asked (and taken only while it still stands there)."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.meetings.choices import MatterStatus
from gongzhi.meetings.models import Matter
from gongzhi.services import rules
from gongzhi.services.choices import AuditAction, Panel
from gongzhi.services.models import AdviceOpinion, AdviceRequest, Adviser
from gongzhi.services.selectors import current_step

KEEPER_ONLY = "只有业委会主任或社区可以聘请顾问 / Only the committee chair or the community appoints advisers"
UNKNOWN_PANEL = "请选择顾问组或智囊团 / Choose the advisers' group or the think tank"
NOT_IN_ESTATE = "该用户不是本小区居民或工作人员 / This user does not live or work in the estate"
ALREADY_ADVISER = "{name}已是本小区的{panel}成员 / {name} is already one of the estate's advisers"
PROFESSION_REQUIRED = "顾问组成员请填写职业或专长 / An adviser of the 顾问组 names a profession"
ASK_ONLY = "只有跟进议题的业委会、社区人员可以征询顾问意见 / Only those who follow the matter up ask the advisers"
MATTER_NOT_RUNNING = "议题已办结或终止，不能再征询意见 / The matter is finished; the advisers can no longer be asked"
QUESTION_REQUIRED = "请写明要征询的问题 / Say what the advisers are asked"
NO_ADVISERS = "本小区尚未聘请顾问 / The estate has no advisers yet"
NOT_ASKED = "您没有被征询此事项的意见 / You were not asked about this"
OPINION_REQUIRED = "请填写您的意见 / Write your opinion"
ALREADY_GIVEN = "您已提交过对此事项的意见 / You have already given your opinion on this"
STEP_MOVED_ON = "议题已进入下一步骤，意见征询已结束 / The matter has moved past the step; the asking is over"
NOT_ACTIVE = "该顾问已解聘 / This adviser has already been removed"


def _name(user) -> str:
    return user.first_name or user.get_username()


@transaction.atomic
def adviser_add(actor, *, estate_id: int, user_id: int, panel: str, profession: str = "") -> Adviser:
    estate = estate_for(actor, estate_id, roles=rules.ADVISER_KEEPER_ROLES, denied=KEEPER_ONLY)
    if panel not in Panel.values:
        raise InvalidInput(UNKNOWN_PANEL, field="panel")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(field="user_id")
    if not rules.may_take_part(user, estate):
        raise InvalidInput(NOT_IN_ESTATE, field="user_id")
    profession = clean_text(profession, 60, PROFESSION_REQUIRED if panel == Panel.ADVISERS else None,
                            field="profession")
    held = Adviser.objects.filter(estate=estate, user=user, active=True).first()
    if held is not None:
        raise WrongState(ALREADY_ADVISER.format(name=_name(user), panel=held.get_panel_display()))
    try:
        with transaction.atomic():
            adviser = Adviser.objects.create(estate=estate, user=user, panel=panel, profession=profession,
                                             added_by=actor, added_at=clock.now())
    except IntegrityError as exc:  # appointed meanwhile
        raise WrongState(ALREADY_ADVISER.format(name=_name(user), panel=Panel(panel).label)) from exc
    audit_record(actor, AuditAction.ADVISER_ADD, adviser, after=snapshot(adviser))
    return adviser


@transaction.atomic
def adviser_remove(actor, *, adviser_id: int) -> Adviser:
    seen = object_for(actor, Adviser.objects.all(), adviser_id, roles=rules.ADVISER_KEEPER_ROLES, denied=KEEPER_ONLY)
    adviser = Adviser.objects.select_for_update().get(pk=seen.pk)
    if not adviser.active:
        raise WrongState(NOT_ACTIVE)
    adviser.active = False
    adviser.save(update_fields=["active"])
    audit_record(actor, AuditAction.ADVISER_REMOVE, adviser, before={"active": True}, after={"active": False})
    return adviser


@transaction.atomic
def advice_ask(actor, *, matter_id: int, question: str, panel: str | None = None) -> AdviceRequest:
    """Ask every active adviser of the matter's estate (of one panel, if given), each in their inbox."""
    seen = object_for(actor, Matter.objects.all(), matter_id, roles=rules.TAKING_PART_ROLES)
    matter = Matter.objects.select_for_update(of=("self",)).select_related("estate__community__subdistrict").get(pk=seen.pk)
    if not rules.may_ask_advisers(actor, matter):
        raise PermissionDenied(ASK_ONLY)
    step = current_step(matter)
    if step is None:
        raise WrongState(MATTER_NOT_RUNNING)
    question = clean_text(question, 2000, QUESTION_REQUIRED, field="question")
    if panel not in (None, "") and panel not in Panel.values:
        raise InvalidInput(UNKNOWN_PANEL, field="panel")
    advisers = Adviser.objects.filter(estate=matter.estate, active=True).select_related("user")
    if panel:
        advisers = advisers.filter(panel=panel)
    advisers = list(advisers.order_by("pk"))
    if not advisers:
        raise WrongState(NO_ADVISERS)
    asked = AdviceRequest.objects.create(estate=matter.estate, matter=matter, step_index=matter.step_index,
                                         step_key=step.key, step_label=step.label[:100], question=question,
                                         asked_by=actor, asked_at=clock.now())
    AdviceOpinion.objects.bulk_create(AdviceOpinion(request=asked, adviser=a) for a in advisers)
    audit_record(actor, AuditAction.ADVICE_ASK, asked, after=snapshot(asked) | {"advisers": [a.pk for a in advisers]})
    notify([a.user_id for a in advisers], title=f"请提出顾问意见：{matter.title}"[:200], body=question[:500],
           link=reverse("services:advice_detail", args=[asked.pk]))
    return asked


def _asked(actor, advice_request_id) -> AdviceRequest:
    qs = AdviceRequest.objects.select_related("matter", "estate")
    if actor is not None:
        qs = qs.filter(estate__in=scope_for(actor).estates())
    return get_in_scope(qs, pk=advice_request_id)


@transaction.atomic
def advice_give(actor, *, advice_request_id: int, text: str) -> AdviceOpinion:
    """The adviser's written opinion, once, while the matter still stands at the step it was asked at."""
    asked = _asked(actor, advice_request_id)
    opinion = (AdviceOpinion.objects.select_for_update(of=("self",)).select_related("adviser")
               .filter(request=asked, adviser__user=actor).first())
    if opinion is None:
        raise PermissionDenied(NOT_ASKED)
    if opinion.written_at is not None:
        raise WrongState(ALREADY_GIVEN)
    matter = asked.matter
    if matter.status != MatterStatus.IN_PROGRESS or matter.step_index != asked.step_index:
        raise WrongState(STEP_MOVED_ON)
    opinion.text = clean_text(text, 2000, OPINION_REQUIRED, field="text")
    opinion.written_at = clock.now()
    opinion.save(update_fields=["text", "written_at"])
    audit_record(actor, AuditAction.ADVICE_GIVE, opinion, after=snapshot(opinion, ["text"]))
    notify([asked.asked_by_id], title=f"顾问意见已提交：{matter.title}"[:200], body=f"{_name(actor)}：{opinion.text[:200]}",
           link=reverse("meetings:matter_detail", args=[matter.pk]))
    return opinion
