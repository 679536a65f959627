"""Reads about organisations: which body an estate has and needs, coverage, 一肩挑, cross-appointments.

The seeds' rule (光华路街道): super-large estates set up a property-management committee (物管会),
medium ones an owners' committee (业委会), micro ones a yard committee (楼院自治委员会).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import (
    AUTONOMOUS_KINDS,
    PARTY_KINDS,
    PLATFORM_KINDS,
    CoConstructionAgreement,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    ServiceContract,
)
from gongzhi.core import clock
from gongzhi.core.figures import Chart, Figure, Listing, Place, Section, Series, rate, records_link
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.models import PartyMember
from gongzhi.places.models import Estate, SizeClass

EXPECTED_BODY = {
    SizeClass.SUPER_LARGE: OrgKind.PROPERTY_MANAGEMENT_COMMITTEE,
    SizeClass.MEDIUM: OrgKind.OWNERS_COMMITTEE,
    SizeClass.MICRO: OrgKind.YARD_COMMITTEE,
}


GROUPS = {"autonomous": AUTONOMOUS_KINDS, "party": PARTY_KINDS, "platform": PLATFORM_KINDS}


def organisation_list(*, fetched_by, kind: str | None = None, estate_id: int | None = None,
                      place: Place | None = None, group: str = "", active_only: bool = False):
    """Organisations the viewer sees; `place`: those at it or below it; `group`: "autonomous" (业委会,
    物管会, 楼院自治委员会) or "party" (every party organisation down to 党员中心户)."""
    qs = scope_for(fetched_by).organisations().select_related("estate", "community")
    if kind:
        qs = qs.filter(kind=kind)
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if place is not None:
        qs = qs.filter(_in_place(place))
    if group in GROUPS:
        qs = qs.filter(kind__in=GROUPS[group])
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("kind", "name")


def _in_place(place: Place) -> Q:
    """An organisation hangs at an estate, a community, a subdistrict or a district: those at the place
    or anywhere below it."""
    pk = place.pk
    if place.level == "estate":
        return Q(estate_id=pk)
    if place.level == "community":
        return Q(community_id=pk) | Q(estate__community_id=pk)
    if place.level == "subdistrict":
        return Q(subdistrict_id=pk) | Q(community__subdistrict_id=pk) | Q(estate__community__subdistrict_id=pk)
    return (Q(district_id=pk) | Q(subdistrict__district_id=pk) | Q(community__subdistrict__district_id=pk)
            | Q(estate__community__subdistrict__district_id=pk))


def ordered_members(organisation: Organisation) -> list[Membership]:
    """Active members, chair first, then as MemberRole lists the positions."""
    rank = {role: i for i, role in enumerate(MemberRole.values)}
    return sorted(organisation.memberships.all(), key=lambda m: (rank.get(m.role, 99), m.pk))


def organisation_get(*, fetched_by, organisation_id: int) -> Organisation:
    qs = scope_for(fetched_by).organisations().prefetch_related(
        Prefetch("memberships", Membership.objects.filter(active=True).select_related("person"))
    )
    return get_in_scope(qs, pk=organisation_id)


def estates_served(*, fetched_by, organisation: Organisation) -> list[int]:
    """The estates a platform serves, of those the viewer sees."""
    return sorted(organisation.serves.filter(pk__in=scope_for(fetched_by).estates().values("pk"))
                  .values_list("pk", flat=True))


def platforms_serving(*, fetched_by, estate_id: int):
    """The platforms (五大平台) serving an estate, of those the viewer sees."""
    return (scope_for(fetched_by).organisations().filter(kind__in=PLATFORM_KINDS, serves__pk=estate_id, active=True)
            .order_by("kind", "name"))


@dataclass
class EstateAutonomy:
    estate: object
    expected_kind: str
    bodies: list

    @property
    def has_body(self) -> bool:
        return bool(self.bodies)

    @property
    def matches(self) -> bool:
        return any(b.kind == self.expected_kind for b in self.bodies)

    @property
    def expected_label(self) -> str:
        return OrgKind(self.expected_kind).label


def estate_autonomy(estates) -> list[EstateAutonomy]:
    """For each estate: the autonomous body its size calls for and the ones it has (two queries)."""
    estates = list(estates)
    bodies = defaultdict(list)
    for org in Organisation.objects.filter(
        estate__in=[e.pk for e in estates], kind__in=AUTONOMOUS_KINDS, active=True
    ):
        bodies[org.estate_id].append(org)
    return [EstateAutonomy(e, EXPECTED_BODY[e.size_class], bodies[e.pk]) for e in estates]


@dataclass
class CoverageRow:
    name: str
    estates: int = 0
    covered: int = 0
    matching: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.covered / self.estates, 1) if self.estates else 0.0


def autonomy_coverage(*, fetched_by, by: str = "community") -> list[CoverageRow]:
    """Coverage of autonomous bodies per community (or per subdistrict) in the viewer's scope: counted by
    the database, one row per place, so a district's thousands of estates are not loaded to be counted."""
    bodies = Organisation.objects.filter(estate=OuterRef("pk"), kind__in=AUTONOMOUS_KINDS, active=True)
    super_large, micro = settings.GONGZHI_SIZE_SUPER_LARGE_MIN_HOUSEHOLDS, settings.GONGZHI_SIZE_MICRO_MAX_HOUSEHOLDS
    expected = {  # the size classes of size_class_for, each with the body it calls for (EXPECTED_BODY)
        SizeClass.SUPER_LARGE: Q(household_count__gte=super_large),
        SizeClass.MICRO: Q(household_count__lt=super_large, household_count__lte=micro),
        SizeClass.MEDIUM: Q(household_count__lt=super_large, household_count__gt=micro),
    }
    matching = Q(pk__in=[])
    for size, q in expected.items():
        matching |= q & Q(Exists(bodies.filter(kind=EXPECTED_BODY[size])))
    place = "community" if by == "community" else "community__subdistrict"
    counted = (scope_for(fetched_by).estates().order_by().values(f"{place}_id", f"{place}__name")
               .annotate(estates=Count("pk"), covered=Count("pk", filter=Q(Exists(bodies))),
                         matching=Count("pk", filter=matching)))
    rows = [CoverageRow(row[f"{place}__name"], row["estates"], row["covered"], row["matching"]) for row in counted]
    return sorted(rows, key=lambda r: r.name)


