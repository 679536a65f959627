"""Who may do what in joint deliberation: the one place each rule is written.

The meeting types are rules too: who convenes each kind, who must be there, what makes a quorum
and how a decision passes (the quorum arithmetic is in meetings.quorum):
- "parties": every required party has at least one person signed in; a decision passes with
  more than half of those present in favour.
- "committee": more than half of the committee's members present; a decision needs more than
  half of ALL members in favour (the owners' committee rules).
- "party_members": at least 2/3 of the branch's members present; a decision needs at least half
  of those who should attend in favour (四议两公开: 党员大会审议).
"""

from dataclasses import dataclass

from gongzhi.core.access import may
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.meetings.choices import Party
from gongzhi.meetings.models import MeetingTypeConfig

# --- role sets -------------------------------------------------------------------------------------
# Who convenes: tuples, in the order a meeting type lists them.
COMMUNITY_CONVENERS = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR)
ESTATE_CONVENERS = (Role.COMMITTEE_CHAIR,) + COMMUNITY_CONVENERS

# Who does a step of the shipped procedures. Tuples: the first of a step's roles the actor holds
# is the one recorded with the step.
BRANCH_ROLES = (Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.PARTY_MEMBER)  # estate branch (书记 or members)
COMMITTEE_ROLES = (Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER)
COMMUNITY_ROLES = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)
PROPERTY_ROLES = (Role.PROPERTY_STAFF,)
PUBLISHER_ROLES = COMMITTEE_ROLES + COMMUNITY_ROLES

# Who may propose a matter besides those who do its procedure's first step: the community.
MATTER_PROPOSER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})
# Who follows a matter up: action items, bids, deliveries.
MATTER_ORGANISER_ROLES = frozenset(
    {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR}
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


MEETING_TYPES = {t.code: t for t in (
    MeetingType("joint_1_3_n", "1+3+N 物业联席协商会议", (Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR),
                required=(Party.COMMUNITY, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
    MeetingType("four_party", "四方联席会议", COMMUNITY_CONVENERS,
                required=(Party.COMMUNITY_PARTY, Party.ESTATE_BRANCH, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
    MeetingType("red_council", "红色议事会（红领议事厅）", ESTATE_CONVENERS,
                required=(Party.ESTATE_BRANCH, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
    MeetingType("monthly_dispatch", "月度调度会", COMMUNITY_CONVENERS),
    MeetingType("quarterly_joint", "季度联席会", COMMUNITY_CONVENERS,
                required=(Party.COMMUNITY, Party.AUTONOMOUS, Party.PROPERTY), joint=True),
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
    """The shipped types, with the community's own types and variants (MeetingTypeConfig) over them."""
    types = dict(MEETING_TYPES)
    if community_id is not None:
        for c in MeetingTypeConfig.objects.filter(community_id=community_id):
            types[c.code] = MeetingType(c.code, c.name, tuple(c.conveners), tuple(c.required), c.rule, c.joint,
                                        c.immediate)
    return types


def meeting_type(code: str, community_id: int | None) -> MeetingType:
    return meeting_types(community_id)[code]


# --- predicates ------------------------------------------------------------------------------------
def may_convene_kind(actor, kind: MeetingType, estate) -> bool:
    """Call a meeting of this kind for the estate."""
    return may(actor, kind.conveners, estate)


def may_convene(actor, meeting) -> bool:
    """Run this meeting: open it, sign others in, record decisions, close it. Its convener may,
    and whoever may convene its kind for its estate."""
    if actor is not None and meeting.convener_id == actor.pk:
        return True
    return may_convene_kind(actor, meeting_type(meeting.kind, meeting.estate.community_id), meeting.estate)


def may_convene_somewhere(actor, estates) -> bool:
    """The 召集会议 form: does the actor convene some kind of meeting for one of these estates?"""
    configured = MeetingTypeConfig.objects.filter(community_id__in={e.community_id for e in estates})
    roles = {r for t in MEETING_TYPES.values() for r in t.conveners} | {r for c in configured for r in c.conveners}
    return any(may(actor, roles, e) for e in estates)


def may_propose_matter(actor, estate, procedure) -> bool:
    """Put a matter on the estate's table under this procedure: those who do its first step, or
    the community."""
    return may(actor, set(procedure.steps[0].roles) | MATTER_PROPOSER_ROLES, estate)


def may_propose_somewhere(actor, estates, procedures) -> bool:
    """The 新建议题 form: may the actor propose under one of these procedures in one of these estates?"""
    roles = MATTER_PROPOSER_ROLES | {r for p in procedures for r in p.steps[0].roles}
    return any(may(actor, roles, e) for e in estates)


def may_organise_matter(actor, estate) -> bool:
    """Follow a matter up: action items, bids, deliveries."""
    return may(actor, MATTER_ORGANISER_ROLES, estate)


def may_mark_action_done(actor, item, estate) -> bool:
    """An action item is marked done by its owner or by one who follows the matter up."""
    return (actor is not None and item.owner_id == actor.pk) or may_organise_matter(actor, estate)


def acting_role(actor, step, estate) -> str | None:
    """The role in which the actor does this step (the first of the step's roles held), or None."""
    scope = scope_for(actor)
    if scope.is_root:
        return Role.ADMINISTRATOR
    return next((r for r in step.roles if scope.holds(r, estate)), None)


def may_take_step(actor, step, estate) -> bool:
    return acting_role(actor, step, estate) is not None
