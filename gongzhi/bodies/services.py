"""Writes of organisations: creating bodies, seating a committee's term, memberships, agreements.

Owners' committee rules (业主委员会, Civil Code art. 277 and local regulations): an odd number of
members from 5 to 11, every member an owner in the estate, a term of at most 5 years unless the
district or subdistrict sets another limit. A breach is refused with a clear message and
nothing is written.
"""

import datetime
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from gongzhi.bodies import rules
from gongzhi.bodies.choices import (
    COMMUNITY_KINDS,
    ESTATE_KINDS,
    PARTY_PARENTS,
    PARTY_TOP,
    AuditAction,
    ContractOrigin,
    Responsibility,
    ServiceScope,
)
from gongzhi.bodies.models import (
    AUTONOMOUS_KINDS,
    COMPANY_KINDS,
    PARTY_KINDS,
    PLATFORM_KINDS,
    UNIT_KINDS,
    CoConstructionAgreement,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    ServiceContract,
)
from gongzhi.core import clock
from gongzhi.core.access import estate_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.money import fen
from gongzhi.core.scoping import scope_for
from gongzhi.core.text import clean_text
from gongzhi.people.models import Ownership, Person, RoleAssignment
from gongzhi.people.selectors import community_cadres
from gongzhi.places.models import Community, Estate

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
NOT_A_PLATFORM = "只有五大平台登记服务的小区 / Only the five platforms record the estates they serve"
SERVED_ELSEWHERE = ("平台只能服务本社区（街道）的小区 / "
                    "A platform serves only estates of its own community (or subdistrict)")
SERVED_NONE = "请至少选择一个小区 / Choose at least one estate"
MAX_SERVED = 200
SEAT_NEEDS_ROLE = (
    "只有社区党组织书记、社区工作人员、街道干部或管理员可以确认组织名单 / "
    "Only community secretaries, community staff, subdistrict officers or administrators can seat a body"
)
ORG_KIND_UNKNOWN = "未知的组织类别：{kind} / Unknown organisation kind: {kind}"
ORG_NEEDS_NAME = "请填写组织名称 / The organisation needs a name"
ORG_NAME_TOO_LONG = "组织名称最多 {n} 字 / An organisation's name is at most {n} characters"
ORG_NEEDS_ESTATE = "{kind}须设在某个小区 / A {kind_en} belongs to an estate"
ORG_AT_COMMUNITY = "{kind}设在社区一级，不属于某个小区 / A {kind_en} belongs to the community, not to an estate"
ORG_DEPARTMENT = "成员单位（区直部门）由区里登记，不在社区设立 / Departments are registered by the district"
ORG_NO_PARENT = "只有党组织有上级组织 / Only party organisations have a parent organisation"
PARTY_TOP_NO_PARENT = "{kind}是社区党组织的最上级，不能再设上级 / A {kind_en} is the top of the community's party tree"
PARTY_NEEDS_PARENT = "{kind}须指定上级党组织（{allowed}） / A {kind_en} needs a parent ({allowed})"
PARTY_WRONG_PARENT = (
    "{kind}不能设在{parent}之下，上级应为：{allowed} / A {kind_en} cannot hang under a {parent_en}; its parent is "
    "one of: {allowed}"
)
PARTY_PARENT_ELSEWHERE = "上级党组织不在同一社区或小区 / The parent organisation is in another community or estate"
PARTY_PARENT_ENDED = "上级党组织已撤销 / The parent organisation is no longer active"
CREDIT_CODE_BAD = "统一社会信用代码应为18位数字或大写字母 / A unified social credit code is 18 digits or capitals"
RESPONSIBILITY_UNKNOWN = "未知的职责类别：{value} / Unknown responsibility: {value}"
PMC_MISSING = (
    "物业管理委员会须由街道干部、社区干部和业主代表组成，缺少：{missing} / "
    "A property-management committee seats subdistrict cadres, community cadres and owners; missing: {missing_en}"
)
PMC_PARTS = {"subdistrict": ("街道干部", "a subdistrict cadre"), "community": ("社区干部", "a community cadre"),
             "owners": ("业主代表", "owners")}
