"""Civil Code art. 278, counted exactly: every threshold at, just above and just below its line,
for ordinary and special items; developer units, multi-unit owners, co-owned units, abstentions,
undelivered buyers, voting groups smaller than the estate; and the offline `gongzhi tally` CLI."""

import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import Workbook

from gongzhi.votes.tally import (
    DEVELOPER,
    NOT_THE_OWNER,
    THRESHOLDS_TOO_LOW,
    UNKNOWN_CHOICE,
    UNKNOWN_UNIT,
    BallotIn,
    Holding,
    estate_thresholds,
    tally,
)
from tests.helpers import run_command


def units(*areas, owners=None):
    """Units u1, u2, … with the given areas, each its own owner o1, o2, … unless told otherwise."""
    owners = owners or [f"o{i}" for i in range(1, len(areas) + 1)]
    return [Holding(f"u{i}", Decimal(str(a)), frozenset(o if isinstance(o, set) else {o}))
            for i, (a, o) in enumerate(zip(areas, owners, strict=True), start=1)]


def votes(*pairs):
    """Ballots from (unit number, choice), cast by that unit's default owner."""
    return [BallotIn(f"u{n}", f"o{n}", choice) for n, choice in pairs]


# --- participation: at least 2/3 of the area AND of the owners ---------------------------------
def test_participation_exactly_two_thirds_is_enough():
    r = tally(units(100, 100, 100), votes((1, "yes"), (2, "yes")), item=4)
    assert r.participation_area == Fraction(2, 3) and r.participation_owners == Fraction(2, 3)
    assert r.participation_met and r.approved


def test_participation_a_hundredth_of_a_square_metre_short_fails():
    r = tally(units(100, 100, "100.01"), votes((1, "yes"), (2, "yes")), item=4)
    assert r.participation_owners == Fraction(2, 3)
    assert r.participation_area < Fraction(2, 3)
    assert not r.participation_met and not r.approved
    assert "参与" in r.reason


def test_participation_a_hundredth_above_passes():
    r = tally(units(100, "100.01", 100), votes((1, "yes"), (2, "yes")), item=4)
    assert r.participation_area > Fraction(2, 3) and r.participation_met


def test_participation_needs_both_area_and_owners():
    # one big flat takes part: 2/3 of the area but 1 of 3 owners
    r = tally(units(200, 50, 50), votes((1, "yes")), item=4)
    assert r.participation_area == Fraction(2, 3) and r.participation_owners == Fraction(1, 3)
    assert not r.participation_met
    # 5 of 6 owners but the big flat stays away: owners enough, area not
    r = tally(units(500, 10, 10, 10, 10, 10), votes(*[(n, "yes") for n in range(2, 7)]), item=4)
    assert r.participation_owners > Fraction(2, 3) and r.participation_area < Fraction(2, 3)
    assert not r.participation_met


# --- ordinary items: MORE than half of participating area AND owners ---------------------------
def test_ordinary_item_exactly_half_is_not_enough():
    r = tally(units(100, 100, 100, 100), votes((1, "yes"), (2, "yes"), (3, "no"), (4, "no")), item=4)
    assert r.yes_area == Fraction(1, 2) and r.yes_owners == Fraction(1, 2)
    assert r.participation_met and not r.yes_met and not r.approved


def test_ordinary_item_just_above_half_by_area_and_owners_passes():
    r = tally(units("100.01", 100, 100, 100, 100), votes((1, "yes"), (2, "yes"), (3, "yes"), (4, "no"), (5, "no")),
              item=1)
    assert r.yes_owners == Fraction(3, 5) and r.yes_area > Fraction(1, 2)
    assert r.approved


def test_ordinary_item_majority_of_owners_but_exactly_half_the_area_fails():
    r = tally(units(50, 50, 50, 150), votes((1, "yes"), (2, "yes"), (3, "yes"), (4, "no")), item=9)
    assert r.yes_owners == Fraction(3, 4) and r.yes_area == Fraction(1, 2)
    assert not r.yes_met


def test_ordinary_item_area_just_below_half_fails():
    r = tally(units("49.99", 50, 100), votes((1, "yes"), (2, "yes"), (3, "no")), item=5)
    assert r.yes_owners == Fraction(2, 3) and r.yes_area < Fraction(1, 2)
    assert not r.approved


