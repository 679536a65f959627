"""Reads of party work that reach a user: a member's points and where they came from, a community's
ranking and rules, the dashboard's section. Each read checks party.rules first: who is a member is seen
only by the member, their organisation's officers and the community's staff."""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.choices import PARTY_KINDS, OrgKind
from gongzhi.bodies.models import Membership, Organisation
from gongzhi.core import clock
from gongzhi.core.access import estate_for
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.figures import Chart, Figure, Place, Section, Series, rate
from gongzhi.core.masking import mask_phone
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.tallies import sums
from gongzhi.party import rules
from gongzhi.party.choices import (
    AUTOMATIC_KINDS,
    DEFAULT_RULES,
    BoardContact,
    ClaimStatus,
    PointsKind,
    RegistrationStatus,
    ServiceOrderStatus,
    UnitRegistrationStatus,
)
from gongzhi.party.models import (
    BoardListing,
    BoardPublication,
    CadreAssignment,
    CentralHousehold,
    CoveredHousehold,
    FieldVisit,
    GroupBuilding,
    OrgRelation,
    PointsEntry,
    PointsRule,
    Post,
    PostClaim,
    Registration,
    ServiceOrder,
    ServiceProject,
    UnitRegistration,
)
from gongzhi.party.rollups import POINTS
from gongzhi.people.models import Ownership, PartyMember, Residency, RoleAssignment
from gongzhi.places.models import Building, Community, Estate, Unit
from gongzhi.requests.choices import OPEN_STATUSES
from gongzhi.requests.models import Request

# Where an entry's source can be opened: its type → the page's URL name.
SOURCE_PAGES = {"requests.order": "requests:order_detail"}
# Sources whose page is the member's own (a visit: the 中心户 page).
SOURCE_OWN_PAGES = {"party.householdvisit": "party:my_household", "party.postduty": "party:my_posts",
                    "party.serviceorder": "party:my_services"}


@dataclass(frozen=True)
class Rule:
    kind: str
    label: str
    points: int
    monthly_cap: int | None
    default: bool  # the product's default: the community has not set its own

    def describe(self) -> str:
        cap = f"，每月上限 {self.monthly_cap} 分" if self.monthly_cap is not None else ""
        return f"{self.label} {self.points} 分/次{cap}"


def rule_for(community_id: int, kind: str) -> Rule:
    row = PointsRule.objects.filter(community_id=community_id, kind=kind).first()
    if row is not None:
        return Rule(kind, str(PointsKind(kind).label), row.points, row.monthly_cap, False)
    points, cap = DEFAULT_RULES[kind]
    return Rule(kind, str(PointsKind(kind).label), points, cap, True)


def rules_of(community_id: int) -> list[Rule]:
    return [rule_for(community_id, kind) for kind in AUTOMATIC_KINDS]


def member_of(user) -> PartyMember | None:
    """The logged-in user's own party membership, if any."""
    if user is None or not user.is_authenticated:
        return None
    return PartyMember.objects.select_related("person", "registered_community").filter(person__user=user).first()


