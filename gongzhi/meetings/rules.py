"""Who may do what in joint deliberation: the one place each rule is written.

The meeting types are rules too: who convenes each kind, who must be there, what makes a quorum
and how a decision passes (the quorum arithmetic is in meetings.quorum):
- "parties": every required party has at least one person signed in; a decision passes with
  more than half of those present in favour.
- "committee": more than half of the committee's members present; a decision needs more than
  half of ALL members in favour (the owners' committee rules).
- "party_members": at least 2/3 of the branch's members present; a decision needs at least half
  of those who should attend in favour (四议两公开: 党员大会审议).

Above the estate (a community's, subdistrict's or district's meeting or matter): a role counts only where
it covers the whole place — the community's secretary and staff run the community's 每月调度会 and
专项推进会, the subdistrict's officers the subdistrict's (and its communities'). Those covering the place
see it; so do those invited, the members of the 成员单位 and platforms it requires (each department's
officer signs in for it, nobody for them), and for a matter those serving an estate it concerns. An
estate's chair sees the community's meeting only when invited, and runs none of it.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from gongzhi.bodies.models import (
    AUTONOMOUS_KINDS,
    COMPANY_KINDS,
    PLATFORM_KINDS,
    UNIT_KINDS,
    Membership,
    Organisation,
    OrgKind,
    ServiceContract,
)
from gongzhi.core import clock
from gongzhi.core.access import may
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.meetings.choices import Party, Repeat
from gongzhi.meetings.models import Meeting, MeetingTypeConfig, chain
from gongzhi.people.models import Person, RoleAssignment
from gongzhi.places.models import Estate

# --- role sets -------------------------------------------------------------------------------------
# Who convenes: tuples, in the order a meeting type lists them.
COMMUNITY_CONVENERS = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR)
ESTATE_CONVENERS = (Role.COMMITTEE_CHAIR,) + COMMUNITY_CONVENERS
# Above the estate: the community, and the subdistrict's officers for the subdistrict's meetings (a role
# counts only where it covers the meeting's whole place: a community's secretary runs the community's
# meetings, not the subdistrict's).
LEVEL_CONVENERS = COMMUNITY_CONVENERS + (Role.SUBDISTRICT_OFFICER,)
# 两议: the grid worker calls the residents' consultation too.
GRID_CONVENERS = COMMUNITY_CONVENERS + (Role.GRID_WORKER,)
GRID_BRANCH_CONVENERS = (Role.COMMUNITY_SECRETARY, Role.COMMITTEE_CHAIR, Role.ADMINISTRATOR)

# Who does a step of the shipped procedures. Tuples: the first of a step's roles the actor holds
# is the one recorded with the step.
BRANCH_ROLES = (Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.PARTY_MEMBER)  # estate branch (书记 or members)
COMMITTEE_ROLES = (Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER)
COMMUNITY_ROLES = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)
PROPERTY_ROLES = (Role.PROPERTY_STAFF,)
PUBLISHER_ROLES = COMMITTEE_ROLES + COMMUNITY_ROLES
# the steps of a matter above the estate
ABOVE_ESTATE_ROLES = COMMUNITY_ROLES + (Role.SUBDISTRICT_OFFICER,)

# Who may propose a matter besides those who do its procedure's first step: the community.
MATTER_PROPOSER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})
# Who follows a matter up: action items, bids, deliveries.
MATTER_ORGANISER_ROLES = frozenset(
    {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR}
)
# Above the estate the subdistrict's officers follow up too.
LEVEL_ORGANISER_ROLES = MATTER_ORGANISER_ROLES | frozenset({Role.SUBDISTRICT_OFFICER})
# Who besides those covering its place reads a matter above the estate: those serving an estate it concerns.
CONCERNED_READER_ROLES = frozenset(
    {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.PROPERTY_STAFF, Role.GRID_WORKER, Role.COMMUNITY_SECRETARY,
     Role.COMMUNITY_STAFF}
)
# Who is invited to every meeting of an estate (with the people on its organisations).
INVITED_ROLES = frozenset(
    {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.PROPERTY_STAFF, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF}
)


# --- meeting types ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingType:
    code: str
    name: str
    conveners: tuple[str, ...]
    required: tuple[str, ...] = ()  # parties that must be present
    rule: str = "parties"  # parties / committee / party_members
    joint: bool = False  # a joint meeting: may decide 三重一大 matters
    immediate: bool = False  # may be called and opened at once
    levels: tuple[str, ...] = ("estate",)  # the places it is held at: estate, community, subdistrict, district
    repeat: str = Repeat.NONE  # a standing meeting: the next one is planned when this one is due
    needs_units: bool = False  # names the 成员单位 / platforms that must attend

    def required_at(self, level: str) -> tuple[str, ...]:
        """The parties required at a meeting held at this level: above the estate, the estate's own seats
        (业委会, 物业, 小区党支部 …) do not exist."""
        if level == "estate":
            return self.required
        return tuple(p for p in self.required if p in ABOVE_ESTATE_PARTIES)


MEETING_TYPES = {t.code: t for t in (
    MeetingType("joint_1_3_n", "1+3+N 物业联席协商会议", (Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR),
                required=(Party.COMMUNITY, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
    MeetingType("four_party", "四方联席会议", COMMUNITY_CONVENERS,
                required=(Party.COMMUNITY_PARTY, Party.ESTATE_BRANCH, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
    MeetingType("red_council", "红色议事会（红领议事厅）", ESTATE_CONVENERS,
                required=(Party.ESTATE_BRANCH, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
    MeetingType("monthly_dispatch", "每月调度会", LEVEL_CONVENERS, levels=("estate", "community", "subdistrict"),
                repeat=Repeat.MONTHLY),
    MeetingType("quarterly_joint", "每季联席会", LEVEL_CONVENERS,
                required=(Party.COMMUNITY, Party.AUTONOMOUS, Party.PROPERTY), joint=True,
                levels=("estate", "community", "subdistrict"), repeat=Repeat.QUARTERLY),
    MeetingType("special_push", "专项推进会", LEVEL_CONVENERS, levels=("community", "subdistrict", "district"),
                needs_units=True),
    # 两议 (郴州): what the patrols and visits find is settled at these two joint meetings.
    MeetingType("resident_consultation", "居民协商议事联合会议", GRID_CONVENERS,
                required=(Party.COMMUNITY, Party.GRID, Party.PROPERTY, Party.OWNER_REP)),
    MeetingType("grid_branch_joint", "小区网格党支部联席会议", GRID_BRANCH_CONVENERS,
                required=(Party.GRID_BRANCH, Party.GRID, Party.PROPERTY)),
    MeetingType("special", "专题会议", ESTATE_CONVENERS),
    MeetingType("emergency", "紧急会议", ESTATE_CONVENERS, immediate=True),
    MeetingType("owners_committee", "业主委员会会议", (Role.COMMITTEE_CHAIR,), rule="committee"),
    MeetingType("owner_reps", "业主代表会议", (Role.COMMITTEE_CHAIR,) + COMMUNITY_CONVENERS,
                required=(Party.AUTONOMOUS, Party.OWNER_REP)),
    MeetingType("party_members", "党员大会", (Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY), rule="party_members"),
    MeetingType("branch", "支部委员会会议", (Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY)),
    MeetingType("hearing", "民主听证会", ESTATE_CONVENERS,
                required=(Party.OWNER_REP, Party.AUTONOMOUS, Party.PROPERTY, Party.EXPERT), joint=True),
)}


def meeting_types(community_id: int | None) -> dict[str, MeetingType]:
    """The shipped types, with the community's own types and variants (MeetingTypeConfig) over them (a
    variant keeps the shipped type's levels and repeat)."""
    types = dict(MEETING_TYPES)
    if community_id is not None:
        for c in MeetingTypeConfig.objects.filter(community_id=community_id):
            shipped = MEETING_TYPES.get(c.code)
            types[c.code] = MeetingType(c.code, c.name, tuple(c.conveners), tuple(c.required), c.rule, c.joint,
                                        c.immediate, levels=shipped.levels if shipped else ("estate",),
                                        repeat=shipped.repeat if shipped else Repeat.NONE,
                                        needs_units=shipped.needs_units if shipped else False)
    return types