TERM_ALREADY_ENDED = "本届任期已结束，没有在任成员 / This term has already ended; nobody is seated"
TERM_END_BEFORE_START = "任期结束日期不能早于开始日期{start} / The term cannot end before it started ({start})"
DATE_IN_FUTURE = "日期不能晚于今天（{today}） / The date cannot be after today ({today})"
CONTRACT_DATES_ORDER = "合同结束日期不能早于开始日期 / A contract cannot end before it starts"
CONTRACT_OVERLAP = (
    "该小区在此期间已有服务合同（{company}，{start}起），请续签或更换 / The estate already has a contract in this "
    "period ({company}, from {start}); renew or replace it"
)
CONTRACT_FOLLOWED = "该合同已续签或更换，请在最新合同上办理 / This contract has already been renewed or replaced"
CONTRACT_NO_END = (
    "该合同未约定结束日期，无需续签；如更换服务企业请办理更换 / The contract has no end date to renew from; "
    "replace it to change the company"
)
CONTRACT_REPLACE_BEFORE = (
    "更换日期须晚于原合同开始日期{start} / The replacement must start after the old contract began ({start})"
)
SERVICE_UNKNOWN = "未知的服务内容：{value} / Unknown service: {value}"
SERVICE_TWICE = "服务内容重复：{value} / A service is listed twice: {value}"
FEE_TOO_HIGH = (
    "收费标准超过每平方米每月{limit}元，请核对 / The fee exceeds {limit} yuan per m² per month; check it"
)
FEE_MAX_FEN = 5000  # 50 元/m²/月: far above any residential fee standard
AGREEMENT_DATES_ORDER = "协议到期日期不能早于签订日期 / An agreement cannot expire before it is signed"
AGREEMENT_WITH_ITSELF = "党组织不能与自己签订共建协议 / A party organisation cannot sign with itself"
AGREEMENT_NEEDS_PARTY = "共建协议须由党组织签订 / A co-construction agreement is signed by a party organisation"
MAX_ORG_NAME = 120

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


def _visible_orgs(actor):
    return Organisation.objects.all() if actor is None else scope_for(actor).organisations()


def _organiser_org(actor, org: Organisation) -> Estate | None:
    """The organisation's estate (None at a community) if the actor organises it: an organisation out
    of sight answers 404, one in sight without the role 403."""
    if org.estate_id is not None:
        return _organiser_estate(actor, org.estate_id)
    if rules.may_organise(actor, org):
        return None
    if _visible_orgs(actor).filter(pk=org.pk).exists():
        raise PermissionDenied(SEAT_NEEDS_ROLE)
    raise NotFound()


def _labels(kinds) -> str:
    return "、".join(str(OrgKind(k).label) for k in sorted(kinds))


def check_parent(kind: str, parent: Organisation | None, org: Organisation) -> None:
    """A child's kind must fit under its parent's (the party tree), in the same community and estate."""
    label, label_en = OrgKind(kind).label, OrgKind(kind).name.lower().replace("_", " ")
    if kind not in PARTY_KINDS:
        if parent is not None:
            raise InvalidInput(ORG_NO_PARENT, field="parent_id")
        return
    if kind in PARTY_TOP:
        if parent is not None:
            raise InvalidInput(PARTY_TOP_NO_PARENT.format(kind=label, kind_en=label_en), field="parent_id")
        return
    allowed = PARTY_PARENTS[kind]
    if parent is None:
        raise InvalidInput(PARTY_NEEDS_PARENT.format(kind=label, kind_en=label_en, allowed=_labels(allowed)),
                           field="parent_id")
    if parent.kind not in allowed:
        raise InvalidInput(PARTY_WRONG_PARENT.format(
            kind=label, kind_en=label_en, parent=OrgKind(parent.kind).label if parent.kind in OrgKind.values
            else parent.kind, parent_en=parent.kind.replace("_", " "), allowed=_labels(allowed)), field="parent_id")
    if not parent.active:
        raise InvalidInput(PARTY_PARENT_ENDED, field="parent_id")
    if parent.community_id != org.community_id or (parent.estate_id is not None and parent.estate_id != org.estate_id):
        raise InvalidInput(PARTY_PARENT_ELSEWHERE, field="parent_id")


