"""The dashboard: every figure equals a count of the records its link lists, at every level and for a
month, quarter and year; the same period last year is counted on local days across the year boundary;
nobody sees a place their roles do not cover; residents and building heads have none."""

import datetime
import re
from decimal import Decimal

import pytest

from gongzhi.core import clock as clock_module
from gongzhi.core.figures import BAD_PLACE
from gongzhi.dashboard.selectors import NOT_FOR_YOU, dashboard
from gongzhi.requests import services as requests
from gongzhi.requests.models import Request
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
TOTAL = re.compile(r'data-testid="total">([\d,]+)<')
MONEY_TOTAL = re.compile(r'data-testid="records-total">(-?[\d,]+\.\d\d)<')  # a 元 figure's records page


def linked_figures(board):
    return [(s.key, f) for s in board.sections for f in s.figures if f.link]


def listed(client, link: str) -> int:
    page = client.get(link)
    assert page.status_code == 200, link
    html = page.content.decode()
    total = TOTAL.search(html)
    if total is None and (money := MONEY_TOTAL.search(html)):
        return Decimal(money[1].replace(",", ""))
    assert total, f"{link} shows no total"
    return int(total[1].replace(",", ""))


def periods():
    """This month, quarter and year, and last year (which holds the demo's requests even in the first
    minutes of a new year, when CI's faketime pass runs)."""
    today = clock_module.today()
    month = clock_module.period("month", today)
    return [month.code, clock_module.period("quarter", today).code, str(today.year), str(today.year - 1)]


@pytest.mark.parametrize("username, place", [
    ("wuganbu", "subdistrict"), ("wuganbu", "community"), ("wuganbu", "estate"), ("yanshuji", "community"),
    ("guanliyuan", "district")])
def test_every_linked_figure_equals_the_records_it_links_to(login, persona, username, place):
    user = persona(username)
    yiwu = estate(YIWU)
    code = {"estate": f"estate:{yiwu.pk}", "community": f"community:{yiwu.community_id}",
            "subdistrict": f"subdistrict:{yiwu.community.subdistrict_id}",
            "district": f"district:{yiwu.community.subdistrict.district_id}"}[place]
    client = login(username)
    checked, received = 0, 0
    for period in periods():
        board = dashboard(fetched_by=user, place=code, period=period)
        figures = linked_figures(board)
        assert figures, "the dashboard links its figures to their records"
        for section, figure in figures:
            assert f"place={code.replace(':', '%3A')}" in figure.link
            if figure.unit == "%":  # a rate links to the records it is taken over (the bills): they open
                assert client.get(figure.link).status_code == 200, figure.link
                continue
            assert listed(client, figure.link) == figure.value, (period, section, figure.key)
            checked += 1
            received += figure.value if figure.key == "received" else 0
    assert received > 0, "the demo has requests in these periods"
    assert checked >= 3 * 5


def test_the_same_period_last_year_is_counted_on_local_days_across_the_new_year(clock, persona):
    """Requests filed at 23:30 on 31 December and 00:30 on 1 January (Shanghai) belong to different
    years, although both are 31 December in UTC."""
    yiwu = estate(YIWU)
    officer = persona("wuganbu")
    code = f"estate:{yiwu.pk}"
    before_2026 = dashboard(fetched_by=officer, place=code, period="2026")
    before_2025 = dashboard(fetched_by=officer, place=code, period="2025")

    def file(at):
        clock.set(at)
        return requests.request_submit(persona("wangayi"), requests.Intake(
            estate_id=yiwu.pk, category="lighting", description="楼道灯不亮"))

    file("2025-12-31 23:30")
    file("2026-01-01 00:30")
    file("2026-01-01 00:40")
    after_2026 = dashboard(fetched_by=officer, place=code, period="2026")
    after_2025 = dashboard(fetched_by=officer, place=code, period="2025")

    def received(board):
        return next(f for s in board.sections for f in s.figures if f.key == "received")

    assert received(after_2026).value == received(before_2026).value + 2
    assert received(after_2025).value == received(before_2025).value + 1
    assert received(after_2026).last_year == received(after_2025).value  # 2026 beside 2025
    january = dashboard(fetched_by=officer, place=code, period="2026-01")
    assert received(january).value == Request.objects.filter(
        estate=yiwu, created_at__gte=clock_module.at(datetime.date(2026, 1, 1)),
        created_at__lt=clock_module.at(datetime.date(2026, 2, 1))).count()