def meeting_type(code: str, community_id: int | None) -> MeetingType:
    return meeting_types(community_id)[code]


# --- places: an estate, or a community, subdistrict or district above the estates ----------------------
def may_at(actor, roles, where) -> bool:
    """may() for an estate, or for a meeting or matter at its place: above the estate, one of `roles`
    held at a place covering that place as a whole (the system and root may everywhere)."""
    if actor is None:
        return True
    if isinstance(where, Estate):
        return may(actor, roles, where)
    if where.estate_id is not None:
        return may(actor, roles, where.estate)
    scope = scope_for(actor)
    if scope.is_root:
        return True
    level = where.level
    covered = {"community": scope.communities, "subdistrict": scope.subdistricts,
               "district": scope.districts}[level](tuple(roles))
    return covered.filter(pk=getattr(where, f"{level}_id")).exists()


def level_of(where) -> str:
    return "estate" if isinstance(where, Estate) else where.level


def types_community(where) -> int | None:
    return where.community_id if isinstance(where, Estate) else where.types_community_id


# --- predicates ------------------------------------------------------------------------------------
def may_convene_kind(actor, kind: MeetingType, where) -> bool:
    """Call a meeting of this kind at this place (an estate, or a meeting-to-be at a place above)."""
    return level_of(where) in kind.levels and may_at(actor, kind.conveners, where)


