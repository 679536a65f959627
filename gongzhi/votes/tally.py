"""The owners' joint decision of Civil Code art. 278, counted exactly.

Pure functions, no database: the vote pages, the API and the offline `gongzhi tally` CLI all
count with `tally()`.

The law (民法典 第二百七十八条; 最高人民法院《关于审理建筑物区分所有权纠纷案件具体应用法律若干问题的解释》):
- Participation: owners holding at least 2/3 of the exclusive area AND at least 2/3 of the owners.
- Items 6–8 (raise the maintenance fund; renovate or rebuild; change the use of common parts or
  use them for business): at least 3/4 of the participating area AND of the participating owners
  agree. Every other item: MORE THAN 1/2 of both. "以上" includes the boundary, "过半数" does not.
- Abstentions participate (they are in the denominator) but are not "yes".
- Area is each unit's registered exclusive area. Owners are counted by unit, except that all of
  the developer's units together are one owner and a buyer of several units is one owner; a
  co-owned unit has one vote. An owner votes once and the choice carries the area of every unit
  they own in the voting group.

An owner here is the set of persons on a unit's title: units with the same set are one owner.
Arithmetic uses Decimal areas and Fraction ratios, never float.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum
from fractions import Fraction

DEVELOPER = "DEVELOPER"


class Art278(IntEnum):
    """The nine matters of Civil Code art. 278 that the owners decide jointly."""

    RULES = 1  # 业主大会议事规则
    CONVENTION = 2  # 管理规约
    COMMITTEE = 3  # 选举或更换业主委员会
    COMPANY = 4  # 选聘和解聘物业服务企业
    FUND_USE = 5  # 使用维修资金
    FUND_RAISE = 6  # 筹集维修资金
    REBUILD = 7  # 改建、重建
    COMMON_USE = 8  # 改变共有部分用途或经营
    OTHER_MAJOR = 9  # 其他重大事项


# Items 6–8 need three quarters of the participating area and owners; the rest more than half.
SPECIAL_ITEMS = frozenset({Art278.FUND_RAISE, Art278.REBUILD, Art278.COMMON_USE})
# A residents' convention (居民公约) is adopted as the estate's rules (item 2) or as another major matter (9).
CONVENTION_ITEMS = (Art278.CONVENTION, Art278.OTHER_MAJOR)
ITEMS = {
    1: "制定和修改业主大会议事规则",
    2: "制定和修改管理规约",
    3: "选举业主委员会或者更换业主委员会成员",
    4: "选聘和解聘物业服务企业或者其他管理人",
    5: "使用建筑物及其附属设施的维修资金",
    6: "筹集建筑物及其附属设施的维修资金",
    7: "改建、重建建筑物及其附属设施",
    8: "改变共有部分的用途或者利用共有部分从事经营活动",
    9: "有关共有和共同管理权利的其他重大事项",
}


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


CHOICE_WORDS = {
    "yes": Choice.YES, "同意": Choice.YES, "赞成": Choice.YES, "y": Choice.YES,
    "no": Choice.NO, "反对": Choice.NO, "不同意": Choice.NO, "n": Choice.NO,
    "abstain": Choice.ABSTAIN, "弃权": Choice.ABSTAIN,
}


@dataclass(frozen=True)
class Thresholds:
    participation: Fraction = Fraction(2, 3)  # at least, by area and by owners
    special: Fraction = Fraction(3, 4)  # at least, items 6-8
    ordinary: Fraction = Fraction(1, 2)  # more than, every other item


LEGAL_MINIMUM = Thresholds()
THRESHOLDS_TOO_LOW = "议事规则只能提高、不能降低法定比例 / Rules may raise the legal thresholds, never lower them"


def estate_thresholds(participation=None, special=None, ordinary=None) -> Thresholds:
    """An estate's rules of procedure may raise the legal lines, never lower them."""
    chosen = Thresholds(
        participation=Fraction(participation) if participation is not None else LEGAL_MINIMUM.participation,
        special=Fraction(special) if special is not None else LEGAL_MINIMUM.special,
        ordinary=Fraction(ordinary) if ordinary is not None else LEGAL_MINIMUM.ordinary,
    )
    for name in ("participation", "special", "ordinary"):
        value = getattr(chosen, name)
        if value < getattr(LEGAL_MINIMUM, name) or value > 1:
            raise ValueError(THRESHOLDS_TOO_LOW)
    return chosen


@dataclass(frozen=True)
class Holding:
    """A unit of the voting group: its exclusive area and the persons on its title."""

    unit: str
    area: Decimal
    owners: frozenset[str]


@dataclass(frozen=True)
class BallotIn:
    unit: str
    voter: str
    choice: str
    row: int | None = None  # where it came from (spreadsheet row), for messages