def test_a_community_secretary_sees_her_community_and_nothing_beside_it(login, persona):
    yan = persona("yanshuji")
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    mine = dashboard(fetched_by=yan, period=periods()[2])
    assert mine.place.level == "community"
    assert all(f"place=community%3A{mine.place.pk}" in f.link for _s, f in linked_figures(mine))
    client = login("yanshuji")
    foreign = [f"subdistrict:{yiwu.community.subdistrict_id}", f"district:{yiwu.community.subdistrict.district_id}"]
    foreign += [f"community:{e.community_id}" for e in (yiwu, pacific) if e.community_id != mine.place.pk]
    foreign += [f"estate:{e.pk}" for e in (yiwu, pacific) if e.community_id != mine.place.pk]
    for code in foreign:
        assert client.get("/dashboard/", {"place": code}).status_code == 404, code
        assert client.get("/api/v1/dashboard", {"place": code}).status_code == 404, code
    missing = client.get("/api/v1/dashboard", {"place": "community:99999999"})
    assert missing.status_code == 404


@pytest.mark.parametrize("username", ["wangayi", "lixiansheng", "chen"])
def test_residents_and_building_heads_have_no_dashboard(login, username):
    client = login(username)
    assert client.get("/dashboard/").status_code == 403
    answer = client.get("/api/v1/dashboard")
    assert answer.status_code == 403 and answer.json()["detail"] == NOT_FOR_YOU
    assert 'data-testid="nav-dashboard"' not in client.get("/").content.decode()


def test_the_page_and_the_api_show_the_same_figures(login, persona):
    client = login("wuganbu")
    period = periods()[2]
    api = client.get("/api/v1/dashboard", {"period": period}).json()
    page = client.get("/dashboard/", {"period": period}).content.decode()
    assert api["period"]["code"] == period and api["place"]["level"] == "subdistrict"
    requests_section = next(s for s in api["sections"] if s["key"] == "requests")
    received = next(f for f in requests_section["figures"] if f["key"] == "received")
    assert f'data-testid="figure-requests-received">{received["value"]:,}<' in page
    assert 'id="dashboard-data"' in page and "echarts.common.min.js" in page
    assert 'data-testid="nav-dashboard"' in client.get("/").content.decode()
    screen = client.get("/dashboard/", {"period": period, "screen": "1"}).content.decode()
    assert 'http-equiv="refresh"' in screen and "screen" in re.search(r"<body class=\"([^\"]*)\"", screen)[1]


@pytest.mark.parametrize("period, ok", [
    ("2026-12", True), ("2026-Q4", True), ("2026-q1", True), ("2026", True), ("2026-13", False), ("2026-00", False),
    ("2026-Q5", False), ("1999", False), ("2026-1", False), ("26-12", False), ("２０２６", False), ("", True)])
def test_periods_are_a_month_a_quarter_or_a_year(login, period, ok):
    answer = login("wuganbu").get("/api/v1/dashboard", {"period": period})
    assert answer.status_code == (200 if ok else 400), period
    if not ok:
        assert answer.json()["detail"] == str(clock_module.BAD_PERIOD_CODE)


def test_the_default_period_is_last_month_not_the_first_until_today(login, clock):
    clock.set("2026-03-01 08:00")
    assert login("wuganbu").get("/api/v1/dashboard").json()["period"]["code"] == "2026-02"
    clock.set("2027-01-01 00:30")
    assert login("wuganbu").get("/api/v1/dashboard").json()["period"]["code"] == "2026-12"


@pytest.mark.parametrize("place", ["estate", "estate:", "estate:x", "town:1", "estate:３", ":1"])
def test_a_malformed_place_is_refused(login, place):
    answer = login("wuganbu").get("/api/v1/dashboard", {"place": place})
    assert answer.status_code == 400 and answer.json()["detail"] == str(BAD_PLACE)


def test_coverage_names_the_estates_without_a_body_and_the_one_shoulder_estates(persona):
    """The listing equals a direct reading of the register; 太平洋花园's chair 赵 is also its branch
    secretary (一肩挑), so it is listed; an estate whose only committee is dissolved becomes uncovered."""
    from gongzhi.bodies.choices import AUTONOMOUS_KINDS
    from gongzhi.bodies.models import Organisation
    from gongzhi.places.models import Estate

    pacific = estate(PACIFIC)
    code = f"subdistrict:{pacific.community.subdistrict_id}"
    officer = persona("wuganbu")

    def bodies():
        board = dashboard(fetched_by=officer, place=code, period=periods()[0])
        return next(s for s in board.sections if s.key == "bodies")

    section = bodies()
    listings = {listing.key: [label for label, _link in listing.rows] for listing in section.listings}
    estates = Estate.objects.filter(community__subdistrict_id=pacific.community.subdistrict_id)
    covered = set(Organisation.objects.filter(estate__in=estates, kind__in=AUTONOMOUS_KINDS, active=True)
                  .values_list("estate_id", flat=True))
    assert sorted(listings["without"]) == sorted(e.name for e in estates if e.pk not in covered)
    assert PACIFIC in listings["one_shoulder"]
    figures = {f.key: f for f in section.figures}
    assert figures["without"].value == len(listings["without"])
    Organisation.objects.filter(estate=pacific, kind__in=AUTONOMOUS_KINDS).update(active=False)
    assert PACIFIC in [label for label, _link in next(li for li in bodies().listings if li.key == "without").rows]
