"""The votes list and a vote's turnout by building download as Excel: the list's rows for its filters with
the published results (live turnout only for the vote's organisers), the turnout building by building
from the votes' own count (its areas add up to the vote's) — never who voted what."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gongzhi.votes import selectors, services
from gongzhi.votes.models import RollEntry, Vote, VoteStatus
from tests.helpers import PACIFIC, estate

pytestmark = pytest.mark.usefixtures("world")
DAY = datetime.timedelta(days=1)
VOTE_HEADERS = ("小区", "表决事项", "类型", "投票方式", "开始", "截止", "状态", "应参与户数", "已投票户数", "参与率(户)",
                "面积参与率", "结果")
TURNOUT_HEADERS = ("楼栋", "应投户数", "已投户数", "参与率", "专有面积合计(m²)", "已投面积(m²)", "面积参与率")
CHOICE_WORDS = {"同意", "反对", "弃权", "yes", "no", "abstain"}


def sheet(response):
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.values)
    return rows[0], rows[1:]


def area(cell) -> Decimal:
    """An area cell (m², a number in the sheet) as the count's Decimal."""
    return Decimal(str(cell)).quantize(Decimal("0.01"))


def by_title(rows) -> dict[str, dict]:
    return {r[1]: dict(zip(VOTE_HEADERS, r, strict=True)) for r in rows}


@pytest.fixture
def secret_vote(persona, clock):
    """A secret vote of 太平洋花园, open, with three owners' ballots in (two 反对, one 同意)."""
    vote = services.vote_create(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, title="增设电动车充电桩",
                                item=8, opens_at=clock.now + 15 * DAY, closes_at=clock.now + 25 * DAY, secret=True)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    for username, choice in (("lixiansheng", "no"), ("chen", "no"), ("weiyuan", "yes")):
        services.ballot_cast(persona(username), vote_id=vote.pk, choice=choice)
    return vote


def test_the_votes_list_exports_its_rows_with_the_published_results(login, secret_vote):
    client = login("zhaozhuren")
    head, rows = sheet(client.get("/votes/export.xlsx"))
    assert head == VOTE_HEADERS
    votes = Vote.objects.filter(estate__name=PACIFIC).order_by("-opens_at", "-id")
    assert [r[1] for r in rows] == list(votes.values_list("title", flat=True))
    shown = by_title(rows)
    for closed in votes.filter(status=VoteStatus.CLOSED):
        row, result = shown[closed.title], closed.result
        assert (row["应参与户数"], row["已投票户数"]) == (result["owners_total"], result["owners_participating"])
        assert row["参与率(户)"] == result["ratios"]["participation_owners"]["percent"]
        assert row["面积参与率"] == result["ratios"]["participation_area"]["percent"]
        assert row["结果"] == ("通过" if closed.passed else "未通过") and row["状态"] == "已结束"
    live = selectors.vote_tally(secret_vote)
    row = shown["增设电动车充电桩"]
    assert (row["应参与户数"], row["已投票户数"]) == (live.owners_total, 3)
    assert row["状态"] == "投票中" and row["投票方式"] == "不记名" and row["结果"] is None
    assert row["类型"].startswith("第8项") and row["开始"] == f"{secret_vote.opens_at.astimezone(_LOCAL):%Y-%m-%d %H:%M}"


_LOCAL = datetime.timezone(datetime.timedelta(hours=8))


def test_the_list_s_filters_carry_over(login):
    client = login("yanshuji")
    html = client.get("/votes/", {"status": "closed"}).content.decode()
    assert 'href="/votes/export.xlsx?status=closed"' in html
    _head, rows = sheet(client.get("/votes/export.xlsx", {"status": "closed"}))
    closed = Vote.objects.filter(status=VoteStatus.CLOSED)
    assert sorted(r[1] for r in rows) == sorted(closed.values_list("title", flat=True)) and len(rows) == 2
    passed = sheet(client.get("/votes/export.xlsx", {"status": "closed", "passed": "1"}))[1]
    assert [r[1] for r in passed] == [v.title for v in closed.order_by("-opens_at", "-id") if v.passed]