@dataclass
class Rejected:
    row: int | None
    unit: str
    reason: str


@dataclass
class Conflict:
    owner: str
    units: list[str]
    choices: list[str]


UNKNOWN_UNIT = "房号不在本次表决范围内 / The unit is not in this vote's group"
NOT_THE_OWNER = "投票人不是该房屋的业主 / The voter is not an owner of this unit"
UNKNOWN_CHOICE = "无法识别的表决意见（同意/反对/弃权）/ Unknown choice (yes/no/abstain)"
DUPLICATE = "重复的选票（意见相同，只计一次）/ Duplicate ballot (same choice, counted once)"


@dataclass
class Tally:
    item: int
    special: bool
    thresholds: Thresholds
    area_total: Decimal = Decimal(0)
    owners_total: int = 0
    area_participating: Decimal = Decimal(0)
    owners_participating: int = 0
    area_yes: Decimal = Decimal(0)
    owners_yes: int = 0
    area_no: Decimal = Decimal(0)
    owners_no: int = 0
    area_abstain: Decimal = Decimal(0)
    owners_abstain: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    # --- the four ratios -------------------------------------------------------------------------
    @staticmethod
    def _ratio(part, whole) -> Fraction:
        return Fraction(part) / Fraction(whole) if whole else Fraction(0)

    @property
    def participation_area(self) -> Fraction:
        return self._ratio(self.area_participating, self.area_total)

    @property
    def participation_owners(self) -> Fraction:
        return self._ratio(self.owners_participating, self.owners_total)

    @property
    def yes_area(self) -> Fraction:
        return self._ratio(self.area_yes, self.area_participating)

    @property
    def yes_owners(self) -> Fraction:
        return self._ratio(self.owners_yes, self.owners_participating)

    # --- thresholds and verdict ------------------------------------------------------------------
    @property
    def participation_met(self) -> bool:
        line = self.thresholds.participation
        return self.area_total > 0 and self.participation_area >= line and self.participation_owners >= line

    @property
    def yes_met(self) -> bool:
        if self.owners_participating == 0:
            return False
        if self.special:
            line = self.thresholds.special
            return self.yes_area >= line and self.yes_owners >= line
        line = self.thresholds.ordinary
        return self.yes_area > line and self.yes_owners > line

    @property
    def blocked(self) -> bool:
        return bool(self.conflicts)

    @property
    def approved(self) -> bool:
        return not self.blocked and self.participation_met and self.yes_met

    @property
    def reason(self) -> str:
        if self.blocked:
            return "存在同一业主的矛盾选票，须先核实 / Conflicting ballots of one owner must be resolved first"
        if not self.participation_met:
            return (f"参与表决的专有部分面积或人数未达 {_pct(self.thresholds.participation)} / "
                    "Participation below the required share of area or owners")
        rule = "以上" if self.special else "过半数"
        line = self.thresholds.special if self.special else self.thresholds.ordinary
        if not self.yes_met:
            return (f"同意的面积或人数未达参与表决者的 {_pct(line)}{rule} / "
                    "Agreement below the required share of participating area or owners")
        return f"参与和同意均达到法定比例（{rule}）/ Participation and agreement both met"

    def as_dict(self) -> dict:
        return {
            "item": self.item,
            "item_name": ITEMS[self.item],
            "special": self.special,
            "area_total": str(self.area_total),
            "owners_total": self.owners_total,
            "area_participating": str(self.area_participating),
            "owners_participating": self.owners_participating,
            "area_yes": str(self.area_yes),
            "owners_yes": self.owners_yes,
            "area_no": str(self.area_no),
            "owners_no": self.owners_no,
            "area_abstain": str(self.area_abstain),
            "owners_abstain": self.owners_abstain,
            "ratios": {
                name: {"fraction": f"{value.numerator}/{value.denominator}", "percent": _pct(value, 4)}
                for name, value in (
                    ("participation_area", self.participation_area),
                    ("participation_owners", self.participation_owners),
                    ("yes_area", self.yes_area),
                    ("yes_owners", self.yes_owners),
                )
            },
            "participation_met": self.participation_met,
            "yes_met": self.yes_met,
            "approved": self.approved,
            "blocked": self.blocked,
            "reason": self.reason,
            "rejected": [{"row": r.row, "unit": r.unit, "reason": r.reason} for r in self.rejected],
            "conflicts": [{"owner": c.owner, "units": c.units, "choices": c.choices} for c in self.conflicts],
            "warnings": self.warnings,
        }


def _pct(value: Fraction, places: int = 2) -> str:
    return f"{Decimal(value.numerator * 100) / Decimal(value.denominator):.{places}f}%"


