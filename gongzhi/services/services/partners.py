"""挂点结对 (五进小区): the community pairs a partner unit or a district department with an estate, for a
time, with the duties it takes on and the services it brings (kinds of activity), under the party
organisation's co-construction agreement with it if there is one. The services are then scheduled as
activities naming the pairing (activities.activity_create); what was delivered, and to how many, is
read from those activities' attendance (selectors.pairing_services)."""

import datetime

from django.db import transaction

from gongzhi.bodies.models import CoConstructionAgreement, Organisation, OrgKind
from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.scoping import scope_for
from gongzhi.core.text import clean_text
from gongzhi.notices import services as notices
from gongzhi.services import rules
from gongzhi.services.choices import ActivityKind, AuditAction
from gongzhi.services.models import Pairing

KEEPER_ONLY = "只有社区可以登记挂点结对 / Only the community pairs a unit with an estate"
NOT_A_PARTNER = "请选择共建单位或成员单位（区直部门） / Choose a partner unit or a district department"
DUTIES_REQUIRED = "请写明结对单位承担的职责 / Say what duties the unit takes on"
SERVICES_REQUIRED = "请选择结对单位带来的服务 / Choose the services the unit brings"
UNKNOWN_SERVICE = "未知的服务项目 / Unknown service"
ENDS_BEFORE_START = "结对结束日期不能早于开始日期 / A pairing cannot end before it starts"
ALREADY_PAIRED = "“{partner}”已与本小区挂点结对（{since} 起） / {partner} is already paired with the estate (since {since})"
AGREEMENT_ELSEWHERE = "该共建协议不是与此单位签订的 / The agreement is not with this unit"
ALREADY_ENDED = "该挂点结对已结束 / This pairing has already ended"
END_BEFORE_START = "结束日期不能早于结对开始日期 {start} / The end cannot be before the pairing began ({start})"
PARTNER_KINDS = (OrgKind.PARTNER_UNIT, OrgKind.DEPARTMENT)


def _overlapping(estate, partner, starts_on, ends_on):
    qs = Pairing.objects.filter(estate=estate, partner=partner).exclude(ends_on__lt=starts_on)
    return qs if ends_on is None else qs.filter(starts_on__lte=ends_on)


@transaction.atomic
def pairing_create(actor, *, estate_id: int, partner_id: int, starts_on: datetime.date, duties: str,
                   services: list[str], ends_on: datetime.date | None = None,
                   agreement_id: int | None = None) -> Pairing:
    estate = estate_for(actor, estate_id, roles=rules.PARTNER_KEEPER_ROLES, denied=KEEPER_ONLY)
    seen = scope_for(actor).organisations() if actor is not None else Organisation.objects.all()
    partner = seen.filter(pk=partner_id, kind__in=PARTNER_KINDS).first()
    if partner is None:
        raise InvalidInput(NOT_A_PARTNER, field="partner_id")
    duties = clean_text(duties, 2000, DUTIES_REQUIRED, field="duties")
    kinds = list(dict.fromkeys(services or []))
    if not kinds:
        raise InvalidInput(SERVICES_REQUIRED, field="services")
    if any(k not in ActivityKind.values for k in kinds):
        raise InvalidInput(UNKNOWN_SERVICE, field="services")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(ENDS_BEFORE_START, field="ends_on")
    agreement = None
    if agreement_id is not None:
        agreement = CoConstructionAgreement.objects.filter(pk=agreement_id, partner=partner).first()
        if agreement is None:
            raise InvalidInput(AGREEMENT_ELSEWHERE, field="agreement_id")
    Organisation.objects.select_for_update().filter(pk=partner.pk).first()  # one pairing of the unit at a time
    clash = _overlapping(estate, partner, starts_on, ends_on).order_by("starts_on").first()
    if clash is not None:
        raise WrongState(ALREADY_PAIRED.format(partner=partner.name, since=clash.starts_on.isoformat()))
    pairing = Pairing.objects.create(estate=estate, partner=partner, agreement=agreement, starts_on=starts_on,
                                     ends_on=ends_on, duties=duties, services=kinds, created_by=actor,
                                     created_at=clock.now())
    audit_record(actor, AuditAction.PAIRING_CREATE, pairing, after=snapshot(pairing))
    offered = "、".join(str(ActivityKind(k).label) for k in kinds)
    notices.notice_publish(actor, estate_id=estate.pk, kind="announcement", audience="estate",
                           title=f"挂点结对：{partner.name}"[:200],
                           body=f"自 {starts_on.isoformat()} 起，{partner.name}与本小区挂点结对。承担职责：{duties}。"
                                f"服务项目：{offered}。")
    return pairing


@transaction.atomic
def pairing_end(actor, *, pairing_id: int, ends_on: datetime.date) -> Pairing:
    seen = object_for(actor, Pairing.objects.all(), pairing_id, roles=rules.PARTNER_KEEPER_ROLES, denied=KEEPER_ONLY)
    pairing = Pairing.objects.select_for_update(of=("self",)).select_related("estate__community").get(pk=seen.pk)
    if not rules.may_pair(actor, pairing.estate):
        raise PermissionDenied(KEEPER_ONLY)
    if pairing.ends_on is not None and pairing.ends_on < clock.today():
        raise WrongState(ALREADY_ENDED)
    if ends_on < pairing.starts_on:
        raise InvalidInput(END_BEFORE_START.format(start=pairing.starts_on.isoformat()), field="ends_on")
    before = snapshot(pairing, ["ends_on"])
    pairing.ends_on = ends_on
    pairing.save(update_fields=["ends_on"])
    audit_record(actor, AuditAction.PAIRING_END, pairing, before=before, after=snapshot(pairing, ["ends_on"]))
    return pairing