def member_get(*, fetched_by, person_id) -> PartyMember:
    """A person's membership, if the viewer may see it: the same NotFound for a person who is no member,
    is out of sight or does not exist (nobody learns who is a member by trying ids)."""
    try:
        member = PartyMember.objects.select_related("person", "registered_community").get(person_id=int(person_id))
    except (PartyMember.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if not rules.may_see_member(fetched_by, member):
        raise NotFound()
    return member


def balance(member: PartyMember) -> int:
    return member.points_entries.aggregate(total=Coalesce(Sum("points"), 0))["total"]


def earned(member: PartyMember, kind: str, start, end) -> int:
    """Points of one kind the member earned between two days (inclusive): what a monthly cap counts."""
    return member.points_entries.filter(kind=kind, on__range=(start, end)).aggregate(
        total=Coalesce(Sum("points"), 0))["total"]


def source_link(entry: PointsEntry) -> str:
    if entry.source_type in SOURCE_OWN_PAGES:
        return reverse(SOURCE_OWN_PAGES[entry.source_type])
    name = SOURCE_PAGES.get(entry.source_type)
    if not name or entry.source_id is None:
        return ""
    try:
        return reverse(name, args=[entry.source_id])
    except NoReverseMatch:
        return ""


def history(member: PartyMember, limit: int = 200) -> list[PointsEntry]:
    """The member's entries, newest first, each with `link` to its source where it has a page."""
    entries = list(member.points_entries.select_related("estate")[:limit])
    for entry in entries:
        entry.link = source_link(entry)
    return entries


def community_for_readers(*, fetched_by, community_id) -> Community:
    """The community, if the viewer reads its members: 404 out of sight, 403 in sight without the role."""
    scope = scope_for(fetched_by)
    visible = Community.objects.filter(
        Q(pk__in=scope.communities().values("pk")) | Q(pk__in=scope.estates().values("community_id")))
    community = get_in_scope(visible.select_related("subdistrict"), pk=community_id)
    if not rules.may_read_members(fetched_by, community.pk):
        raise PermissionDenied(rules.NOT_READER)
    return community


@dataclass(frozen=True)
class Ranked:
    rank: int
    member: PartyMember
    points: int


def ranking(*, community: Community, year: int) -> list[Ranked]:
    """The community's registered members by the points they earned in the year, most first (equal
    points share a rank)."""
    members = (PartyMember.objects.filter(registered_community=community).select_related("person")
               .annotate(total=Coalesce(Sum("points_entries__points", filter=Q(points_entries__on__year=year)), 0))
               .order_by("-total", "person__name", "pk"))
    ranked, last, rank = [], None, 0
    for i, member in enumerate(members, 1):
        if member.total != last:
            rank, last = i, member.total
        ranked.append(Ranked(rank, member, member.total))
    return ranked


# --- the dashboard ----------------------------------------------------------------------------------------
def _members_in(place: Place) -> Q:
    """Members registered at the place: at its community (or below a subdistrict or district); at an
    estate, those who own or live in it."""
    if place.level == "estate":  # the estate's current owners and residents, each through its unit index
        owners = Ownership.objects.filter(unit__estate_id=place.pk, until__isnull=True).values_list("person_id")
        residents = Residency.objects.filter(unit__estate_id=place.pk, until__isnull=True).values_list("person_id")
        return Q(person_id__in=owners.order_by().union(residents.order_by(), all=True))
    return Q(**{{"community": "registered_community_id", "subdistrict": "registered_community__subdistrict_id",
                 "district": "registered_community__subdistrict__district_id"}[place.level]: place.pk})


def _entries_in(place: Place) -> Q:
    if place.level == "estate":
        return Q(estate_id=place.pk)
    return Q(**{{"community": "community_id", "subdistrict": "community__subdistrict_id",
                 "district": "community__subdistrict__district_id"}[place.level]: place.pk})


def _points(place: Place, period: clock.Period) -> tuple[dict[str, int], int]:
    """(points earned by kind, from the figures rows (party.rollups); members who earned some) at the
    place in the period."""
    by_kind = sums(POINTS.name, place.level, place.pk, period.start, period.end).by_key("points")
    earners = (PointsEntry.objects.filter(_entries_in(place), on__range=(period.start, period.end), points__gt=0)
               .values("member").distinct().count())
    return by_kind, earners


def dashboard_section(*, fetched_by, place: Place, period: clock.Period) -> Section:
    """Registered members (now, and newly this period), points earned this period beside the same
    period last year, the points by kind, and the chain's coverage. Counts only: no member is named, and
    no figure links to a list of members (who is a member is not the dashboard's to show)."""
    members = PartyMember.objects.filter(_members_in(place))
    earlier = period.a_year_earlier()
    by_kind, earners = _points(place, period)
    by_kind_before, earners_before = _points(place, earlier)
    points, points_before = sum(by_kind.values()), sum(by_kind_before.values())
    kinds = [k for k in PointsKind.values if k in by_kind]
    figures = [
        Figure("registered", _("已报到党员"), members.exclude(registered_community=None).count()),
        Figure("registered_now", _("本期新报到"),
               members.filter(registered_on__range=(period.start, period.end)).count(),
               members.filter(registered_on__range=(earlier.start, earlier.end)).count()),
        Figure("pending", _("待确认报到"), Registration.objects.filter(
            _entries_in(place), status=RegistrationStatus.PENDING).count()),
        Figure("points", _("本期积分"), points, points_before),
        Figure("earners", _("本期获得积分的党员"), earners, earners_before),
    ]
    chain = coverage(Q(**place.lookup("estate")))
    figures += [
        Figure("group_coverage", _("有楼栋党小组的楼栋占比"), chain.group_rate, unit="%"),
        Figure("household_coverage", _("党员中心户联系的住户占比"), chain.household_rate, unit="%"),
    ]
    return Section("party", str(_("党员双报到与双积分")), figures, charts=[
        Chart("points_by_kind", str(_("积分来源")), "bar", [str(PointsKind(k).label) for k in kinds],
              [Series(str(_("积分")), [by_kind[k] for k in kinds])]),
    ])


# --- 双报到 -------------------------------------------------------------------------------------------------------
def registrations_of(member: PartyMember) -> list:
    return list(member.registrations.select_related("estate", "community", "work_organisation"))


def registration_list(*, community: Community, status: str = ""):
    """A community's registrations (the community already checked with community_for_readers)."""
    qs = Registration.objects.filter(community=community).select_related(
        "member__person", "estate", "work_organisation")
    if status in RegistrationStatus.values:
        qs = qs.filter(status=status)
    return qs


def registration_estates(user):
    """The estates a member may register at: where they own or live."""
    scope = scope_for(user)
    return Estate.objects.filter(pk__in=scope.units().values("estate_id")).order_by("name")


def pending_by_community(community_ids) -> dict[int, int]:
    return dict(Registration.objects.filter(community_id__in=community_ids, status=RegistrationStatus.PENDING)
                .values_list("community_id").annotate(n=Count("pk")))


# --- the yearly statement to each work unit ------------------------------------------------------------------------
@dataclass(frozen=True)
class StatementLine:
    member: PartyMember
    points: int
    by_kind: list[tuple[str, int]]  # (kind's label, points)


def work_units(*, community: Community, year: int) -> list[tuple[str, int]]:
    """The work units of the community's registered in-service members, with how many each has."""
    return list(PartyMember.objects.filter(registered_community=community, status="in_service")
                .exclude(work_unit="").values_list("work_unit").annotate(n=Count("pk")).order_by("work_unit"))


def unit_statement(*, community: Community, year: int, unit: str) -> list[StatementLine]:
    """Each member of one work unit registered at the community, with the year's points by kind. NotFound
    when the unit has nobody here (an unknown name tells nothing)."""
    members = list(PartyMember.objects.filter(registered_community=community, status="in_service", work_unit=unit)
                   .select_related("person").order_by("person__name", "pk"))
    if not unit or not members:
        raise NotFound()
    sums = {}
    for member_id, kind, points in (PointsEntry.objects.filter(member__in=members, on__year=year)
                                    .values_list("member_id", "kind").annotate(n=Sum("points"))):
        sums.setdefault(member_id, []).append((str(PointsKind(kind).label), points))
    return [StatementLine(m, sum(p for _k, p in sums.get(m.pk, [])), sums.get(m.pk, [])) for m in members]


# --- the chain to the household -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Coverage:
    buildings: int
    with_group: int
    households: int
    covered: int  # looked after by a 中心户, or one itself

    @property
    def group_rate(self):
        return rate(self.with_group, self.buildings)

    @property
    def household_rate(self):
        return rate(self.covered, self.households)


def coverage(estates_q: Q) -> Coverage:
    """Buildings with a 楼栋党小组 and households covered by a 中心户 in the estates `estates_q` selects
    (a lookup on `estate`)."""
    return Coverage(
        buildings=Building.objects.filter(estates_q).count(),
        with_group=GroupBuilding.objects.filter(estates_q).count(),
        households=Unit.objects.filter(estates_q).count(),
        covered=CoveredHousehold.objects.filter(estates_q).count() + CentralHousehold.objects.filter(estates_q).count(),
    )


def chain_estate(*, fetched_by, estate_id) -> Estate:
    return estate_for(fetched_by, estate_id, roles=rules.PARTY_READER_ROLES, denied=rules.NOT_READER)


def estate_chain(estate: Estate) -> dict:
    """An estate's party chain: its party organisations' building groups with their buildings, and its
    中心户 with the households they look after and their visits."""
    groups = list(GroupBuilding.objects.filter(estate=estate).select_related("organisation", "building")
                  .order_by("building__code"))
    centrals = list(CentralHousehold.objects.filter(estate=estate).select_related("member__person", "unit")
                    .prefetch_related("covered__unit").annotate(visit_count=Count("visits")).order_by("unit__code"))
    return {"coverage": coverage(Q(estate=estate)), "groups": groups, "centrals": centrals}


def centrals_of(member: PartyMember) -> list[CentralHousehold]:
    return list(member.central_households.select_related("estate", "unit").prefetch_related("covered__unit",
                                                                                             "visits__unit"))


def resident_members(estate: Estate):
    """The party members who own or live in the estate (for designating a 中心户)."""
    return PartyMember.objects.filter(
        Q(person__ownerships__unit__estate=estate, person__ownerships__until__isnull=True)
        | Q(person__residencies__unit__estate=estate, person__residencies__until__isnull=True)
    ).select_related("person").distinct().order_by("person__name")


# --- 亮身份 boards ------------------------------------------------------------------------------------------------
@dataclass
class BoardLine:
    """One member on a public board: only what they chose to show."""

    listing_id: int
    name: str
    building: str
    posts: list[str]
    contact: str
    photo: str  # the stored photo's name, for board_photo; empty without one


def board_listing_of(member: PartyMember) -> BoardListing | None:
    return BoardListing.objects.filter(member=member).first()


def board_place(*, estate_id, building_id=None) -> tuple[Estate, Building | None]:
    """The estate (and building) of a public board: any estate, like the notices board; NotFound else."""
    estate = Estate.objects.select_related("community").filter(pk=estate_id).first()
    if estate is None:
        raise NotFound()
    building = None
    if building_id is not None:
        building = Building.objects.filter(pk=building_id, estate=estate).first()
        if building is None:
            raise NotFound()
    return estate, building


def _contact(listing: BoardListing) -> str:
    phone = listing.member.person.phone
    return {BoardContact.OFFICE: listing.office_phone, BoardContact.MASKED: mask_phone(phone),
            BoardContact.MOBILE: phone}.get(listing.contact, "")


def _posts(members: list[PartyMember]) -> dict[int, list[str]]:
    """Each member's posts as the board names them: 楼栋长 (the role), 党组织书记 or 党小组长, 党员中心户."""
    posts: dict[int, list[str]] = {m.person_id: [] for m in members}
    by_user = {m.person.user_id: m.person_id for m in members if m.person.user_id}
    heads = RoleAssignment.objects.current().filter(user_id__in=by_user, role=Role.BUILDING_HEAD) \
        .values_list("user_id", flat=True).distinct()
    for user_id in heads:
        posts[by_user[user_id]].append(str(Role.BUILDING_HEAD.label))
    officers = Membership.objects.filter(person_id__in=posts, active=True, organisation__active=True,
                                         role__in=rules.OFFICER_POSITIONS, organisation__kind__in=PARTY_KINDS) \
        .select_related("organisation").order_by("organisation__kind")
    for m in officers:
        title = _("党小组长") if m.organisation.kind == OrgKind.BUILDING_GROUP else m.get_role_display()
        posts[m.person_id].append(f"{m.organisation.name}{title}" if m.organisation.kind != OrgKind.BUILDING_GROUP
                                  else str(title))
    for person_id in CentralHousehold.objects.filter(member__person_id__in=posts).values_list("member__person_id",
                                                                                              flat=True):
        posts[person_id].append(str(_("党员中心户")))
    return posts


def board(estate: Estate, building: Building | None = None) -> list[BoardLine]:
    """The members who chose to appear and live or own a flat in the estate (or building), each with
    only what they chose to show. Public: no login."""
    homes = Unit.objects.filter(estate=estate) if building is None else Unit.objects.filter(building=building)
    home_q = (Q(member__person__ownerships__unit__in=homes, member__person__ownerships__until__isnull=True)
              | Q(member__person__residencies__unit__in=homes, member__person__residencies__until__isnull=True))
    listings = list(BoardListing.objects.filter(home_q, on_board=True).select_related("member__person").distinct()
                    .order_by("member__person__name", "pk"))
    posts = _posts([li.member for li in listings])
    buildings = _home_buildings([li.member.person_id for li in listings], homes)
    return [BoardLine(listing_id=li.pk, name=li.member.person.name, building=buildings.get(li.member.person_id, ""),
                      posts=posts[li.member.person_id], contact=_contact(li),
                      photo=li.photo.name.rsplit("/", 1)[-1] if li.photo else "")
            for li in listings]


def _home_buildings(person_ids, homes) -> dict[int, str]:
    found: dict[int, str] = {}
    for held in ("ownerships", "residencies"):
        for person_id, code in Unit.objects.filter(**{f"{held}__person_id__in": person_ids,
                                                      f"{held}__until__isnull": True}, pk__in=homes) \
                .values_list(f"{held}__person_id", "building__code").order_by("building__code"):
            found.setdefault(person_id, code)
    return found


def board_photo(name: str) -> BoardListing:
    """A member's photo by its stored (content-hashed, unguessable) name, public only while they are on
    the board."""
    listing = BoardListing.objects.filter(photo=f"party/photos/{name}", on_board=True).first() \
        if re.fullmatch(r"[0-9a-f]{16}(_[A-Za-z0-9]{7})?\.(jpg|png|webp)", name or "") else None
    if listing is None:
        raise NotFound()
    return listing


def board_publications(estate: Estate, building: Building | None = None):
    return BoardPublication.objects.filter(estate=estate, building=building).select_related("notice")


def board_publication_of(notice) -> BoardPublication:
    """The board a visible notice published (NotFound for any other notice or none)."""
    publication = BoardPublication.objects.select_related("estate", "building", "notice__community") \
        .filter(notice=notice).first() if notice is not None else None
    if publication is None:
        raise NotFound()
    return publication


# --- 设岗定责 -----------------------------------------------------------------------------------------------------
OPEN_CLAIM = [ClaimStatus.PENDING, ClaimStatus.CONFIRMED]


def estate_posts(estate: Estate) -> list[Post]:
    """An estate's posts, each with `.open_claim` (pending or confirmed, with its member) and
    `.duty_count` (duties recorded under the confirmed claim)."""
    posts = list(Post.objects.filter(estate=estate).select_related("building"))
    claims = {c.post_id: c for c in PostClaim.objects.filter(post__in=posts, status__in=OPEN_CLAIM)
              .select_related("member__person").annotate(duty_count=Count("duties"))}
    for post in posts:
        post.open_claim = claims.get(post.pk)
    return posts


def member_posts(member: PartyMember) -> dict:
    """What a member sees of posts: the free posts of the estates where they live, and their claims."""
    estates = Estate.objects.filter(pk__in=Unit.objects.filter(
        Q(ownerships__person_id=member.person_id, ownerships__until__isnull=True)
        | Q(residencies__person_id=member.person_id, residencies__until__isnull=True)).values("estate_id"))
    free = Post.objects.filter(estate__in=estates).exclude(claims__status__in=OPEN_CLAIM) \
        .select_related("estate", "building").order_by("estate__name", "building__code", "title")
    claims = PostClaim.objects.filter(member=member).select_related("post__building", "estate") \
        .prefetch_related("duties")
    return {"free": list(free), "claims": list(claims)}


def duty_points(duty) -> PointsEntry | None:
    return PointsEntry.objects.filter(kind=PointsKind.POST_DUTY, source_type="party.postduty",
                                      source_id=duty.pk).first()


# --- 包保 cadres ---------------------------------------------------------------------------------------------------
def cadre_current(cadre) -> list[CadreAssignment]:
    """The cadre's assignments running today (begun, not ended)."""
    today = clock.today()
    return list(CadreAssignment.objects.filter(Q(end__isnull=True) | Q(end__gte=today), cadre=cadre,
                                               start__lte=today)
                .select_related("estate__community__subdistrict"))


def cadre_get(*, fetched_by, user_id):
    """A cadre, if the viewer may see them and answers for something in sight: NotFound otherwise."""
    cadre = get_user_model().objects.filter(pk=user_id).first()
    if cadre is None or not rules.may_see_cadre(fetched_by, cadre) or not _cadre_assignments(fetched_by, cadre):
        raise NotFound()
    return cadre


def _cadre_assignments(viewer, cadre):
    rows = CadreAssignment.objects.filter(cadre=cadre)
    if viewer is not None and viewer.pk != cadre.pk:
        rows = rows.filter(estate__in=scope_for(viewer).estates())
    return rows.select_related("estate").order_by("start", "pk")


@dataclass
class CadreEstate:
    assignment: CadreAssignment
    current: bool
    open_requests: list  # (request, age in days), oldest first
    team: list
    visits_this_month: list


def cadre_page(*, fetched_by, cadre) -> dict:
    """Each estate the cadre answers for (in the viewer's sight) with its open requests and their age,
    the team, and what the cadre did this month (visits, findings raised as requests)."""
    today = clock.today()
    month = clock.period("month", containing=today)
    estates = []
    for a in _cadre_assignments(fetched_by, cadre).prefetch_related("team__person"):
        open_rows = Request.objects.filter(estate=a.estate, status__in=OPEN_STATUSES).order_by("created_at")[:50]
        visits = list(a.visits.filter(on__gte=month.start, on__lte=month.end))
        estates.append(CadreEstate(
            assignment=a, current=a.start <= today and (a.end is None or a.end >= today),
            open_requests=[(r, (today - clock.local_date(r.created_at)).days) for r in open_rows],
            team=list(a.team.all()), visits_this_month=visits))
    done = [v for e in estates for v in e.visits_this_month]
    return {"cadre": cadre, "estates": estates, "visits_this_month": len(done),
            "raised_this_month": sum(1 for v in done if v.request_id)}


def field_visit(visit_id) -> FieldVisit:
    return FieldVisit.objects.get(pk=visit_id)


# --- 组织关系 -------------------------------------------------------------------------------------------------------
def relations_organisation(*, fetched_by, organisation_id) -> Organisation:
    """A party organisation whose roll the viewer reads: NotFound for any other organisation or one out of
    sight, PermissionDenied in sight without the role."""
    found = Organisation.objects.select_related("estate__community", "community").filter(
        pk=organisation_id, kind__in=PARTY_KINDS).first() if isinstance(organisation_id, int) else None
    if found is None:
        raise NotFound()
    if fetched_by is not None and not (scope_for(fetched_by).organisations().filter(pk=found.pk).exists()
                                       or rules.is_officer_of_organisation(fetched_by, found)):
        raise NotFound()
    if not rules.may_read_relations(fetched_by, found):
        raise PermissionDenied(rules.NOT_RELATION_READER)
    return found


def members_on(organisation: Organisation, day) -> list[OrgRelation]:
    """Who belonged to the organisation on the day: transferred in by then and not yet out (a transfer
    out on a day belongs that day to the organisation it went to)."""
    return list(OrgRelation.objects.filter(Q(end__isnull=True) | Q(end__gt=day), organisation=organisation,
                                           start__lte=day).select_related("member__person")
                .order_by("member__person__name", "pk"))


def relation_history(organisation: Organisation, limit: int = 300) -> list[OrgRelation]:
    return list(OrgRelation.objects.filter(organisation=organisation).select_related("member__person")
                .order_by("-start", "-pk")[:limit])


def transferable_members(organisation: Organisation):
    """Members who may be transferred in here: no membership open anywhere, and registered at the
    organisation's community or living in one of its estates."""
    community_id = rules.organisation_community_id(organisation)
    estates = Estate.objects.filter(community_id=community_id)
    return (PartyMember.objects.filter(
        Q(registered_community_id=community_id)
        | Q(person__ownerships__unit__estate__in=estates, person__ownerships__until__isnull=True)
        | Q(person__residencies__unit__estate__in=estates, person__residencies__until__isnull=True))
        .exclude(pk__in=OrgRelation.objects.filter(end__isnull=True).values("member_id"))
        .select_related("person").distinct().order_by("person__name"))


def transfer_destinations(actor, organisation: Organisation):
    """The party organisations on record the actor may transfer a member to (keeping both rolls)."""
    found = scope_for(actor).organisations().filter(kind__in=PARTY_KINDS, active=True).exclude(pk=organisation.pk)
    return [o for o in found.select_related("estate").order_by("name")[:200] if rules.may_keep_relations(actor, o)]


def organisation_coverage(organisation: Organisation) -> Coverage:
    """The chain's coverage under an organisation: its estate's, or its community's estates'."""
    if organisation.estate_id:
        return coverage(Q(estate_id=organisation.estate_id))
    return coverage(Q(estate__community_id=rules.organisation_community_id(organisation)))


# --- 双报到单位 ---------------------------------------------------------------------------------------------------
def unit_community(*, fetched_by, community_id) -> Community:
    """The community whose registered units the viewer sees: any community in their sight."""
    scope = scope_for(fetched_by)
    visible = Community.objects.filter(
        Q(pk__in=scope.communities().values("pk")) | Q(pk__in=scope.estates().values("community_id")))
    return get_in_scope(visible.select_related("subdistrict"), pk=community_id)


def unit_registrations(*, community: Community, everything: bool):
    """The units registered at the community: the confirmed ones (listed publicly on its page), and
    with `everything` (the community's keepers) the pending and declined with their contact."""
    rows = UnitRegistration.objects.filter(community=community).select_related("partner")
    if not everything:
        rows = rows.filter(status=UnitRegistrationStatus.CONFIRMED)
    return rows.order_by("status", "-submitted_at", "-pk")


def partner_units_of(user):
    """The partner units the user sits in (for which they may register)."""
    if user is None or not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=OrgKind.PARTNER_UNIT, active=True, memberships__person__user=user,
                                       memberships__active=True).distinct().order_by("name")