def may_convene(actor, meeting) -> bool:
    """Run this meeting: open it, sign others in, record decisions, close it. Its convener may,
    and whoever may convene its kind at its place."""
    if actor is not None and meeting.convener_id == actor.pk:
        return True
    return may_at(actor, meeting_type(meeting.kind, meeting.types_community_id).conveners, meeting)


def may_convene_somewhere(actor, estates) -> bool:
    """The 召集会议 form: does the actor convene some kind of meeting for one of these estates, or above them?"""
    configured = MeetingTypeConfig.objects.filter(community_id__in={e.community_id for e in estates})
    roles = {r for t in MEETING_TYPES.values() for r in t.conveners} | {r for c in configured for r in c.conveners}
    return any(may(actor, roles, e) for e in estates) or bool(convening_places(actor))


def convening_places(actor) -> list[tuple[str, object]]:
    """The places above the estate where the actor may call some meeting: (level, place), at most 50."""
    if actor is None:
        return []
    scope = scope_for(actor)
    found = []
    for level, places in (("community", scope.communities), ("subdistrict", scope.subdistricts),
                          ("district", scope.districts)):
        roles = tuple({r for t in MEETING_TYPES.values() if level in t.levels for r in t.conveners})
        if scope.is_root or scope.has_any(roles):
            found += [(level, p) for p in places(roles).order_by("name")[:50]]
    return found[:50]


def may_propose_matter(actor, where, procedure) -> bool:
    """Put a matter on the table of an estate (or a place above) under this procedure: those who do its
    first step, or the community (above the estate: the community and the subdistrict)."""
    above = frozenset(ABOVE_ESTATE_ROLES + (Role.ADMINISTRATOR,))
    extra = MATTER_PROPOSER_ROLES if level_of(where) == "estate" else above
    return may_at(actor, set(procedure.steps[0].roles) | extra, where)


def may_propose_somewhere(actor, estates, procedures) -> bool:
    """The 新建议题 form: may the actor propose under one of these procedures in one of these estates?"""
    roles = MATTER_PROPOSER_ROLES | {r for p in procedures for r in p.steps[0].roles}
    return any(may(actor, roles, e) for e in estates) or bool(convening_places(actor))


def may_organise_matter(actor, where) -> bool:
    """Follow a matter up: action items, bids, deliveries (`where`: the matter, or its estate)."""
    if where is None:  # a matter above the estate asked about by its (missing) estate
        return actor is None
    roles = MATTER_ORGANISER_ROLES if level_of(where) == "estate" else LEVEL_ORGANISER_ROLES
    return may_at(actor, roles, where)


