"""Is a meeting quorate, and does a decision pass? (the rules are described in meetings.rules)"""

from dataclasses import dataclass

from gongzhi.bodies.models import AUTONOMOUS_KINDS, Membership, OrgKind
from gongzhi.meetings.models import Attendance, Meeting, Party
from gongzhi.meetings.rules import meeting_type


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
            return Check(False, "该小区没有在任成员名单，无法计算法定人数 / No current members to count a quorum",
                         0, rule=kind.rule)
        here = len(members & present)
        if kind.rule == "committee":
            ok = here * 2 > len(members)
            line = "过半数"
        else:
            ok = here * 3 >= len(members) * 2
            line = "三分之二以上"
        message = (f"应到 {len(members)} 人，实到 {here} 人（须{line}）/ {here} of {len(members)} members present"
                   + ("" if ok else "，不足法定人数 / no quorum"))
        return Check(ok, message, here, len(members), kind.rule)
    parties = {party for _, party in attendance}
    missing = [Party(p).label for p in kind.required if p not in parties]
    if missing:
        names = "、".join(str(m) for m in missing)
        return Check(False, f"缺少必须出席的一方：{names} / A required party is absent: {names}", len(present))
    if not present:
        return Check(False, "尚无人签到 / Nobody has signed in", 0)
    return Check(True, f"实到 {len(present)} 人，各方均已到会 / {len(present)} present, all parties here",
                 len(present))
