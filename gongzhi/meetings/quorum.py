"""Is a meeting quorate, and does a decision pass? (the rules are described in meetings.rules)"""

from dataclasses import dataclass

from gongzhi.bodies.models import AUTONOMOUS_KINDS, Membership, OrgKind
from gongzhi.meetings.models import Attendance, Meeting, Party
from gongzhi.meetings.rules import meeting_type

NO_MEMBERS = "该小区没有在任成员名单，无法计算法定人数 / No current members to count a quorum"
MORE_THAN_HALF = "过半数"
TWO_THIRDS = "三分之二以上"
MEMBERS_PRESENT = "应到 {members} 人，实到 {here} 人（须{line}）/ {here} of {members} members present"
NO_QUORUM = "，不足法定人数 / no quorum"
PARTY_ABSENT = "缺少必须出席的一方：{names} / A required party is absent: {names}"
NOBODY_SIGNED_IN = "尚无人签到 / Nobody has signed in"
ALL_PARTIES_HERE = "实到 {here} 人，各方均已到会 / {here} present, all parties here"


@dataclass
class Check:
    ok: bool
    message: str
    present: int  # people whose votes count
    should_attend: int = 0
    rule: str = "parties"

    def passes(self, votes_for: int) -> bool:
        if self.rule == "committee":
            return votes_for * 2 > self.should_attend  # more than half of ALL members
        if self.rule == "party_members":
            return votes_for * 2 >= self.should_attend  # at least half of those who should attend
        return votes_for * 2 > self.present  # more than half of those present


def _members(meeting: Meeting, kinds) -> set[int]:
    return set(Membership.objects.filter(organisation__estate=meeting.estate, organisation__kind__in=kinds,
                                         active=True).values_list("person_id", flat=True))


def quorum_check(meeting: Meeting) -> Check:
    kind = meeting_type(meeting.kind, meeting.estate.community_id)
    attendance = list(Attendance.objects.filter(meeting=meeting).values_list("person_id", "party"))
    present = {person for person, _ in attendance}
    if kind.rule in ("committee", "party_members"):
        kinds = AUTONOMOUS_KINDS if kind.rule == "committee" else {OrgKind.ESTATE_BRANCH}
        members = _members(meeting, kinds)
        if not members:
            return Check(False, NO_MEMBERS, 0, rule=kind.rule)
        here = len(members & present)
        if kind.rule == "committee":
            ok = here * 2 > len(members)
            line = MORE_THAN_HALF
        else:
            ok = here * 3 >= len(members) * 2
            line = TWO_THIRDS
        message = MEMBERS_PRESENT.format(members=len(members), here=here, line=line) + ("" if ok else NO_QUORUM)
        return Check(ok, message, here, len(members), kind.rule)
    parties = {party for _, party in attendance}
    missing = [Party(p).label for p in kind.required if p not in parties]
    if missing:
        names = "、".join(str(m) for m in missing)
        return Check(False, PARTY_ABSENT.format(names=names), len(present))
    if not present:
        return Check(False, NOBODY_SIGNED_IN, 0)
    return Check(True, ALL_PARTIES_HERE.format(here=len(present)), len(present))
