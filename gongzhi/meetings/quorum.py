"""Is a meeting quorate, and does a decision pass? (the rules are described in meetings.rules)"""

from dataclasses import dataclass

from gongzhi.bodies.models import AUTONOMOUS_KINDS, Membership, OrgKind
from gongzhi.meetings.models import Attendance, Meeting, Party
from gongzhi.meetings.rules import UNIT_PARTY, meeting_type, required_parties

NO_MEMBERS = "该小区没有在任成员名单，无法计算法定人数 / No current members to count a quorum"
MORE_THAN_HALF = "过半数"
TWO_THIRDS = "三分之二以上"
MEMBERS_PRESENT = "应到 {members} 人，实到 {here} 人（须{line}）/ {here} of {members} members present"
NO_QUORUM = "，不足法定人数 / no quorum"
PARTY_ABSENT = "缺少必须出席的一方：{names} / A required party is absent: {names}"
NOBODY_SIGNED_IN = "尚无人签到 / Nobody has signed in"
ALL_PARTIES_HERE = "实到 {here} 人，各方均已到会 / {here} present, all parties here"
UNIT_ABSENT = "必须到会的单位尚未签到：{names} / A required unit has not signed in: {names}"


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
    kind = meeting_type(meeting.kind, meeting.types_community_id)
    rows = list(Attendance.objects.filter(meeting=meeting).values_list("person_id", "user_id", "party",
                                                                        "organisation_id"))
    attendance = [(person, party) for person, _user, party, _org in rows]
    # a department's officer without a person on the registers counts by their login
    present = {("p", person) if person else ("u", user) for person, user, _party, _org in rows}
    if kind.rule in ("committee", "party_members"):
        kinds = AUTONOMOUS_KINDS if kind.rule == "committee" else {OrgKind.ESTATE_BRANCH}
        members = _members(meeting, kinds) if meeting.estate_id is not None else set()
        if not members:
            return Check(False, NO_MEMBERS, 0, rule=kind.rule)
        here = len(members & {person for person, _ in attendance})
        if kind.rule == "committee":
            ok = here * 2 > len(members)
            line = MORE_THAN_HALF
        else:
            ok = here * 3 >= len(members) * 2
            line = TWO_THIRDS
        message = MEMBERS_PRESENT.format(members=len(members), here=here, line=line) + ("" if ok else NO_QUORUM)
        return Check(ok, message, here, len(members), kind.rule)
    parties = {party for _, party in attendance}
    # a unit seat (职能部门, 平台) is answered unit by unit below, naming each unit not yet signed in
    by_unit = {UNIT_PARTY[k] for k in meeting.units.values_list("kind", flat=True) if k in UNIT_PARTY}
    missing = [Party(p).label for p in required_parties(meeting) if p not in parties and p not in by_unit]
    if missing:
        names = "、".join(str(m) for m in missing)
        return Check(False, PARTY_ABSENT.format(names=names), len(present))
    signed = {org for *_rest, org in rows if org}
    absent = [u.name for u in meeting.units.order_by("kind", "name") if u.pk not in signed]
    if absent:
        return Check(False, UNIT_ABSENT.format(names="、".join(absent)), len(present))
    if not present:
        return Check(False, NOBODY_SIGNED_IN, 0)
    return Check(True, ALL_PARTIES_HERE.format(here=len(present)), len(present))