def may_mark_action_done(actor, item, estate=None) -> bool:
    """An action item is marked done by the one responsible (its person, or whoever acts for its body).
    Only when nobody responsible can log in (a body without logins) may one who follows the matter up."""
    if actor is None or scope_for(actor).is_root:
        return True
    assignees = action_assignees(item)
    if assignees:
        return actor.pk in assignees
    return may_organise_matter(actor, estate or item.matter)


def acting_role(actor, step, where) -> str | None:
    """The role in which the actor does this step (the first of the step's roles held), or None."""
    scope = scope_for(actor)
    if scope.is_root:
        return Role.ADMINISTRATOR
    if where is None:
        return None
    if level_of(where) == "estate":
        estate = where if isinstance(where, Estate) else where.estate
        return next((r for r in step.roles if scope.holds(r, estate)), None)
    return next((r for r in step.roles if may_at(actor, (r,), where)), None)


def may_take_step(actor, step, estate) -> bool:
    return acting_role(actor, step, estate) is not None


# --- seats: who may confirm a party's presence --------------------------------------------------------
# A seat (社区, 社区党组织, 小区党支部, 业委会/物管会, 物业, 职能部门) is taken only by one who holds it; a
# required seat is confirmed by its holder in person (never recorded for them by the convener), so no
# single person can make a joint meeting quorate.
SEATED_PARTIES = (Party.COMMUNITY, Party.COMMUNITY_PARTY, Party.ESTATE_BRANCH, Party.AUTONOMOUS, Party.PROPERTY,
                  Party.DEPARTMENT, Party.PLATFORM, Party.SUBDISTRICT, Party.GRID, Party.GRID_BRANCH)
OPEN_PARTIES = tuple(p for p in Party.values if p not in SEATED_PARTIES)  # 成员, 业主代表, 专家
# The seats that exist above the estate (the estate's own bodies do not sit there).
ABOVE_ESTATE_PARTIES = (Party.COMMUNITY, Party.COMMUNITY_PARTY, Party.SUBDISTRICT, Party.DEPARTMENT, Party.PLATFORM,
                        Party.EXPERT, Party.MEMBER)
COMMUNITY_PARTY_SEAT_ROLES = (Role.COMMUNITY_SECRETARY,)
DEPARTMENT_SEAT_ROLES = (Role.DEPARTMENT_OFFICER,)
SUBDISTRICT_SEAT_ROLES = (Role.SUBDISTRICT_OFFICER,)
GRID_SEAT_ROLES = (Role.GRID_WORKER,)
# The body kinds behind the unit seats: a 成员单位 signs in as 职能部门, a platform as 平台.
UNIT_PARTY = {OrgKind.DEPARTMENT: Party.DEPARTMENT, **{k: Party.PLATFORM for k in PLATFORM_KINDS}}
# Whom a convener may invite (summon) to a meeting besides the estate's bodies: those who work for it.
INVITABLE_ROLES = INVITED_ROLES | frozenset({
    Role.DEPARTMENT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.CADRE, Role.GRID_WORKER, Role.BUILDING_HEAD,
    Role.DISCIPLINE_SUPERVISOR,
})

SEAT_HOLDERS = {
    Party.COMMUNITY: ("本社区的党组织书记或社区工作人员", "the community's secretary or staff"),
    Party.COMMUNITY_PARTY: ("本社区党组织书记或社区党组织的在任成员", "the community party organisation's secretary or members"),
    Party.ESTATE_BRANCH: ("本小区党支部的在任成员", "current members of the estate's party branch"),
    Party.AUTONOMOUS: ("本小区业委会（物管会、楼院自治委员会）的本届成员", "current members of the estate's owners' committee"),
    Party.PROPERTY: ("现签约物业服务企业的工作人员", "staff of the property company under the current contract"),
    Party.DEPARTMENT: ("受邀参会或必须到会的成员单位的干部", "officers of a department summoned to the meeting"),
    Party.PLATFORM: ("必须到会或服务本小区的平台的在任成员", "current members of a platform required at the meeting"),
    Party.SUBDISTRICT: ("本街道的街道干部", "officers of the subdistrict"),
    Party.GRID: ("本小区的网格员", "the estate's grid workers"),
    Party.GRID_BRANCH: ("本小区网格党支部的在任成员", "current members of the estate's grid party branch"),
}
SEAT_DENIED = "只有{who}可以作为“{seat}”签到 / Only {who_en} may sign in as “{seat}” ({party})"
SEAT_IN_PERSON = ("“{seat}”是本次会议必须到会的一方，须由其本人签到确认，不能代签 / "
                  "“{seat}” ({party}) is a required party: its holder signs in in person, nobody signs for them")