@transaction.atomic
def organisation_create(
    actor, *, kind: str, name: str, estate_id: int | None = None, community_id: int | None = None,
    parent_id: int | None = None, responsibilities: list[str] | None = None, credit_code: str = "",
) -> Organisation:
    """Set up a body at an estate or a community: an owners' assembly, 业委会, 物管会, 楼院自治委员会,
    业主监督委员会, a company, a partner unit, or a party organisation in its tree."""
    if kind not in OrgKind.values:
        raise InvalidInput(ORG_KIND_UNKNOWN.format(kind=str(kind)[:40]), field="kind")
    if kind == OrgKind.DEPARTMENT:
        raise InvalidInput(ORG_DEPARTMENT, field="kind")
    name = clean_text(name, MAX_ORG_NAME, ORG_NEEDS_NAME, ORG_NAME_TOO_LONG, field="name")
    credit_code = clean_text(credit_code, 18, field="credit_code")
    if credit_code and not re.fullmatch(r"[0-9A-Z]{18}", credit_code):
        raise InvalidInput(CREDIT_CODE_BAD, field="credit_code")
    for value in responsibilities or []:
        if value not in Responsibility.values:
            raise InvalidInput(RESPONSIBILITY_UNKNOWN.format(value=str(value)[:40]), field="responsibilities")
    org = Organisation(kind=str(kind), name=name, responsibilities=[str(r) for r in responsibilities or []],
                       credit_code=credit_code)
    label, label_en = OrgKind(kind).label, OrgKind(kind).name.lower().replace("_", " ")
    if estate_id is not None:
        org.estate = _organiser_estate(actor, estate_id)
        org.community_id = org.estate.community_id
        if community_id is not None and community_id != org.community_id:
            raise InvalidInput(PARTY_PARENT_ELSEWHERE, field="community_id")
    elif community_id is not None:
        if not rules.may_organise_community(actor, community_id):
            if scope_for(actor).estates().filter(community_id=community_id).exists():
                raise PermissionDenied(SEAT_NEEDS_ROLE)
            raise NotFound()
        if not Community.objects.filter(pk=community_id).exists():
            raise NotFound()
        org.community_id = community_id
    else:
        raise InvalidInput(ORG_NEEDS_PLACE, field="estate_id")
    if kind in ESTATE_KINDS and org.estate_id is None:
        raise InvalidInput(ORG_NEEDS_ESTATE.format(kind=label, kind_en=label_en), field="estate_id")
    if (kind in COMMUNITY_KINDS or kind in PLATFORM_KINDS) and org.estate_id is not None:
        raise InvalidInput(ORG_AT_COMMUNITY.format(kind=label, kind_en=label_en), field="estate_id")
    parent = None
    if parent_id is not None:
        parent = _visible_orgs(actor).filter(pk=parent_id).first()
        if parent is None:
            raise NotFound()
    check_parent(kind, parent, org)
    org.parent = parent
    org.save()
    audit_record(actor, AuditAction.ORGANISATION_CREATE, org, after=snapshot(org))
    return org


def check_pmc(estate: Estate, members: list[tuple[Person, str]]) -> None:
    """物管会: at least one subdistrict cadre, one community cadre and one owner of the estate."""
    community = estate.community
    ids = [p.pk for p, _ in members]
    held = RoleAssignment.objects.current().filter(user__person__in=ids)
    parts = {
        "subdistrict": held.filter(role__in=rules.PMC_SUBDISTRICT_ROLES).filter(
            Q(subdistrict_id=community.subdistrict_id) | Q(district_id=community.subdistrict.district_id)).exists(),
        "community": held.filter(role__in=rules.PMC_COMMUNITY_ROLES, community_id=community.pk).exists(),
        "owners": Ownership.objects.filter(unit__estate=estate, person__in=ids, until__isnull=True).exists(),
    }
    missing = [key for key, present in parts.items() if not present]
    if missing:
        raise InvalidInput(PMC_MISSING.format(missing="、".join(PMC_PARTS[k][0] for k in missing),
                                              missing_en=", ".join(PMC_PARTS[k][1] for k in missing)),
                           field="members")