def test_live_turnout_only_for_the_vote_s_organisers(login, secret_vote):
    for username, organiser in (("zhaozhuren", True), ("yanshuji", True), ("wuganbu", False), ("chen", False)):
        row = by_title(sheet(login(username).get("/votes/export.xlsx"))[1])["增设电动车充电桩"]
        assert (row["已投票户数"] == 3) is organiser
        assert organiser or row["应参与户数"] is row["参与率(户)"] is row["面积参与率"] is None


def test_turnout_by_building_adds_up_to_the_vote_s_count(login, secret_vote):
    client = login("zhaozhuren")
    page = client.get(f"/votes/{secret_vote.pk}/").content.decode()
    assert f'href="/votes/{secret_vote.pk}/turnout.xlsx"' in page
    head, rows = sheet(client.get(f"/votes/{secret_vote.pk}/turnout.xlsx"))
    assert head == TURNOUT_HEADERS
    *buildings, total = rows
    codes = sorted(set(RollEntry.objects.filter(vote=secret_vote).values_list("unit__building__code", flat=True)),
                   key=int)
    assert [r[0] for r in buildings] == [f"{c}号楼" for c in codes] and total[0] == "合计"
    live = selectors.vote_tally(secret_vote)
    assert total[1:3] == (live.owners_total, live.owners_participating) and live.owners_participating == 3
    assert sum(area(r[4]) for r in buildings) == area(total[4]) == live.area_total > 0
    assert sum(area(r[5]) for r in buildings) == area(total[5]) == live.area_participating > 0
    voted = {r[0]: r[2] for r in buildings}
    # 李先生 (flats in 2 and 6) counts in both buildings, 陈 in 3, the committee member in 4
    assert (voted["2号楼"], voted["3号楼"], voted["4号楼"], voted["6号楼"], voted["1号楼"]) == (1, 1, 1, 1, 0)
    entries = RollEntry.objects.filter(vote=secret_vote, unit__building__code="3")
    assert buildings[codes.index("3")][1] == len(set(entries.values_list("owner_key", flat=True)))


def test_no_export_tells_who_voted_what(login, secret_vote, persona):
    client = login("zhaozhuren")
    cells = set()
    for url in ("/votes/export.xlsx", f"/votes/{secret_vote.pk}/turnout.xlsx"):
        head, rows = sheet(client.get(url))
        cells |= {str(c) for row in [head, *rows] for c in row if c is not None}
    assert not cells & CHOICE_WORDS
    voters = {persona(u).get_full_name() for u in ("lixiansheng", "chen", "weiyuan")} | {"2-1-301", "3-1-201"}
    assert not {c for c in cells if any(v in c for v in voters)}


@pytest.mark.parametrize("username, listed, turnout", [
    ("zhaozhuren", 200, 200),  # the committee's chair organises it
    ("yanshuji", 200, 200),  # the community organises too
    ("wuganbu", 200, 403),  # the subdistrict: the list, not the building turnout
    ("chen", 200, 403),  # a building head collects ballots; the per-building turnout is the organisers'
    ("wangjingli", 200, 403),  # the estate's property company
    ("lixiansheng", 403, 403),  # an owner
    ("zhangjingli", 200, 404),  # another estate's staff: the vote is not theirs to see
    ("lijing", 200, 404),  # another community's secretary
])
def test_permission_grid(login, secret_vote, username, listed, turnout):
    client = login(username)
    assert client.get("/votes/export.xlsx").status_code == listed
    assert ('data-testid="export"' in client.get("/votes/").content.decode()) is (listed == 200)
    assert client.get(f"/votes/{secret_vote.pk}/turnout.xlsx").status_code == turnout
    if turnout == 403 and username != "lixiansheng":
        page = client.get(f"/votes/{secret_vote.pk}/").content.decode()
        assert 'data-testid="turnout-export"' not in page


def test_another_estate_s_staff_export_none_of_its_votes(login):
    for username in ("zhangjingli", "lijing"):
        _head, rows = sheet(login(username).get("/votes/export.xlsx"))
        assert not [r for r in rows if r[0] == PACIFIC]
