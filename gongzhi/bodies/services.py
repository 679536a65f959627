"""Writes of organisations: creating bodies, seating a committee's term, memberships, agreements.

Owners' committee rules (业主委员会, Civil Code art. 277 and local regulations): an odd number of
members from 5 to 11, every member an owner in the estate, a term of at most 5 years unless the
district or subdistrict sets another limit. A breach is refused with a clear message and
nothing is written.
"""

import datetime

from django.conf import settings
from django.db import transaction

from gongzhi.bodies import rules
from gongzhi.bodies.choices import AuditAction
from gongzhi.bodies.models import (
    AUTONOMOUS_KINDS,
    COMPANY_KINDS,
    PARTY_KINDS,
    CoConstructionAgreement,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    ServiceContract,
)
from gongzhi.core.access import estate_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.models import Ownership, Person
from gongzhi.places.models import Estate

COMMITTEE_SIZE = (
    "业主委员会委员人数应为{low}至{high}人之间的单数，当前为{count}人 / "
    "An owners' committee has an odd number of members from {low} to {high}; got {count}"
)
COMMITTEE_NOT_OWNER = (
    "{name}不是本小区业主，不能担任业主委员会委员 / {name} is not an owner in this estate"
)
COMMITTEE_TERM_TOO_LONG = (
    "任期不得超过{years}年（最晚至{latest}） / The term may not exceed {years} years (until {latest} at the latest)"
)
COMMITTEE_TERM_ORDER = "任期结束日期必须晚于开始日期 / The term must end after it starts"
COMMITTEE_ONE_CHAIR = "委员会必须有且只有一名主任 / A committee has exactly one chair"
MEMBER_TWICE = "{name}在名单中出现了两次 / {name} is listed twice"
ORG_NEEDS_PLACE = "请指定该组织所在的小区或社区 / Say which estate or community the organisation belongs to"
ORG_NOT_A_COMMITTEE = "只能为自治组织或党组织设置任期名单 / Only committees and party organisations have terms"
SEAT_NEEDS_ROLE = (
    "只有社区党组织书记、社区工作人员、街道干部或管理员可以确认组织名单 / "
    "Only community secretaries, community staff, subdistrict officers or administrators can seat a body"
)

def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def max_term_years(estate: Estate) -> int:
    subdistrict = estate.community.subdistrict
    for limit in (subdistrict.committee_max_term_years, subdistrict.district.committee_max_term_years):
        if limit:
            return limit
    return settings.GONGZHI_COMMITTEE_MAX_TERM_YEARS


def _organiser_estate(actor, estate_id: int) -> Estate:
    """The estate, if the actor (or the system, None) may organise its bodies."""
    return estate_for(actor, estate_id, roles=rules.ORGANISER_ROLES, denied=SEAT_NEEDS_ROLE)


def check_owners_committee(estate: Estate, members: list[tuple[Person, str]], start, end) -> None:
    """Raise InvalidInput on the first breach of the owners' committee rules."""
    low, high = settings.GONGZHI_COMMITTEE_MIN_MEMBERS, settings.GONGZHI_COMMITTEE_MAX_MEMBERS
    count = len(members)
    if count < low or count > high or count % 2 == 0:
        raise InvalidInput(COMMITTEE_SIZE.format(low=low, high=high, count=count), field="members")
    owners = set(
        Ownership.objects.filter(
            unit__estate=estate, person__in=[p for p, _ in members], until__isnull=True
        ).values_list("person_id", flat=True)
    )
    for person, _role in members:
        if person.pk not in owners:
            raise InvalidInput(COMMITTEE_NOT_OWNER.format(name=person.name), field="members")
    years = max_term_years(estate)
    latest = add_years(start, years)
    if end > latest:
        raise InvalidInput(COMMITTEE_TERM_TOO_LONG.format(years=years, latest=latest), field="term_end")


@transaction.atomic
def organisation_create(
    actor, *, kind: str, name: str, estate_id: int | None = None, community_id: int | None = None,
    parent_id: int | None = None, responsibilities: list[str] | None = None,
) -> Organisation:
    if kind not in OrgKind.values:
        raise InvalidInput(f"未知的组织类别：{kind} / Unknown organisation kind: {kind}", field="kind")
    if not (name or "").strip():
        raise InvalidInput("请填写组织名称 / The organisation needs a name", field="name")
    org = Organisation(kind=kind, name=name.strip(), responsibilities=responsibilities or [])
    if estate_id is not None:
        org.estate = _organiser_estate(actor, estate_id)
        org.community_id = org.estate.community_id
    elif community_id is not None:
        if not rules.may_organise_community(actor, community_id):
            raise NotFound()
        org.community_id = community_id
    else:
        raise InvalidInput(ORG_NEEDS_PLACE, field="estate_id")
    if parent_id is not None:
        org.parent = Organisation.objects.filter(pk=parent_id).first()
    org.save()
    audit_record(actor, AuditAction.ORGANISATION_CREATE, org, after=snapshot(org))
    return org


