"""Procedures (step machines): ordered steps, each done only by the roles it names, none skipped.

A procedure is a list of steps; a step says who may do it, what kind of step it is (a plain act,
a decision that must come from a meeting, an owners' vote, or a publication), whether it may send
the matter back to an earlier step, and whether it may end it. Definitions are plain data so a
community can keep its own variants (meetings.ProcedureTemplate); the shipped ones are below, their steps naming
the role sets of meetings.rules.

The engine here only answers questions about a definition; the app that owns the subject (a
matter) records steps under its own row lock.
"""

from dataclasses import dataclass, field

from gongzhi.meetings.rules import (
    ABOVE_ESTATE_ROLES,
    BRANCH_ROLES,
    COMMITTEE_ROLES,
    COMMUNITY_ROLES,
    PROPERTY_ROLES,
    PUBLISHER_ROLES,
)


class StepKind:
    ACT = "act"  # someone with the role does it and records the outcome
    MEETING = "meeting"  # decided at a meeting of one of `meeting_types`, with the matter on its agenda
    VOTE = "vote"  # an owners' vote decides (art. 278 when it is one of the nine matters)
    PUBLISH = "publish"  # a notice is published (the resolution, then the implementation result)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    roles: tuple[str, ...]
    kind: str = StepKind.ACT
    meeting_types: tuple[str, ...] = ()
    back_to: str | None = None  # the step a "send back" returns to
    can_end: bool = False  # may this step end the matter (e.g. a proposal rejected)
    notice_kind: str = ""  # for PUBLISH steps: resolution / implementation


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def step(self, key: str) -> Step:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def index(self, key: str) -> int:
        return [s.key for s in self.steps].index(key)

    def as_data(self) -> dict:
        return {"code": self.code, "name": self.name, "steps": [s.__dict__ | {"roles": list(s.roles),
                "meeting_types": list(s.meeting_types)} for s in self.steps]}

    @classmethod
    def from_data(cls, data: dict) -> "Procedure":
        steps = tuple(
            Step(**{**s, "roles": tuple(s.get("roles", ())), "meeting_types": tuple(s.get("meeting_types", ()))})
            for s in data["steps"]
        )
        return cls(code=data["code"], name=data["name"], steps=steps)


FOUR_DISCUSSIONS = Procedure(
    code="four_discussions",
    name="小区版四议两公开",
    steps=(
        Step("propose", "党支部提议", BRANCH_ROLES, can_end=True),
        Step("joint", "联席会议商议", BRANCH_ROLES + COMMITTEE_ROLES + COMMUNITY_ROLES + PROPERTY_ROLES, StepKind.MEETING,
             meeting_types=("joint_1_3_n", "four_party"), back_to="propose", can_end=True),
        Step("members", "党员大会审议", BRANCH_ROLES + COMMUNITY_ROLES, StepKind.MEETING, meeting_types=("party_members",),
             back_to="propose", can_end=True),
        Step("resolve", "业主大会或业主代表决议", COMMITTEE_ROLES + COMMUNITY_ROLES, StepKind.VOTE, can_end=True),
        Step("publish_resolution", "决议公开", PUBLISHER_ROLES, StepKind.PUBLISH, notice_kind="resolution"),
        Step("publish_result", "实施结果公开", PUBLISHER_ROLES, StepKind.PUBLISH, notice_kind="implementation"),
    ),
)

BRANCH_FIRST = Procedure(
    code="branch_first",
    name="支部先议四步法",
    steps=(
        Step("propose", "业委会提议", COMMITTEE_ROLES, can_end=True),
        Step("branch_review", "小区党支部先议", BRANCH_ROLES, StepKind.MEETING, meeting_types=("branch", "four_party"),
             back_to="propose", can_end=True),
        Step("committee_resolve", "业委会决议", COMMITTEE_ROLES, StepKind.MEETING, meeting_types=("owners_committee",),
             back_to="propose", can_end=True),
        Step("execute", "物业企业执行", PROPERTY_ROLES),
        Step("publish_result", "结果公开", PUBLISHER_ROLES, StepKind.PUBLISH, notice_kind="implementation"),
    ),
)

HEARING = Procedure(
    code="hearing",
    name="民主听证",
    steps=(
        Step("form_group", "组建听证小组", COMMITTEE_ROLES + COMMUNITY_ROLES),
        Step("bids", "收集并比较报价（至少 3 家）", COMMITTEE_ROLES + COMMUNITY_ROLES),
        Step("hearing", "听证会", COMMITTEE_ROLES + COMMUNITY_ROLES, StepKind.MEETING, meeting_types=("hearing",),
             back_to="bids"),
        Step("owners_choose", "业主选择", COMMITTEE_ROLES + COMMUNITY_ROLES, StepKind.VOTE, can_end=True),
        Step("publish_award", "公开中标结果与合同", PUBLISHER_ROLES, StepKind.PUBLISH, notice_kind="resolution"),
        Step("delivery", "逐项跟踪交付", COMMITTEE_ROLES + COMMUNITY_ROLES + PROPERTY_ROLES),
        Step("publish_result", "交付结果公开", PUBLISHER_ROLES, StepKind.PUBLISH, notice_kind="implementation"),
    ),
)

# 协调推进: a matter above the estate (or one an estate hands up), settled at the community's or the
# subdistrict's standing or special meetings and followed up through the departments' action items.
COORDINATION = Procedure(
    code="coordination",
    name="协调推进",
    steps=(
        Step("propose", "提出事项", ABOVE_ESTATE_ROLES, can_end=True),
        Step("meeting", "会议协调", ABOVE_ESTATE_ROLES, StepKind.MEETING,
             meeting_types=("monthly_dispatch", "quarterly_joint", "special_push"), back_to="propose", can_end=True),
        Step("follow_up", "督办落实", ABOVE_ESTATE_ROLES),
    ),
)

SHIPPED = {p.code: p for p in (FOUR_DISCUSSIONS, BRANCH_FIRST, HEARING, COORDINATION)}