def _seatable(actor, org: Organisation):
    """Whom an organiser may seat: the people they see, and the cadres registered in the
    organisation's community or its subdistrict (core.scoping would not show them otherwise)."""
    if actor is None:
        return Person.objects.all()
    seen = scope_for(actor).persons()
    if org.community_id is None:
        return seen
    community = Community.objects.select_related("subdistrict").get(pk=org.community_id)
    return Person.objects.filter(Q(pk__in=seen.values("pk")) | Q(pk__in=community_cadres(community).values("pk")))


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
    estate = _organiser_org(actor, org)
    if org.kind not in AUTONOMOUS_KINDS | PARTY_KINDS | UNIT_KINDS | {OrgKind.SUPERVISORY_COMMITTEE}:
        raise InvalidInput(ORG_NOT_A_COMMITTEE)
    if term_end <= term_start:
        raise InvalidInput(COMMITTEE_TERM_ORDER, field="term_end")
    # Only people the organiser may see (or the community's cadres) can be seated: an id from
    # elsewhere answers like a missing one.
    persons = _seatable(actor, org).in_bulk([pid for pid, _ in members])
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
    if org.kind == OrgKind.PARTY_HOUSEHOLD or org.kind in UNIT_KINDS:
        head = MemberRole.MANAGER
    if sum(1 for _, role in roster if role == head) != 1:
        raise InvalidInput(COMMITTEE_ONE_CHAIR, field="members")
    if org.kind == OrgKind.OWNERS_COMMITTEE:
        check_owners_committee(estate, roster, term_start, term_end)
    if org.kind == OrgKind.PROPERTY_MANAGEMENT_COMMITTEE:
        check_pmc(estate, roster)

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
def platform_serve(actor, *, organisation_id: int, estate_ids: list[int]) -> Organisation:
    """Record the estates a platform (五大平台) serves: estates of its own community (or, for one at a
    subdistrict, of its subdistrict) that the organiser sees. Replaces the list."""
    org = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if org is None or not _visible_orgs(actor).filter(pk=org.pk).exists():
        raise NotFound()
    _organiser_org(actor, org)
    if org.kind not in PLATFORM_KINDS:
        raise InvalidInput(NOT_A_PLATFORM, field="organisation_id")
    wanted = set(estate_ids or [])
    if not wanted:
        raise InvalidInput(SERVED_NONE, field="estate_ids")
    if len(wanted) > MAX_SERVED:
        raise InvalidInput(SERVED_ELSEWHERE, field="estate_ids")
    seen = Estate.objects.all() if actor is None else scope_for(actor).estates()
    estates = list(seen.filter(pk__in=wanted).select_related("community"))
    if len(estates) != len(wanted):
        raise NotFound()  # an estate out of sight answers as a missing one
    for estate in estates:
        here = (estate.community_id == org.community_id if org.community_id
                else org.subdistrict_id is not None and estate.community.subdistrict_id == org.subdistrict_id)
        if not here:
            raise InvalidInput(SERVED_ELSEWHERE, field="estate_ids")
    before = {"serves": sorted(org.serves.values_list("pk", flat=True))}
    org.serves.set(estates)
    audit_record(actor, AuditAction.PLATFORM_SERVE, org, before=before,
                 after={"serves": sorted(e.pk for e in estates)})
    return org


def _not_future(day: datetime.date, field: str) -> None:
    today = clock.today()
    if day > today:
        raise InvalidInput(DATE_IN_FUTURE.format(today=today), field=field)