# --- special items 6-8: AT LEAST 3/4 of participating area AND owners -------------------------
@pytest.mark.parametrize("item", [6, 7, 8])
def test_special_item_exactly_three_quarters_passes(item):
    r = tally(units(100, 100, 100, 100), votes((1, "yes"), (2, "yes"), (3, "yes"), (4, "no")), item=item)
    assert r.special and r.yes_area == Fraction(3, 4) and r.yes_owners == Fraction(3, 4)
    assert r.approved


def test_special_item_just_below_three_quarters_by_area_fails():
    r = tally(units(100, 100, 100, "100.01"), votes((1, "yes"), (2, "yes"), (3, "yes"), (4, "no")), item=6)
    assert r.yes_owners == Fraction(3, 4) and r.yes_area < Fraction(3, 4)
    assert not r.approved and "同意" in r.reason


def test_special_item_two_thirds_of_owners_is_not_enough_where_an_ordinary_one_passes():
    ballots = votes((1, "yes"), (2, "yes"), (3, "no"))
    assert tally(units(100, 100, 100), ballots, item=4).approved
    assert not tally(units(100, 100, 100), ballots, item=7).approved


def test_special_item_just_above_three_quarters_passes():
    r = tally(units("100.01", 100, 100, 100), votes((1, "yes"), (2, "yes"), (3, "yes"), (4, "no")), item=8)
    assert r.yes_area > Fraction(3, 4) and r.approved


# --- who counts ------------------------------------------------------------------------------------
def test_abstentions_take_part_but_are_not_yes():
    with_abstention = tally(units(100, 100, 100, 100), votes((1, "yes"), (2, "yes"), (3, "no"), (4, "弃权")), item=4)
    assert with_abstention.owners_participating == 4 and with_abstention.owners_abstain == 1
    assert with_abstention.yes_owners == Fraction(1, 2) and not with_abstention.approved
    without = tally(units(100, 100, 100, 100), votes((1, "yes"), (2, "yes"), (3, "no")), item=4)
    assert without.yes_owners == Fraction(2, 3) and without.approved


def test_developer_units_count_as_one_owner_carrying_all_their_area():
    holdings = units(100, 100, 100, 100, 100, 100, owners=["o1", "o2", DEVELOPER, DEVELOPER, DEVELOPER, "o6"])
    r = tally(holdings, [BallotIn("u3", DEVELOPER, "yes"), BallotIn("u1", "o1", "no")], item=4)
    assert r.owners_total == 4  # o1, o2, the developer, o6
    assert r.area_yes == Decimal(300) and r.owners_yes == 1
    assert r.owners_participating == 2 and r.area_participating == Decimal(400)


def test_an_owner_of_several_units_is_one_owner_and_votes_once_for_all_of_them():
    holdings = units(80, 120, 90, 90, owners=["li", "li", "o3", "o4"])
    r = tally(holdings, [BallotIn("u1", "li", "yes")], item=4)
    assert r.owners_total == 3
    assert r.area_yes == Decimal(200) and r.owners_yes == 1
    same_again = tally(holdings, [BallotIn("u1", "li", "yes"), BallotIn("u2", "li", "同意")], item=4)
    assert same_again.owners_yes == 1 and same_again.area_yes == Decimal(200) and len(same_again.warnings) == 1
    changed_mind = tally(holdings, [BallotIn("u1", "li", "yes"), BallotIn("u2", "li", "no")], item=4)
    assert changed_mind.blocked and not changed_mind.approved
    assert changed_mind.conflicts[0].owner == "li" and changed_mind.conflicts[0].choices == ["no", "yes"]
    assert changed_mind.owners_participating == 0  # not counted either way until resolved


def test_a_co_owned_unit_has_one_vote():
    holdings = units(100, 100, 100, owners=[{"wang", "zhang"}, "o2", "o3"])
    r = tally(holdings, [BallotIn("u1", "zhang", "yes"), BallotIn("u1", "wang", "yes")], item=4)
    assert r.owners_total == 3 and r.owners_yes == 1 and r.area_yes == Decimal(100)
    split = tally(holdings, [BallotIn("u1", "zhang", "yes"), BallotIn("u1", "wang", "no")], item=4)
    assert split.blocked