def owner_key(owners: frozenset[str]) -> str:
    return "+".join(sorted(owners))


def tally(holdings: list[Holding], ballots: list[BallotIn], *, item: int,
          thresholds: Thresholds = LEGAL_MINIMUM) -> Tally:
    if item not in ITEMS:
        raise ValueError("表决事项须为民法典第二百七十八条第 1-9 项 / The item must be 1-9 of art. 278")
    result = Tally(item=item, special=item in SPECIAL_ITEMS, thresholds=thresholds)
    units = {h.unit: h for h in holdings}
    area_of_owner: dict[str, Decimal] = defaultdict(Decimal)
    for h in holdings:
        area_of_owner[owner_key(h.owners)] += h.area
    result.area_total = sum((h.area for h in holdings), Decimal(0))
    result.owners_total = len(area_of_owner)

    chosen: dict[str, tuple[Choice, list[str]]] = {}
    clashing: dict[str, set[Choice]] = defaultdict(set)
    for ballot in ballots:
        holding = units.get(ballot.unit)
        if holding is None:
            result.rejected.append(Rejected(ballot.row, ballot.unit, UNKNOWN_UNIT))
            continue
        if ballot.voter not in holding.owners:
            result.rejected.append(Rejected(ballot.row, ballot.unit, NOT_THE_OWNER))
            continue
        choice = CHOICE_WORDS.get(str(ballot.choice).strip().lower())
        if choice is None:
            result.rejected.append(Rejected(ballot.row, ballot.unit, UNKNOWN_CHOICE))
            continue
        owner = owner_key(holding.owners)
        if owner in chosen:
            previous, seen_units = chosen[owner]
            seen_units.append(ballot.unit)
            if previous == choice:
                result.warnings.append(f"{ballot.unit}: {DUPLICATE}" + (f" (row {ballot.row})" if ballot.row else ""))
            else:
                clashing[owner].update({previous, choice})
            continue
        chosen[owner] = (choice, [ballot.unit])

    for owner, choices in clashing.items():
        result.conflicts.append(Conflict(owner, chosen[owner][1], sorted(c.value for c in choices)))
    for owner, (choice, _) in chosen.items():
        if owner in clashing:
            continue  # counted nowhere until the conflict is resolved
        area = area_of_owner[owner]
        result.area_participating += area
        result.owners_participating += 1
        if choice == Choice.YES:
            result.area_yes += area
            result.owners_yes += 1
        elif choice == Choice.NO:
            result.area_no += area
            result.owners_no += 1
        else:
            result.area_abstain += area
            result.owners_abstain += 1
    return result


# --- committee elections (item 3) ---------------------------------------------------------------
@dataclass
class CandidateResult:
    candidate: str
    tally: Tally
    elected: bool = False
    runoff: bool = False

    @property
    def passed(self) -> bool:
        return self.tally.approved


@dataclass
class Election:
    seats: int
    candidates: list[CandidateResult]

    @property
    def elected(self) -> list[str]:
        return [c.candidate for c in self.candidates if c.elected]

    @property
    def runoff(self) -> list[str]:
        return [c.candidate for c in self.candidates if c.runoff]


def elect(holdings: list[Holding], ballots: list[tuple[BallotIn, frozenset[str]]], candidates: list[str], *,
          seats: int, thresholds: Thresholds = LEGAL_MINIMUM) -> Election:
    """Each candidate is a yes/no question put to the same participants (art. 278 item 3: more than
    half of the participating area and owners, with 2/3 participation); those who pass are ranked
    by owners, then area, and fill the seats. Candidates tied across the last seat go to a run-off."""
    results = []
    for candidate in candidates:
        per_candidate = [BallotIn(b.unit, b.voter, "yes" if candidate in picks else "abstain", b.row)
                         for b, picks in ballots]
        results.append(CandidateResult(candidate, tally(holdings, per_candidate, item=Art278.COMMITTEE, thresholds=thresholds)))
    passing = sorted((c for c in results if c.passed), key=lambda c: (-c.tally.owners_yes, -c.tally.area_yes))

    def rank(c):
        return (c.tally.owners_yes, c.tally.area_yes)

    if len(passing) <= seats:
        for c in passing:
            c.elected = True
    else:
        boundary = rank(passing[seats - 1])
        tied = [c for c in passing if rank(c) == boundary]
        above = [c for c in passing if rank(c) > boundary]
        for c in above:
            c.elected = True
        open_seats = seats - len(above)
        if len(tied) <= open_seats:  # the last seat's holder is not tied with anyone left out
            for c in tied:
                c.elected = True
        else:
            for c in tied:
                c.runoff = True
    return Election(seats=seats, candidates=results)