PERSON_NOT_SEATED = ("{name}不是{who}，不能作为“{seat}”签到 / "
                     "{name} is not one of {who_en}, so cannot sign in as “{seat}” ({party})")


def seat_message(template: str, party: str, **extra) -> str:
    who, who_en = SEAT_HOLDERS[party]
    return template.format(who=who, who_en=who_en, seat=Party(party).label, party=party, **extra)


def current_memberships(organisations):
    """Memberships in force today (active, within their term and their organisation's)."""
    today = clock.today()
    return Membership.objects.filter(organisation__in=organisations, active=True, organisation__active=True).filter(
        Q(term_start__isnull=True) | Q(term_start__lte=today), Q(term_end__isnull=True) | Q(term_end__gte=today),
        Q(organisation__term_end__isnull=True) | Q(organisation__term_end__gte=today))


def contracted_companies(estate):
    """The companies serving the estate under a service contract in force today."""
    if estate is None:
        return Organisation.objects.none()
    today = clock.today()
    contracts = ServiceContract.objects.filter(estate=estate).filter(
        Q(start__isnull=True) | Q(start__lte=today), Q(end__isnull=True) | Q(end__gte=today))
    return Organisation.objects.filter(pk__in=contracts.values("company_id"), kind__in=COMPANY_KINDS)


def meeting_units(meeting, party: str):
    """The required bodies behind a unit seat (职能部门 or 平台) at this meeting; for 平台 at an estate's
    meeting, also the platforms serving the estate."""
    kinds = [k for k, p in UNIT_PARTY.items() if p == party]
    units = Organisation.objects.filter(pk__in=meeting.units.values("pk"), kind__in=kinds) if meeting.pk else \
        Organisation.objects.none()
    if party == Party.PLATFORM and meeting.estate_id is not None:
        units = units | Organisation.objects.filter(kind__in=PLATFORM_KINDS, serves=meeting.estate_id)
    return units.distinct()


def seat_organisations(party: str, meeting):
    """The organisations whose current members hold the seat at this meeting."""
    estate = meeting.estate if isinstance(meeting, Meeting) else meeting
    if party in (Party.DEPARTMENT, Party.PLATFORM) and isinstance(meeting, Meeting):
        return meeting_units(meeting, party)
    if party == Party.COMMUNITY_PARTY:
        community_id = estate.community_id if estate is not None else meeting.community_id
        return Organisation.objects.filter(estate__isnull=True, community_id=community_id, kind__in=(
            OrgKind.COMMUNITY_PARTY_COMMITTEE, OrgKind.COMMUNITY_GENERAL_BRANCH)) if community_id else \
            Organisation.objects.none()
    if estate is None:
        return Organisation.objects.none()
    if party == Party.AUTONOMOUS:
        return Organisation.objects.filter(estate=estate, kind__in=AUTONOMOUS_KINDS)
    if party == Party.ESTATE_BRANCH:
        return Organisation.objects.filter(estate=estate, kind__in=(OrgKind.ESTATE_BRANCH, OrgKind.JOINT_BRANCH))
    if party == Party.GRID_BRANCH:
        return Organisation.objects.filter(Q(estate=estate) | Q(estate__isnull=True, community_id=estate.community_id),
                                           kind=OrgKind.GRID_BRANCH)
    if party == Party.PROPERTY:
        return contracted_companies(estate)
    return Organisation.objects.none()