def test_rejected_ballots_say_why():
    holdings = units(100, 100, 100, owners=["o1", "o2", DEVELOPER])
    r = tally(holdings, [
        BallotIn("u9", "o9", "yes", row=2),         # not in the group
        BallotIn("u1", "neighbour", "yes", row=3),  # not the owner
        BallotIn("u3", "buyer", "yes", row=4),      # bought but not delivered: the developer still owns it
        BallotIn("u2", "o2", "maybe", row=5),       # not a choice
        BallotIn("u1", "o1", "同意", row=6),
    ], item=4)
    assert [(x.row, x.reason) for x in r.rejected] == [
        (2, UNKNOWN_UNIT), (3, NOT_THE_OWNER), (4, NOT_THE_OWNER), (5, UNKNOWN_CHOICE)]
    assert r.owners_yes == 1


def test_a_voting_group_smaller_than_the_estate():
    # a lift repair paid by building 1's owners only: only their units are the group
    group = units(90, 90, 90)
    r = tally(group, votes((1, "yes"), (2, "yes")) + [BallotIn("b2-101", "o99", "no")], item=5)
    assert r.area_total == Decimal(270) and r.owners_total == 3
    assert r.rejected[0].reason == UNKNOWN_UNIT and r.approved


def test_estate_rules_may_raise_thresholds_never_lower_them():
    stricter = estate_thresholds(participation=Fraction(3, 4))
    r = tally(units(100, 100, 100), votes((1, "yes"), (2, "yes")), item=4, thresholds=stricter)
    assert not r.participation_met
    with pytest.raises(ValueError, match=re.escape(THRESHOLDS_TOO_LOW)):
        estate_thresholds(ordinary=Fraction(1, 3))
    with pytest.raises(ValueError):
        estate_thresholds(special=Fraction(2, 3))
    with pytest.raises(ValueError):
        tally(units(100), [], item=10)


def test_nobody_voted():
    r = tally(units(100, 100), [], item=4)
    assert not r.participation_met and not r.yes_met and not r.approved


# --- the CLI -------------------------------------------------------------------------------------
def run_tally(*args) -> tuple[int, str, str]:
    return run_command("tally", *args)


def write_csv(path, rows):
    path.write_text("\n".join(",".join(map(str, r)) for r in rows), encoding="utf-8")
    return str(path)


def test_cli_csv_with_chinese_headers_text_report(tmp_path):
    u = write_csv(tmp_path / "units.csv", [["房号", "面积", "业主"], ["1-101", "88.50", "A"], ["1-102", "88.50", "B"],
                                            ["1-201", "120.00", "DEVELOPER"], ["1-202", "120.00", "DEVELOPER"]])
    b = write_csv(tmp_path / "ballots.csv", [["房号", "投票人", "表决意见"], ["1-101", "A", "同意"],
                                              ["1-201", "DEVELOPER", "同意"], ["1-102", "C", "反对"]])
    code, out, _ = run_tally("--units", u, "--ballots", b, "--item", "4")
    assert code == 0
    assert "通过 / PASSED" in out
    assert "rejected: row 4 1-102" in out