@transaction.atomic
def committee_seat(
    actor,
    *,
    organisation_id: int,
    members: list[tuple[int, str]],
    term_start: datetime.date,
    term_end: datetime.date,
) -> list[Membership]:
    """Seat a body's members for a new term: the old roster ends, the new one starts, atomically."""
    org = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if org is None:
        raise NotFound()
    if org.kind not in AUTONOMOUS_KINDS | PARTY_KINDS | {OrgKind.SUPERVISORY_COMMITTEE}:
        raise InvalidInput(ORG_NOT_A_COMMITTEE)
    if org.estate_id is not None:
        estate = _organiser_estate(actor, org.estate_id)
    elif not rules.may_organise_community(actor, org.community_id):
        raise NotFound()
    else:
        estate = None
    if term_end <= term_start:
        raise InvalidInput(COMMITTEE_TERM_ORDER, field="term_end")
    # Only people the organiser may see can be seated: an id from elsewhere answers like a missing one.
    candidates = Person.objects.all() if actor is None else scope_for(actor).persons()
    persons = candidates.in_bulk([pid for pid, _ in members])
    roster: list[tuple[Person, str]] = []
    seen = set()
    for pid, role in members:
        person = persons.get(pid)
        if person is None:
            raise NotFound()
        if pid in seen:
            raise InvalidInput(MEMBER_TWICE.format(name=person.name), field="members")
        if role not in MemberRole.values:
            raise InvalidInput(f"未知职务：{role} / Unknown position: {role}", field="members")
        seen.add(pid)
        roster.append((person, role))
    head = MemberRole.SECRETARY if org.kind in PARTY_KINDS else MemberRole.CHAIR
    if sum(1 for _, role in roster if role == head) != 1:
        raise InvalidInput(COMMITTEE_ONE_CHAIR, field="members")
    if org.kind == OrgKind.OWNERS_COMMITTEE:
        check_owners_committee(estate, roster, term_start, term_end)

    before = {"members": list(org.memberships.filter(active=True).values_list("person_id", "role"))}
    org.memberships.filter(active=True).update(active=False)
    seated = Membership.objects.bulk_create(
        Membership(organisation=org, person=p, role=role, term_start=term_start, term_end=term_end)
        for p, role in roster
    )
    org.term_start, org.term_end = term_start, term_end
    org.save(update_fields=["term_start", "term_end"])
    audit_record(
        actor, AuditAction.ORGANISATION_SEAT, org, before=before,
        after={"members": [(p.pk, role) for p, role in roster],
               "term_start": term_start.isoformat(), "term_end": term_end.isoformat()},
    )
    return seated


@transaction.atomic
def agreement_sign(
    actor, *, party_organisation_id: int, partner_id: int, signed_on: datetime.date,
    expires_on: datetime.date | None = None, content: str = "",
) -> CoConstructionAgreement:
    scope = scope_for(actor) if actor is not None else None
    orgs = scope.organisations() if scope is not None else Organisation.objects.all()
    party = get_in_scope(orgs, pk=party_organisation_id)
    partner = get_in_scope(orgs, pk=partner_id)
    if party.kind not in PARTY_KINDS:
        raise InvalidInput("共建协议须由党组织签订 / A co-construction agreement is signed by a party organisation")
    if not rules.may_sign_agreement(actor):
        raise PermissionDenied(SEAT_NEEDS_ROLE)
    agreement = CoConstructionAgreement.objects.create(
        party_organisation=party, partner=partner, signed_on=signed_on, expires_on=expires_on, content=content
    )
    audit_record(actor, AuditAction.AGREEMENT_SIGN, agreement, after=snapshot(agreement))
    return agreement


@transaction.atomic
def service_contract_create(
    actor, *, estate_id: int, company_id: int, start: datetime.date | None = None, end: datetime.date | None = None
):
    """A company starts serving an estate; the estate's property-service status follows the contract."""
    estate = _organiser_estate(actor, estate_id)
    company = Organisation.objects.filter(pk=company_id, kind__in=COMPANY_KINDS).first()
    if company is None:
        raise NotFound()
    contract = ServiceContract.objects.create(estate=estate, company=company, start=start, end=end)
    before = estate.property_service
    estate.property_service = company.kind
    estate.save(update_fields=["property_service"])
    audit_record(actor, AuditAction.SERVICE_CONTRACT_CREATE, contract,
                 before={"property_service": before},
                 after={**snapshot(contract), "property_service": estate.property_service})
    return contract