def _holds_role_at(user, roles, meeting, *, community_level: bool) -> bool:
    """A current assignment of one of `roles` anchored at the meeting's estate (or, with community_level, at
    its community) — not merely somewhere that covers it. Above the estate: anchored at a community
    within the meeting's place."""
    if meeting.estate_id is not None:
        estate = meeting.estate
        place = Q(estate_id=estate.pk) | (Q(community_id=estate.community_id) if community_level else Q(pk__in=[]))
    elif not community_level:
        return False
    else:
        ids = chain(meeting)
        place = {"community": Q(community_id=ids.get("community")),
                 "subdistrict": Q(community__subdistrict_id=ids.get("subdistrict")),
                 "district": Q(community__subdistrict__district_id=ids.get("district"))}[meeting.level]
    return RoleAssignment.objects.current().filter(place, user=user, role__in=roles).exists()


def _subdistrict_officer(user, meeting) -> bool:
    ids = chain(meeting)
    return RoleAssignment.objects.current().filter(
        Q(subdistrict_id=ids.get("subdistrict")) | Q(district_id=ids.get("district")),
        user=user, role__in=SUBDISTRICT_SEAT_ROLES).exists() if ids.get("subdistrict") else False


def _member_seat(person_id, party: str, meeting):
    memberships = current_memberships(seat_organisations(party, meeting)).filter(person_id=person_id)
    if party in (Party.DEPARTMENT, Party.PLATFORM) and meeting.pk:
        # of two units the person sits on, the one not yet signed in for
        taken = meeting.attendance.filter(organisation__isnull=False).values("organisation_id")
        membership = memberships.exclude(organisation_id__in=taken).order_by("id").first()
        if membership is not None:
            return membership.organisation
    membership = memberships.order_by("id").first()
    return membership.organisation if membership else None


@dataclass(frozen=True)
class Seat:
    party: str
    organisation: object = None  # the body through which it is held, when one


def seat_for(user, party: str, meeting) -> Seat | None:
    """The seat `party` at this meeting if the user holds it (the body through which, when one), else None.
    Open parties (成员, 业主代表, 专家) are anyone's."""
    if party not in SEATED_PARTIES:
        return Seat(party)
    if user is None or not user.is_authenticated:
        return None
    if meeting.estate_id is None and party not in ABOVE_ESTATE_PARTIES:
        return None
    person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    body = _member_seat(person_id, party, meeting) if person_id else None
    if body is not None:
        return Seat(party, body)
    if party == Party.COMMUNITY and _holds_role_at(user, COMMUNITY_ROLES, meeting, community_level=True):
        return Seat(party)
    if party == Party.COMMUNITY_PARTY and _holds_role_at(user, COMMUNITY_PARTY_SEAT_ROLES, meeting,
                                                         community_level=True):
        return Seat(party)
    if party == Party.SUBDISTRICT and _subdistrict_officer(user, meeting):
        return Seat(party)
    estate = meeting.estate
    if party == Party.PROPERTY and _holds_role_at(user, PROPERTY_ROLES, meeting, community_level=False):
        return Seat(party, contracted_companies(estate).order_by("id").first())
    if party == Party.GRID and estate is not None and may(user, GRID_SEAT_ROLES, estate) \
            and not scope_for(user).is_root:
        return Seat(party)
    if (party == Party.DEPARTMENT and estate is not None and may(user, DEPARTMENT_SEAT_ROLES, estate)
            and not scope_for(user).is_root and meeting.invitations.filter(user=user).exists()):
        return Seat(party)
    return None


def person_seat(person, party: str, meeting) -> Seat | None:
    """The seat for a person the convener records: through their login when they have one, else
    through their memberships."""
    if party not in SEATED_PARTIES:
        return Seat(party)
    if person.user_id:
        return seat_for(person.user, party, meeting)
    body = _member_seat(person.pk, party, meeting)
    return Seat(party, body) if body is not None else None


