"""The one clock: local dates and periods, working days (法定节假日 and 调休), deadlines with their
units, administrators' corrections, the calendar CSV, and that nothing else reads the system clock."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gongzhi.core import clock as source
from gongzhi.core.clock import END_OF_DAY, PeriodKind, Term, Unit, at, deadline
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.models import AuditEntry, CalendarDay
from gongzhi.core.roles import Role
from gongzhi.core.services import (
    CALENDAR_BAD_DATE,
    CALENDAR_BAD_KIND,
    CALENDAR_CONFLICT,
    CALENDAR_EMPTY,
    calendar_import,
    calendar_parse,
)
from gongzhi.core.tables import FILE_UNREADABLE
from gongzhi.requests import services as requests
from gongzhi.requests.services.routes import TERM_RANGE, UNIT_EN
from tests.factories import DistrictFactory, user_with_role
from tests.helpers import YIWU, estate

D = datetime.date
SEVEN = Term(7, Unit.WORKING_DAYS)


def first_unknown_year() -> int:
    """The first year `chinesecalendar` has no schedule for (2027 with version 1.11)."""
    year = source.today().year - 1
    while source.library_knows(year):
        year += 1
    return year


@pytest.fixture
def administrator(db):
    """An administrator of a district of its own: the calendar is the deployment's, not a place's."""
    return user_with_role(Role.ADMINISTRATOR, DistrictFactory(), is_staff=True)


def corridor_light(persona):
    return requests.request_submit(persona("wangayi"), requests.Intake(
        estate_id=estate(YIWU).pk, category="lighting", description="楼道灯不亮",
        building_id=estate(YIWU).buildings.get(code="5").pk))


# --- now, today and periods ---------------------------------------------------------------------------
def test_today_is_the_local_date_when_utc_is_still_yesterday(clock):
    clock.set(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC))
    assert source.today() == D(2027, 1, 1)
    assert source.period(PeriodKind.MONTH) == source.Period("month", D(2027, 1, 1), D(2027, 1, 31))
    assert source.last_complete(PeriodKind.MONTH) == source.Period("month", D(2026, 12, 1), D(2026, 12, 31))
    assert source.last_complete(PeriodKind.QUARTER).start == D(2026, 10, 1)
    assert source.period(PeriodKind.YEAR).start == D(2027, 1, 1)
    assert source.stamp(clock.now) == "2027-01-01 00:30"


def test_periods_at_their_edges():
    assert source.period(PeriodKind.MONTH, D(2028, 2, 10)).end == D(2028, 2, 29)
    assert source.period(PeriodKind.QUARTER, D(2026, 12, 31)) == source.Period("quarter", D(2026, 10, 1),
                                                                                 D(2026, 12, 31))
    assert source.last_complete(PeriodKind.QUARTER, D(2026, 1, 5)).start == D(2025, 10, 1)
    assert source.period(PeriodKind.MONTH, D(2026, 12, 2)).to_date(D(2026, 12, 2)).end == D(2026, 12, 2)
    assert source.add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    start, end = source.period(PeriodKind.DAY, D(2026, 12, 1)).bounds
    assert (source.local(start).hour, end - start) == (0, datetime.timedelta(days=1))
    assert source.period(PeriodKind.MONTH, D(2026, 11, 5)).label == "2026年11月"


# --- working days ---------------------------------------------------------------------------------------
def test_a_request_on_the_last_working_day_before_national_day_is_due_after_the_holiday(clock, persona):
    clock.set("2026-09-30 10:00")
    due = deadline(clock.now, SEVEN)
    # 10-01 … 10-07 are National Day; 10-08, 10-09, 10-10 (调休 Saturday), 10-12, 10-13, 10-14, 10-15
    assert (due.at, due.estimated) == (at(D(2026, 10, 15), END_OF_DAY), False)
    req = corridor_light(persona)
    assert (req.resolve_by, req.resolve_unit, req.deadline_estimated) == (due.at, "working_days", False)


def test_make_up_working_days_count_and_weekends_and_holidays_do_not(db):
    assert source.is_working_day(D(2026, 10, 10))  # Saturday, 调休上班
    assert source.is_working_day(D(2026, 9, 20))  # Sunday, 调休上班
    assert not source.is_working_day(D(2026, 10, 5))  # Monday, National Day
    assert not source.is_working_day(D(2026, 10, 11))  # an ordinary Sunday
    friday = at(D(2026, 10, 9), datetime.time(17, 0))
    assert deadline(friday, Term(1, Unit.WORKING_DAYS)).at == at(D(2026, 10, 10), END_OF_DAY)
    assert deadline(friday, Term(2, Unit.WORKING_DAYS)).at == at(D(2026, 10, 12), END_OF_DAY)
    assert source.working_days_between(D(2026, 9, 30), D(2026, 10, 15)) == 7


def test_hours_and_calendar_days_follow_the_civil_code_reading(db):
    start = at(D(2026, 6, 1), datetime.time(15, 20))
    assert deadline(start, Term(24, Unit.HOURS)).at == start + datetime.timedelta(hours=24)
    # a period in days starts the next day and ends at 24:00 of its last day (arts. 201, 203)
    assert deadline(start, Term(15, Unit.DAYS)).at == at(D(2026, 6, 16), END_OF_DAY)


def test_a_deadline_across_a_year_the_calendar_does_not_know_says_so(clock, persona, login, caplog):
    unknown = first_unknown_year()
    clock.set(f"{unknown - 1}-12-28 09:00")
    due = deadline(clock.now, SEVEN)
    assert due.estimated and due.unknown_years == (unknown,)
    assert f"{unknown} 年" in due.warning and "按周末计算" in due.warning
    assert any("estimated by weekends only" in r.getMessage() for r in caplog.records)
    req = corridor_light(persona)
    assert req.deadline_estimated
    api = login("wangayi").get(f"/api/v1/requests/{req.pk}").json()
    assert api["deadline_estimated"] is True and f"{unknown} 年" in api["deadline_warning"]
    page = login("wangayi").get(f"/requests/{req.pk}/").content.decode()
    assert 'data-testid="deadline-warning"' in page and f"{unknown} 年" in page


def test_a_year_inside_the_library_carries_no_warning(clock, db):
    clock.set("2026-06-01 09:00")
    assert not deadline(clock.now, SEVEN).estimated
    assert deadline(clock.now, SEVEN).warning == ""


def test_an_administrators_correction_changes_later_deadlines_not_earlier_ones(clock, persona):
    year = first_unknown_year() + 10  # far enough that no library release will know it
    while D(year, 3, 2).weekday() != 0:  # a year whose 2 March is a Monday
        year += 1
    clock.set(f"{year}-03-02 09:00")  # weekends only until corrected: due Wednesday 11 March
    before = corridor_light(persona)
    assert before.deadline_estimated
    rows = calendar_parse(f"date,kind,name\n{year}-03-05,holiday,演示假日\n{year}-03-06,休息日,演示假日\n".encode())
    assert calendar_import(persona("guanliyuan"), rows=rows) == 2
    assert AuditEntry.objects.filter(action="calendar.day_set").count() >= 2
    after = corridor_light(persona)
    assert after.resolve_by == before.resolve_by + datetime.timedelta(days=2)  # two working days fewer
    assert not after.deadline_estimated  # the year's holidays are now entered
    assert type(before).objects.get(pk=before.pk).resolve_by == before.resolve_by  # already set: unchanged
    # and a make-up working day the other way round
    calendar_import(persona("guanliyuan"), rows=calendar_parse(f"{year}-03-07,workday,调休\n".encode()))
    assert corridor_light(persona).resolve_by == after.resolve_by - datetime.timedelta(days=1)


CALENDAR_WRITES = {
    "service": lambda who, persona, login: calendar_import(
        persona(who), rows=calendar_parse(b"2040-05-01,holiday,\xe5\x8a\xb3\xe5\x8a\xa8\xe8\x8a\x82\n")),
    "api_day": lambda who, persona, login: login(who).post(
        "/api/v1/calendar/days", {"day": "2040-05-01", "kind": "holiday"}, content_type="application/json"),
    "api_import": lambda who, persona, login: login(who).post(
        "/api/v1/calendar/import", {"csv": "2040-05-01,holiday,劳动节"}, content_type="application/json"),
}


@pytest.mark.parametrize("channel", CALENDAR_WRITES)
@pytest.mark.parametrize("who", ["wangayi", "yanshuji", "wuganbu", "sunjiancha"])
def test_only_administrators_change_the_calendar(persona, login, who, channel):
    write = CALENDAR_WRITES[channel]
    if channel == "service":
        with pytest.raises(PermissionDenied):
            write(who, persona, login)
    else:
        assert write(who, persona, login).status_code == 403
    assert not CalendarDay.objects.filter(day=D(2040, 5, 1)).exists()


def test_an_administrator_enters_and_deletes_a_day_and_everyone_reads_it(login):
    ok = login("guanliyuan").post("/api/v1/calendar/days", {"day": "2040-05-01", "kind": "holiday", "name": "劳动节"},
                                  content_type="application/json")
    assert ok.status_code == 200 and CalendarDay.objects.get(day=D(2040, 5, 1)).name == "劳动节"
    year = login("wangayi").get("/api/v1/calendar/years/2040").json()
    assert (year["source"], year["days"][0]["kind"]) == ("administrators", "holiday")
    assert login("wangayi").get("/api/v1/calendar/years/2026").json()["source"] == "chinesecalendar"
    assert login("yanshuji").delete("/api/v1/calendar/days/2040-05-01").status_code == 403
    assert login("guanliyuan").delete("/api/v1/calendar/days/2040-05-02").status_code == 404  # no such day
    assert login("guanliyuan").delete("/api/v1/calendar/days/2040-05-01").status_code == 200
    assert not CalendarDay.objects.filter(day=D(2040, 5, 1)).exists()
    assert Client().get("/api/v1/calendar/years/2040").status_code == 401


# --- the calendar CSV: bad input names its row and changes nothing -------------------------------------
@pytest.mark.parametrize("text, message", [
    ("date,kind,name\n2040-01-01,holiday,元旦\n2040-02-30,holiday,春节\n",
     CALENDAR_BAD_DATE.format(row=3, value="2040-02-30")),
    ("2040-01-01,holiday,元旦\n2040-01-02,vacation,\n", CALENDAR_BAD_KIND.format(row=2, value="vacation")),
    ("2040-10-01,holiday,国庆\n2040-10-08,workday,\n2040-10-01,workday,\n",
     CALENDAR_CONFLICT.format(row=3, day="2040-10-01", first=1)),
    ("", CALENDAR_EMPTY),
    ("2040-01-01", CALENDAR_BAD_KIND.format(row=1, value="")),
])
def test_a_bad_calendar_file_is_refused_naming_the_row(text, message, administrator, tmp_path, client):
    count = CalendarDay.objects.count()
    with pytest.raises(InvalidInput) as refused:
        calendar_import(administrator, rows=calendar_parse(text.encode()))
    assert refused.value.message.startswith(message)
    path = tmp_path / "calendar.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("calendar", "import", str(path))
    client.force_login(administrator)
    api = client.post("/api/v1/calendar/import", {"csv": text or " "}, content_type="application/json")
    assert api.status_code == 400 and message.split("：")[0] in api.json()["detail"]
    assert CalendarDay.objects.count() == count


def test_a_calendar_file_from_excel_in_gbk_imports(db, tmp_path, capsys):
    path = tmp_path / "2040.csv"
    path.write_bytes("日期,类型,名称\n2040-02-11,放假,春节\n2040-02-18,上班,调休\n".encode("gbk"))
    call_command("calendar", "import", str(path))
    assert "2" in capsys.readouterr().out
    assert dict(CalendarDay.objects.filter(day__year=2040).values_list("day", "kind")) == {
        D(2040, 2, 11): "holiday", D(2040, 2, 18): "workday"}


# --- units on the page and in the API -------------------------------------------------------------------
def test_every_shipped_deadline_shows_its_unit_on_the_routing_page_and_in_the_api(login):
    community = estate(YIWU).community_id
    page = login("shequ").get(f"/requests/routing/{community}/").content.decode()
    assert 'value="working_days" selected' in page and 'value="hours" selected' in page
    terms = page.split('data-testid="terms"')[1]
    for label, text in (("吹哨后部门报到", "24 小时"), ("表决公告期", "15 日"), ("维修资金三级联审", "个工作日"),
                        ("派单后接单", "24 小时"), ("办结后诉求人确认", "7 日")):
        assert label in terms and text in terms.split(label)[1].split("</tr>")[0], label
    readonly = login("wuganbu").get(f"/requests/routing/{community}/").content.decode()  # sees, cannot edit
    assert "7 个工作日" in readonly and "<form" not in readonly.split('data-testid="routes"')[1]
    api = login("shequ").get(f"/api/v1/requests/routing/{community}").json()
    lighting = next(r for r in api["routes"] if r["category"] == "lighting")
    assert lighting["resolve"] == {"amount": 7, "unit": "working_days", "text": "7 个工作日"}
    assert next(r for r in api["routes"] if r["category"] == "utilities")["resolve"]["unit"] == "hours"
    keys = {t["key"]: t["unit"] for t in api["terms"]}
    assert keys["requests.summons_report"] == "hours" and keys["finance.fund_review"] == "working_days"
    assert keys["votes.notice"] == "days" and keys["requests.confirm_window"] == "days"
    assert login("shequ").get("/api/v1/calendar/terms").json() == api["terms"]


def test_a_community_sets_a_deadline_in_calendar_days_and_bad_units_are_refused(clock, login, persona):
    community = estate(YIWU).community_id
    url = f"/api/v1/requests/routing/{community}"
    bad = login("shequ").post(url, {"category": "lighting", "handler": "property", "tier": "minor",
                                    "response_amount": 24, "resolve_amount": 61, "resolve_unit": "working_days"},
                              content_type="application/json")
    too_long = TERM_RANGE.format(limit=60, unit=Unit.WORKING_DAYS.label, unit_en=UNIT_EN[Unit.WORKING_DAYS])
    assert bad.status_code == 400 and too_long in bad.json()["detail"]
    ok = login("shequ").post(url, {"category": "lighting", "handler": "property", "tier": "minor",
                                   "response_amount": 12, "resolve_amount": 10, "resolve_unit": "days"},
                             content_type="application/json")
    assert ok.json()["resolve"] == {"amount": 10, "unit": "days", "text": "10 日"}
    clock.set("2026-06-01 15:00")
    req = corridor_light(persona)
    assert (req.respond_by, req.resolve_by, req.resolve_unit) == (
        clock.now + datetime.timedelta(hours=12), at(D(2026, 6, 11), END_OF_DAY), "days")


def test_the_request_page_shows_the_deadline_as_local_time_with_what_is_left(clock, persona, login):
    clock.set("2026-09-30 10:00")
    req = corridor_light(persona)
    page = login("wangayi").get(f"/requests/{req.pk}/").content.decode()
    assert "2026-10-15 23:59" in page and "还剩 7 个工作日" in page
    clock.set("2026-10-13 09:00")
    assert "还剩 2 个工作日" in login("wangayi").get(f"/requests/{req.pk}/").content.decode()
    clock.set("2026-10-18 09:00")  # 2 days and 9 hours past 10-15 24:00
    assert "已超时 2 天" in login("wangayi").get(f"/requests/{req.pk}/").content.decode()


def test_remaining_at_its_edges(db):
    due = at(D(2026, 10, 15), END_OF_DAY)
    assert source.remaining(due, Unit.WORKING_DAYS, at(D(2026, 10, 15), datetime.time(9))) == "今天到期"
    assert source.remaining(due, Unit.HOURS, due - datetime.timedelta(minutes=30)) == "还剩 30 分钟"
    assert source.remaining(due, Unit.HOURS, due + datetime.timedelta(minutes=30)) == "已超时 1 小时"
    assert source.remaining(due, Unit.HOURS, due + datetime.timedelta(hours=23)) == "已超时 23 小时"
    assert source.remaining(due, Unit.WORKING_DAYS, due + datetime.timedelta(days=2)) == "已超时 2 天"
    assert source.remaining(due, Unit.DAYS, at(D(2026, 10, 12), datetime.time(9))) == "还剩 3 天"


# --- periods users expect ---------------------------------------------------------------------------------
def test_metrics_open_on_last_month_beside_this_month_to_date(clock, login):
    clock.set("2026-12-02 08:00")
    page = login("wuganbu").get("/requests/metrics/").content.decode()
    compare = page.split('data-testid="compare"')[1].split("</table>")[0]
    assert "2026年11月" in compare and "2026年12月" in compare and "1—2 日" in compare
    assert 'name="start" value="2026-11-01"' in page and 'name="end" value="2026-11-30"' in page
    yiwu = estate(YIWU)
    api = login("wuganbu").get("/api/v1/requests/metrics", {"place": "estate", "place_id": yiwu.pk}).json()
    assert (api["start"], api["end"]) == ("2026-11-01", "2026-11-30")


def test_the_demo_records_nothing_after_the_moment_it_was_loaded(world):
    from gongzhi.finance.models import FeePayment, Transaction
    from gongzhi.meetings.models import Meeting
    from gongzhi.requests.models import Event, Request

    now, today = source.now(), source.today()
    assert not Transaction.objects.filter(date__gt=today).exists()
    assert not FeePayment.objects.filter(paid_on__gt=today).exists()
    assert not Request.objects.filter(created_at__gt=now).exists()
    assert not Request.objects.filter(resolved_at__gt=now).exists()
    assert not Event.objects.filter(at__gt=now).exists()
    assert not Meeting.objects.filter(closed_at__gt=now).exists()
    assert not AuditEntry.objects.filter(at__gt=now).exists()


# --- nothing else reads the system clock ------------------------------------------------------------------
FORBIDDEN = re.compile(r"\.date\(\)|datetime\.now\(|date\.today\(|utcnow\(|timezone\.(now|localdate|localtime)\b")


def test_no_module_reads_the_clock_but_the_clock_module():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [*root.glob("gongzhi/**/*.py"), *root.glob("tests/**/*.py"), *root.glob("bench/*.py")]:
        if path.name == "clock.py" and path.parent.name == "core" or "migrations" in path.parts:
            continue
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


def test_an_administrator_corrects_a_day_in_the_admin_and_others_cannot(login):
    admin = login("guanliyuan")
    assert admin.get("/admin/core/calendarday/").status_code == 200
    answer = admin.post("/admin/core/calendarday/add/", {"day": "2040-10-01", "kind": "holiday", "name": "国庆节"})
    assert answer.status_code == 302, answer.content.decode()[:500]
    day = CalendarDay.objects.get(day=D(2040, 10, 1))
    assert (day.kind, day.entered_by.username) == ("holiday", "guanliyuan")
    assert AuditEntry.objects.filter(action="calendar.day_set", subject_id=str(day.pk)).exists()
    admin.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert not CalendarDay.objects.filter(day=D(2040, 10, 1)).exists()
    assert AuditEntry.objects.filter(action="calendar.day_delete").exists()
    assert login("yanshuji").get("/admin/core/calendarday/").status_code in (302, 403)


def test_an_action_item_shows_the_days_left_and_then_how_late_it_is(clock, persona, login):
    from gongzhi.meetings import services as meetings
    from tests.helpers import PACIFIC

    clock.set("2026-06-01 10:00")
    chair = persona("zhaozhuren")
    matter = meetings.matter_create(chair, estate_id=estate(PACIFIC).pk, title="外墙渗水", procedure="four_discussions")
    meetings.action_add(chair, matter_id=matter.pk, text="出具维修方案", owner_id=chair.pk, due_on=D(2026, 6, 4))
    page = login("zhaozhuren").get(f"/matters/{matter.pk}/").content.decode()
    assert "2026-06-04" in page and "还剩 3 天" in page
    clock.set("2026-06-06 10:00")  # 1 day and 10 hours after 06-04 24:00
    assert "已超时 1 天" in login("zhaozhuren").get(f"/matters/{matter.pk}/").content.decode()


def test_a_calendar_sheet_from_excel_with_date_cells_imports(persona):
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "类型", "名称"])
    sheet.append([datetime.datetime(2041, 1, 1), "holiday", "元旦"])
    sheet.append([D(2041, 1, 5), "workday", "调休"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = calendar_parse(buffer.getvalue(), "2041.xlsx")
    assert [(r.day, r.kind) for r in rows] == [(D(2041, 1, 1), "holiday"), (D(2041, 1, 5), "workday")]
    with pytest.raises(InvalidInput, match=re.escape(FILE_UNREADABLE)):
        calendar_parse(b"PK\x03\x04 broken", "2041.xlsx")