def _active_members(estate, kinds) -> dict[str, list[Membership]]:
    result = defaultdict(list)
    for m in Membership.objects.filter(
        organisation__estate=estate, organisation__kind__in=kinds, active=True
    ).select_related("person", "organisation"):
        result[m.organisation.kind].append(m)
    return result


@dataclass
class EstateLeadership:
    chair: object | None
    branch_secretary: object | None
    cross_appointed: list
    committee_size: int
    party_members: int

    @property
    def one_shoulder(self) -> bool:
        """一肩挑: the committee chair is also the estate branch secretary."""
        return self.chair is not None and self.branch_secretary is not None and (
            self.chair.pk == self.branch_secretary.pk
        )

    @property
    def party_share(self) -> float:
        return round(100 * self.party_members / self.committee_size, 1) if self.committee_size else 0.0


def estate_leadership(*, fetched_by, estate_id: int) -> EstateLeadership:
    """一肩挑, 双向进入、交叉任职 and the party-member share of the estate's autonomous body."""
    estate = get_in_scope(scope_for(fetched_by).estates(), pk=estate_id)
    members = _active_members(estate, AUTONOMOUS_KINDS | {OrgKind.ESTATE_BRANCH, OrgKind.JOINT_BRANCH})
    committee = [m for kind in AUTONOMOUS_KINDS for m in members.get(kind, [])]
    branch = members.get(OrgKind.ESTATE_BRANCH, []) + members.get(OrgKind.JOINT_BRANCH, [])
    chair = next((m.person for m in committee if m.role == MemberRole.CHAIR), None)
    secretary = next((m.person for m in branch if m.role == MemberRole.SECRETARY), None)
    branch_ids = {m.person_id for m in branch}
    cross = [m.person for m in committee if m.person_id in branch_ids]
    committee_ids = {m.person_id for m in committee}
    party = PartyMember.objects.filter(person_id__in=committee_ids).count()
    return EstateLeadership(chair, secretary, cross, len(committee_ids), party)


def membership_history(*, organisation: Organisation):
    """Members of past terms (the organisation already in scope), latest term first."""
    return (Membership.objects.filter(organisation=organisation, active=False).select_related("person")
            .order_by("-term_start", "-term_end", "role", "pk"))


def community_organisations(*, fetched_by, community_id: int):
    """Every organisation of a community (at the community and at its estates) the viewer sees."""
    return (scope_for(fetched_by).organisations().filter(community_id=community_id)
            .select_related("estate", "parent").order_by("kind", "name", "pk"))


@dataclass
class TreeNode:
    organisation: Organisation
    children: list


def party_tree(organisations) -> list[TreeNode]:
    """The party organisations among `organisations` as a forest: each under its parent when the
    parent is among them too, else at the top."""
    party = [o for o in organisations if o.kind in PARTY_KINDS]
    nodes = {o.pk: TreeNode(o, []) for o in party}
    roots = []
    for o in party:
        (nodes[o.parent_id].children if o.parent_id in nodes else roots).append(nodes[o.pk])
    return roots


def service_contract_list(*, fetched_by, estate_id: int):
    """An estate's contracts, the latest first, each with its company and the contract it follows."""
    estate = get_in_scope(scope_for(fetched_by).estates(), pk=estate_id)
    return (ServiceContract.objects.filter(estate=estate).select_related("company", "predecessor")
            .order_by("-start", "-pk"))


