"""Reads about organisations: which body an estate has and needs, coverage, 一肩挑, cross-appointments.

The seeds' rule (光华路街道): super-large estates set up a property-management committee (物管会),
medium ones an owners' committee (业委会), micro ones a yard committee (楼院自治委员会).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch

from gongzhi.bodies.models import (
    AUTONOMOUS_KINDS,
    PARTY_KINDS,
    CoConstructionAgreement,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    ServiceContract,
)
from gongzhi.core import clock
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.models import PartyMember
from gongzhi.places.models import SizeClass

EXPECTED_BODY = {
    SizeClass.SUPER_LARGE: OrgKind.PROPERTY_MANAGEMENT_COMMITTEE,
    SizeClass.MEDIUM: OrgKind.OWNERS_COMMITTEE,
    SizeClass.MICRO: OrgKind.YARD_COMMITTEE,
}


def organisation_list(*, fetched_by, kind: str | None = None, estate_id: int | None = None):
    qs = scope_for(fetched_by).organisations().select_related("estate", "community")
    if kind:
        qs = qs.filter(kind=kind)
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("kind", "name")


def ordered_members(organisation: Organisation) -> list[Membership]:
    """Active members, chair first, then as MemberRole lists the positions."""
    rank = {role: i for i, role in enumerate(MemberRole.values)}
    return sorted(organisation.memberships.all(), key=lambda m: (rank.get(m.role, 99), m.pk))


def organisation_get(*, fetched_by, organisation_id: int) -> Organisation:
    qs = scope_for(fetched_by).organisations().prefetch_related(
        Prefetch("memberships", Membership.objects.filter(active=True).select_related("person"))
    )
    return get_in_scope(qs, pk=organisation_id)


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
    """Coverage of autonomous bodies per community (or per subdistrict) in the viewer's scope."""
    estates = scope_for(fetched_by).estates().select_related("community__subdistrict")
    rows: dict[int, CoverageRow] = {}
    for item in estate_autonomy(estates):
        place = item.estate.community if by == "community" else item.estate.community.subdistrict
        row = rows.setdefault(place.pk, CoverageRow(place.name))
        row.estates += 1
        row.covered += item.has_body
        row.matching += item.matches
    return sorted(rows.values(), key=lambda r: r.name)


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