@transaction.atomic
def organisation_term_end(actor, *, organisation_id: int, on: datetime.date) -> Organisation:
    """End the current term on `on` (its last day): every seated member steps down, the roster stays
    as history. Ending a term that has ended answers 409."""
    org = Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if org is None:
        raise NotFound()
    _organiser_org(actor, org)
    seated = org.memberships.filter(active=True)
    if not seated.exists():
        raise WrongState(TERM_ALREADY_ENDED)
    starts = [m.term_start for m in seated if m.term_start]
    start = org.term_start or (min(starts) if starts else None)
    if start is not None and on < start:
        raise InvalidInput(TERM_END_BEFORE_START.format(start=start), field="on")
    _not_future(on, "on")
    before = {"members": list(seated.values_list("person_id", "role")), "term_end": str(org.term_end or "")}
    seated.update(active=False, term_end=on)
    org.term_end = on
    org.save(update_fields=["term_end"])
    audit_record(actor, AuditAction.ORGANISATION_TERM_END, org, before=before, after={"term_end": on.isoformat()})
    return org


@transaction.atomic
def agreement_sign(
    actor, *, party_organisation_id: int, partner_id: int, signed_on: datetime.date,
    expires_on: datetime.date | None = None, content: str = "",
) -> CoConstructionAgreement:
    """党建共建协议: a party organisation and a partner (company, body, department, partner unit)."""
    orgs = _visible_orgs(actor)
    party = orgs.filter(pk=party_organisation_id).first()
    partner = orgs.filter(pk=partner_id).first()
    if party is None or partner is None:
        raise NotFound()
    if party.kind not in PARTY_KINDS:
        raise InvalidInput(AGREEMENT_NEEDS_PARTY, field="party_organisation_id")
    _organiser_org(actor, party)
    if partner.pk == party.pk:
        raise InvalidInput(AGREEMENT_WITH_ITSELF, field="partner_id")
    if expires_on is not None and expires_on < signed_on:
        raise InvalidInput(AGREEMENT_DATES_ORDER, field="expires_on")
    content = clean_text(content, 2000, field="content")
    agreement = CoConstructionAgreement.objects.create(
        party_organisation=party, partner=partner, signed_on=signed_on, expires_on=expires_on, content=content
    )
    audit_record(actor, AuditAction.AGREEMENT_SIGN, agreement, after=snapshot(agreement))
    return agreement


# --- service contracts: one running contract per estate, renewals and replacements as history -------
def _company(actor, company_id: int) -> Organisation:
    company = _visible_orgs(actor).filter(pk=company_id, kind__in=COMPANY_KINDS).first()
    if company is None:
        raise NotFound()
    return company