def contract_running(contract: ServiceContract, day=None) -> bool:
    day = day or clock.today()
    return (contract.start is None or contract.start <= day) and (contract.end is None or contract.end >= day)


def agreement_list(*, fetched_by, community_id: int):
    """Co-construction agreements signed by the party organisations of a community the viewer sees."""
    party = scope_for(fetched_by).organisations().filter(community_id=community_id)
    return (CoConstructionAgreement.objects.filter(party_organisation__in=party)
            .select_related("party_organisation", "partner").order_by("-signed_on", "-pk"))


# --- the dashboard's section -------------------------------------------------------------------------
def _leaders_by_estate(estate_ids) -> tuple[int, list[int], int, int]:
    """Over these estates: how many are led 一肩挑 (the committee chair is the branch secretary), which,
    and the autonomous bodies' members and how many of them are party members."""
    chairs, secretaries, members = {}, {}, set()
    for estate_id, kind, role, person_id in Membership.objects.filter(
            organisation__estate_id__in=estate_ids, active=True, organisation__active=True,
            organisation__kind__in=AUTONOMOUS_KINDS | {OrgKind.ESTATE_BRANCH, OrgKind.JOINT_BRANCH}).values_list(
            "organisation__estate_id", "organisation__kind", "role", "person_id"):
        if kind in AUTONOMOUS_KINDS:
            members.add(person_id)
            if role == MemberRole.CHAIR:
                chairs.setdefault(estate_id, set()).add(person_id)
        elif role == MemberRole.SECRETARY:
            secretaries.setdefault(estate_id, set()).add(person_id)
    one_shoulder = sorted(e for e in chairs if chairs[e] & secretaries.get(e, set()))
    party = PartyMember.objects.filter(person_id__in=members).count()
    return len(one_shoulder), one_shoulder, len(members), party


def dashboard_section(*, fetched_by, place: Place, period: clock.Period) -> Section:
    """Autonomous bodies and party organisations as they stand now (a register, not a flow: there is no
    "last year" beside them), the estates still without an autonomous body, 一肩挑 and the party share."""
    estates = list(Estate.objects.filter(**place.lookup("")).order_by("name").only("pk", "name", "household_count"))
    autonomy = estate_autonomy(estates)
    active = Organisation.objects.filter(_in_place(place), active=True)
    by_kind = dict(active.values_list("kind").annotate(n=Count("pk")))
    listed = reverse("bodies:organisation_list")

    def link(**filters):
        return records_link(listed, place, active=1, **filters)

    without = [a.estate for a in autonomy if not a.has_body]
    one_shoulder, shoulder_ids, members, party = _leaders_by_estate([e.pk for e in estates])
    names = {e.pk: e.name for e in estates}
    autonomous = [k for k in OrgKind.values if k in AUTONOMOUS_KINDS]
    party_kinds = [k for k in OrgKind.values if k in PARTY_KINDS]
    figures = [
        Figure("autonomous", _("自治组织"), sum(by_kind.get(k, 0) for k in autonomous), link=link(group="autonomous")),
        *[Figure(k, OrgKind(k).label, by_kind.get(k, 0), link=link(kind=k)) for k in autonomous],
        Figure("coverage", _("自治组织覆盖率"), rate(len(estates) - len(without), len(estates)), unit="%"),
        Figure("without", _("尚无自治组织的小区"), len(without)),
        Figure("party", _("党组织"), sum(by_kind.get(k, 0) for k in party_kinds), link=link(group="party")),
        Figure(OrgKind.JOINT_BRANCH, OrgKind.JOINT_BRANCH.label, by_kind.get(OrgKind.JOINT_BRANCH, 0),
               link=link(kind=OrgKind.JOINT_BRANCH)),
        Figure("one_shoulder", _("一肩挑的小区"), one_shoulder),
        Figure("party_share", _("自治组织成员中党员占比"), rate(party, members), unit="%"),
    ]
    estate_page = "bodies:estate_bodies"
    return Section("bodies", str(_("组织覆盖（现状）")), figures, charts=[
        Chart("autonomous_by_kind", str(_("自治组织按类别")), "bar", [str(OrgKind(k).label) for k in autonomous],
              [Series(str(_("现有")), [by_kind.get(k, 0) for k in autonomous])]),
        Chart("party_by_kind", str(_("党组织按类别")), "bar", [str(OrgKind(k).label) for k in party_kinds],
              [Series(str(_("现有")), [by_kind.get(k, 0) for k in party_kinds])]),
    ], listings=[
        Listing("without", str(_("尚无自治组织的小区")), [(e.name, reverse(estate_page, args=[e.pk])) for e in without]),
        Listing("one_shoulder", str(_("一肩挑的小区")), [(names[pk], reverse(estate_page, args=[pk])) for pk in shoulder_ids]),
    ])
