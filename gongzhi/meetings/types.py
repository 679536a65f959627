"""The meeting types Gongzhi ships: who convenes, who must be there, what makes a quorum and how
a decision passes.

Quorum and decision rules:
- "parties": every required party has at least one person signed in; a decision passes with
  more than half of those present in favour.
- "committee": more than half of the committee's members present; a decision needs more than
  half of ALL members in favour (the owners' committee rules).
- "party_members": at least 2/3 of the branch's members present; a decision needs at least half
  of those who should attend in favour (四议两公开: 党员大会审议).
"""

from dataclasses import dataclass
from fractions import Fraction

from gongzhi.core.roles import Role
from gongzhi.meetings.models import Party

COMMUNITY_CONVENERS = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR)
ESTATE_CONVENERS = (Role.COMMITTEE_CHAIR,) + COMMUNITY_CONVENERS


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

COMMITTEE_QUORUM = Fraction(1, 2)  # more than
PARTY_MEMBERS_QUORUM = Fraction(2, 3)  # at least


def meeting_types(community_id: int | None) -> dict[str, MeetingType]:
    """The shipped types, with the community's own types and variants (MeetingTypeConfig) over them."""
    from gongzhi.meetings.models import MeetingTypeConfig

    types = dict(MEETING_TYPES)
    if community_id is not None:
        for c in MeetingTypeConfig.objects.filter(community_id=community_id):
            types[c.code] = MeetingType(c.code, c.name, tuple(c.conveners), tuple(c.required), c.rule, c.joint,
                                        c.immediate)
    return types


def meeting_type(code: str, community_id: int | None) -> MeetingType:
    return meeting_types(community_id)[code]