def _contract_terms(*, start, end, services, fee, fee_note) -> dict:
    if start is not None and end is not None and end < start:
        raise InvalidInput(CONTRACT_DATES_ORDER, field="end")
    cleaned = []
    for value in services or []:
        if value not in ServiceScope.values:
            raise InvalidInput(SERVICE_UNKNOWN.format(value=str(value)[:40]), field="services")
        if value in cleaned:
            raise InvalidInput(SERVICE_TWICE.format(value=ServiceScope(value).label), field="services")
        cleaned.append(str(value))
    fee_fen = None
    if fee not in (None, ""):
        fee_fen = fen(fee, field="fee")
        if fee_fen > FEE_MAX_FEN:
            raise InvalidInput(FEE_TOO_HIGH.format(limit=FEE_MAX_FEN // 100), field="fee")
    return {"start": start, "end": end, "services": cleaned, "fee_fen_per_m2": fee_fen,
            "fee_note": clean_text(fee_note, 200, field="fee_note")}


def _check_no_running(estate: Estate, start, end, *, exclude=None) -> None:
    clash = ServiceContract.objects.filter(estate=estate).filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        clash = clash.filter(Q(start__isnull=True) | Q(start__lte=end))
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    found = clash.select_related("company").first()
    if found is not None:
        raise WrongState(CONTRACT_OVERLAP.format(company=found.company.name, start=found.start or "—"))


def _follow(estate: Estate, company: Organisation, contract: ServiceContract, action, actor, before: dict):
    previous = estate.property_service
    estate.property_service = company.kind
    estate.save(update_fields=["property_service"])
    audit_record(actor, action, contract, before={**before, "property_service": previous},
                 after={**snapshot(contract), "property_service": estate.property_service})
    return contract


@transaction.atomic
def service_contract_create(
    actor, *, estate_id: int, company_id: int, start: datetime.date | None = None, end: datetime.date | None = None,
    services: list[str] | None = None, fee=None, fee_note: str = "",
):
    """A company starts serving an estate; the estate's property-service status follows the contract.
    A dated contract may not overlap a running one (renew or replace that instead)."""
    estate = _organiser_estate(actor, estate_id)
    estate = Estate.objects.select_for_update().get(pk=estate.pk)
    company = _company(actor, company_id)
    terms = _contract_terms(start=start, end=end, services=services, fee=fee, fee_note=fee_note)
    if start is not None:
        _check_no_running(estate, start, end)
    contract = ServiceContract.objects.create(estate=estate, company=company, **terms)
    return _follow(estate, company, contract, AuditAction.SERVICE_CONTRACT_CREATE, actor, {})


def _contract_to_follow(actor, contract_id: int) -> ServiceContract:
    contract = ServiceContract.objects.select_for_update().filter(pk=contract_id).first()
    if contract is None:
        raise NotFound()
    _organiser_estate(actor, contract.estate_id)
    if ServiceContract.objects.filter(predecessor=contract).exists():
        raise WrongState(CONTRACT_FOLLOWED)
    return contract


@transaction.atomic
def service_contract_renew(
    actor, *, contract_id: int, end: datetime.date | None = None, services: list[str] | None = None, fee=None,
    fee_note: str | None = None,
):
    """续签: the same company from the day after the contract ends; terms not given stay as they were."""
    old = _contract_to_follow(actor, contract_id)
    if old.end is None:
        raise WrongState(CONTRACT_NO_END)
    start = old.end + datetime.timedelta(days=1)
    terms = _contract_terms(
        start=start, end=end, services=old.services if services is None else services,
        fee=(f"{old.fee_fen_per_m2 / 100:.2f}" if old.fee_fen_per_m2 else None) if fee is None else fee,
        fee_note=old.fee_note if fee_note is None else fee_note)
    _check_no_running(old.estate, start, end, exclude=old)
    contract = ServiceContract.objects.create(estate=old.estate, company=old.company, origin=ContractOrigin.RENEWAL,
                                              predecessor=old, **terms)
    return _follow(old.estate, old.company, contract, AuditAction.SERVICE_CONTRACT_RENEW, actor,
                   {"predecessor": snapshot(old)})


@transaction.atomic
def service_contract_replace(
    actor, *, contract_id: int, company_id: int, start: datetime.date, end: datetime.date | None = None,
    services: list[str] | None = None, fee=None, fee_note: str = "",
):
    """更换: a new company from `start`; the old contract ends the day before (its history stays)."""
    old = _contract_to_follow(actor, contract_id)
    company = _company(actor, company_id)
    if old.start is not None and start <= old.start:
        raise InvalidInput(CONTRACT_REPLACE_BEFORE.format(start=old.start), field="start")
    terms = _contract_terms(start=start, end=end, services=services, fee=fee, fee_note=fee_note)
    before = snapshot(old)
    last_day = start - datetime.timedelta(days=1)
    if old.end is None or old.end > last_day:
        old.end = last_day
        old.save(update_fields=["end"])
    _check_no_running(old.estate, start, end, exclude=old)
    contract = ServiceContract.objects.create(estate=old.estate, company=company, origin=ContractOrigin.REPLACEMENT,
                                              predecessor=old, **terms)
    return _follow(old.estate, company, contract, AuditAction.SERVICE_CONTRACT_REPLACE, actor,
                   {"predecessor": before})