# --- 申报服务项目 ---------------------------------------------------------------------------------------------------
def services_estate(*, fetched_by, estate_id) -> Estate:
    """An estate whose members' services the viewer may order: an estate in their sight."""
    return get_in_scope(scope_for(fetched_by).estates().select_related("community"), pk=estate_id)


def estate_projects(estate: Estate) -> list[ServiceProject]:
    """The services the estate's members offer now (each member chose to offer it under their name)."""
    return list(ServiceProject.objects.filter(estate=estate, active=True).select_related("member__person")
                .order_by("title", "pk"))


def orders_by(user, estate: Estate) -> list[ServiceOrder]:
    return list(ServiceOrder.objects.filter(requester=user, estate=estate).select_related("project__member__person")
                .order_by("-ordered_at", "-pk")[:50])


def member_services(member: PartyMember) -> dict:
    """A member's declared services and the orders of them, open first."""
    projects = list(member.service_projects.select_related("estate").order_by("-active", "title", "pk"))
    orders = list(ServiceOrder.objects.filter(project__member=member).select_related("project", "estate")
                  .order_by("status", "-ordered_at", "-pk")[:200])
    open_statuses = {ServiceOrderStatus.ORDERED, ServiceOrderStatus.ACCEPTED}
    return {"projects": projects, "open_orders": [o for o in orders if o.status in open_statuses],
            "closed_orders": [o for o in orders if o.status not in open_statuses]}


def service_orders_waiting(member: PartyMember) -> int:
    """Orders of the member's services waiting for them to accept or decline."""
    return ServiceOrder.objects.filter(project__member=member, status=ServiceOrderStatus.ORDERED).count()


def service_order_points(order: ServiceOrder) -> PointsEntry | None:
    return PointsEntry.objects.filter(kind=PointsKind.ORDER, source_type="party.serviceorder",
                                      source_id=order.pk).first()