def required_parties(meeting) -> tuple[str, ...]:
    """The parties this meeting requires: its type's (at its level), and 职能部门 / 平台 when it names units."""
    kind = meeting_type(meeting.kind, meeting.types_community_id)
    found = list(kind.required_at(meeting.level))
    for unit_kind in set(meeting.units.values_list("kind", flat=True)) if meeting.pk else ():
        party = UNIT_PARTY.get(unit_kind)
        if party and party not in found:
            found.append(party)
    return tuple(found)


def is_required(party: str, meeting) -> bool:
    return party in required_parties(meeting)


def sign_in_parties(actor, meeting) -> list[tuple[str, str]]:
    """The parties the actor may sign in as, themself (for the page's 我签到 form)."""
    return [(value, label) for value, label in Party.choices if seat_for(actor, value, meeting) is not None]


def record_parties(meeting) -> list[tuple[str, str]]:
    """The parties a convener may record for someone else without asking whose seat it is (the page's
    代为签到 form): the open ones. A seat is confirmed by its holder."""
    return [(value, label) for value, label in Party.choices if value in OPEN_PARTIES]


def unit_choices(actor, where):
    """The 成员单位 and platforms a meeting at this place may require: active, in the actor's sight, hanging
    on the place's chain (its district's departments, its community's or subdistrict's platforms) or below it."""
    ids = chain(where) if not isinstance(where, Estate) else {
        "estate": where.pk, "community": where.community_id, "subdistrict": where.community.subdistrict_id,
        "district": where.community.subdistrict.district_id}
    here = Q(district_id=ids["district"], subdistrict__isnull=True, community__isnull=True)
    if ids.get("subdistrict"):
        here |= Q(subdistrict_id=ids["subdistrict"], community__isnull=True)
    if ids.get("community"):
        here |= Q(community_id=ids["community"], estate__isnull=True)
    elif ids.get("subdistrict"):
        here |= Q(community__subdistrict_id=ids["subdistrict"], estate__isnull=True)
    elif ids.get("district"):
        here |= Q(subdistrict__district_id=ids["district"]) | Q(community__subdistrict__district_id=ids["district"])
    seen = scope_for(actor).organisations() if actor is not None else Organisation.objects.all()
    return Organisation.objects.filter(here, kind__in=UNIT_KINDS, active=True, pk__in=seen.values("pk"))


def member_units(user):
    """The bodies (departments, platforms …) the user acts for as a current member."""
    if user is None or not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=current_memberships(Organisation.objects.all())
                                       .filter(person__user=user).values("organisation_id"))


# --- action items: assigned to the one responsible -------------------------------------------------------
def organisation_users(organisation, estate) -> set[int]:
    """The logins that act for a body: its current members, and for the company serving the estate,
    the property staff anchored at the estate."""
    users = set(current_memberships([organisation]).filter(person__user__isnull=False)
                .values_list("person__user_id", flat=True))
    if (organisation.kind in COMPANY_KINDS and estate is not None
            and contracted_companies(estate).filter(pk=organisation.pk).exists()):
        users |= set(RoleAssignment.objects.current().filter(role__in=PROPERTY_ROLES, estate=estate)
                     .values_list("user_id", flat=True))
    return users


def action_assignees(item) -> set[int]:
    """Who is responsible for an action item: its person, or whoever acts for its body."""
    if item.owner_id:
        return {item.owner_id}
    return organisation_users(item.organisation, item.matter.estate)


def assigned_to(user) -> Q:
    """ActionItem filter: the items the user is responsible for (the same rule as action_assignees)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    today = clock.today()
    member_of = current_memberships(Organisation.objects.all()).filter(person__user=user).values("organisation_id")
    staff_at = (RoleAssignment.objects.current().filter(user=user, role__in=PROPERTY_ROLES, estate__isnull=False)
                .values("estate_id"))
    serving = ServiceContract.objects.filter(estate_id=OuterRef("matter__estate_id"), company_id=OuterRef(
        "organisation_id")).filter(Q(start__isnull=True) | Q(start__lte=today), Q(end__isnull=True) | Q(end__gte=today))
    return (Q(owner=user) | Q(organisation_id__in=member_of)
            | (Q(organisation__kind__in=COMPANY_KINDS, matter__estate_id__in=staff_at) & Q(Exists(serving))))