def test_cli_json_from_excel(tmp_path):
    book = Workbook()
    book.active.append(["unit", "area", "owner"])
    for i in range(1, 5):
        book.active.append([f"{i}01", 100, f"o{i}"])
    book.save(tmp_path / "units.xlsx")
    book = Workbook()
    book.active.append(["unit", "voter", "choice"])
    for i, choice in zip(range(1, 5), ["yes", "yes", "yes", "no"], strict=True):
        book.active.append([f"{i}01", f"o{i}", choice])
    book.save(tmp_path / "ballots.xlsx")
    code, out, _ = run_tally("--units", str(tmp_path / "units.xlsx"), "--ballots", str(tmp_path / "ballots.xlsx"),
                             "--item", "6", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["area_total"] == "400" and data["owners_total"] == 4
    assert data["area_participating"] == "400" and data["owners_participating"] == 4
    assert data["area_yes"] == "300" and data["owners_yes"] == 3
    assert data["ratios"]["yes_area"] == {"fraction": "3/4", "percent": "75.0000%"}
    assert data["participation_met"] is True and data["approved"] is True
    assert data["rejected"] == [] and data["conflicts"] == []


def test_cli_conflict_blocks_the_verdict_with_status_3(tmp_path):
    u = write_csv(tmp_path / "u.csv", [["unit", "area", "owner"], ["101", "90", "li"], ["102", "90", "li"],
                                        ["103", "90", "wang"]])
    b = write_csv(tmp_path / "b.csv", [["unit", "voter", "choice"], ["101", "li", "yes"], ["102", "li", "no"],
                                        ["103", "wang", "yes"]])
    code, out, _ = run_tally("--units", u, "--ballots", b, "--item", "4", "--json")
    assert code == 3
    data = json.loads(out)
    assert data["conflicts"] == [{"owner": "li", "units": ["101", "102"], "choices": ["no", "yes"]}]
    assert data["approved"] is False


def test_cli_unreadable_input_is_status_2(tmp_path):
    good = write_csv(tmp_path / "b.csv", [["unit", "voter", "choice"], ["101", "li", "yes"]])
    broken = tmp_path / "units.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    code, _, err = run_tally("--units", str(broken), "--ballots", good, "--item", "4")
    assert code == 2 and "读取" in err
    no_area = write_csv(tmp_path / "u.csv", [["unit", "owner"], ["101", "li"]])
    code, _, err = run_tally("--units", no_area, "--ballots", good, "--item", "4")
    assert code == 2 and "缺少列" in err and "面积" in err
    bad_area = write_csv(tmp_path / "u2.csv", [["unit", "area", "owner"], ["101", "九十", "li"]])
    code, _, err = run_tally("--units", bad_area, "--ballots", good, "--item", "4")
    assert code == 2 and "第 2 行" in err
    code, _, err = run_tally("--units", str(tmp_path / "missing.csv"), "--ballots", good, "--item", "4")
    assert code == 2


# --- committee elections ---------------------------------------------------------------------------
def _election_ballots(picks_by_owner):
    return [(BallotIn(f"u{n}", f"o{n}", "yes"), frozenset(picks)) for n, picks in picks_by_owner.items()]


def test_election_fills_seats_by_votes_among_candidates_past_half():
    from gongzhi.votes.tally import elect

    holdings = units(*[100] * 10)
    ballots = _election_ballots({
        1: "ABC", 2: "ABC", 3: "ABD", 4: "ABD", 5: "ABE", 6: "AB", 7: "A", 8: "",  # 8 took part, chose no one
    })
    result = elect(holdings, ballots, list("ABCDE"), seats=3)
    by_name = {c.candidate: c for c in result.candidates}
    assert by_name["A"].tally.owners_yes == 7 and by_name["B"].tally.owners_yes == 6
    assert by_name["C"].tally.owners_yes == 2 and not by_name["C"].passed  # 2 of 8: not more than half
    assert result.elected == ["A", "B"]  # a seat stays empty: nobody else has more than half
    assert result.runoff == []


def test_election_tie_for_the_last_seat_goes_to_a_runoff():
    from gongzhi.votes.tally import elect

    holdings = units(*[100] * 9)
    ballots = _election_ballots({1: "ABC", 2: "ABC", 3: "ABC", 4: "ABC", 5: "ABCD", 6: "ABD", 7: "ABD",
                                 8: "ABD", 9: "ABDE"})
    result = elect(holdings, ballots, list("ABCDE"), seats=3)
    assert result.elected == ["A", "B"]
    assert sorted(result.runoff) == ["C", "D"]  # 5 owners each, same area: tied across the third seat
    assert not {c.candidate: c for c in result.candidates}["E"].passed
    # one more square metre for C's supporters breaks the tie
    bigger = units(*(["100.01"] + [100] * 8))
    result = elect(bigger, ballots, list("ABCDE"), seats=3)
    assert result.elected == ["A", "B", "C"] and result.runoff == []


def test_election_without_participation_elects_no_one():
    from gongzhi.votes.tally import elect

    result = elect(units(*[100] * 9), _election_ballots({1: "AB", 2: "AB"}), list("AB"), seats=1)
    assert result.elected == [] and result.runoff == []


def test_the_nine_items_of_article_278_have_names_and_the_special_set_is_six_to_eight():
    from gongzhi.votes.tally import CONVENTION_ITEMS, ITEMS, SPECIAL_ITEMS, Art278

    assert [int(i) for i in Art278] == sorted(ITEMS) == list(range(1, 10))
    assert SPECIAL_ITEMS == {6, 7, 8} and Art278.FUND_USE not in SPECIAL_ITEMS
    assert CONVENTION_ITEMS == (2, 9)
