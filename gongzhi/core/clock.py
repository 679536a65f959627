"""The one clock: what time it is, what day it is here, periods, working days and deadlines.

Every date a user sees, every "today", every period boundary and every deadline is computed here,
in the configured time zone (settings.TIME_ZONE, Asia/Shanghai). Nothing else reads the system
clock: ruff's banned-api rule (TID251) and tests/core/test_clock.py keep it so.

Deadlines follow the Civil Code's reading of a period (arts. 201 and 203): a period counted in
days starts on the day after the event and ends at 24:00 of its last day (stored as 23:59:59
local). A period in working days (工作日) counts only working days: weekends and statutory
holidays do not count, the make-up working days (调休上班) do. The official schedule comes from
`chinesecalendar`; administrators add or correct days (CalendarDay, `gongzhi calendar import`).
A year that neither knows is counted by weekends only, and the deadline says so (`estimated`).
"""

import contextlib
import datetime
import logging
import re
import time
from dataclasses import dataclass

import chinese_calendar
from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

ONE_DAY = datetime.timedelta(days=1)
END_OF_DAY = datetime.time(23, 59, 59)
# The longest limit is 60 working days (UNIT_LIMITS), under 100 calendar days even with 春节 and 国庆;
# twice this many days bounds the search even when administrators enter long closures.
SEARCH_LIMIT_DAYS = 400

_frozen: datetime.datetime | None = None  # set only by tests and the demo loader (`frozen`)


# --- now and today ----------------------------------------------------------------------------------
def now() -> datetime.datetime:
    """The current instant (aware)."""
    return _frozen if _frozen is not None else timezone.now()


def today() -> datetime.date:
    """Today's date here."""
    return timezone.localdate(now())


def local(when: datetime.datetime | None = None) -> datetime.datetime:
    """An instant in local time (now when not given)."""
    return timezone.localtime(when if when is not None else now())


def local_date(when: datetime.datetime) -> datetime.date:
    """The local date of an instant (never `.date()` of a UTC datetime)."""
    return timezone.localdate(when)


def at(day: datetime.date, time: datetime.time = datetime.time.min) -> datetime.datetime:
    """The aware instant of a local date and wall-clock time."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


def aware(when: datetime.datetime) -> datetime.datetime:
    """A parsed datetime; a naive one is read as local time."""
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants [start 00:00, the day after end 00:00) of a run of local dates."""
    return at(start), at(end + ONE_DAY)


def stamp(when: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as people read it here."""
    return local(when).strftime(fmt) if when is not None else ""


def month_day(when: datetime.datetime | datetime.date) -> str:
    """A local date as people say it: 12月5日 (Dec 5)."""
    day = local(when).date() if isinstance(when, datetime.datetime) else when
    return gettext("%(month)s月%(day)s日") % {"month": day.month, "day": day.day}


def age(since: datetime.datetime, at_: datetime.datetime | None = None) -> str:
    """How long ago an instant was, in its largest whole unit: 3 天, 5 小时, 20 分钟."""
    seconds = max(0, int(((at_ or now()) - since).total_seconds()))
    if seconds >= 86400:
        return gettext("%(n)s 天") % {"n": seconds // 86400}
    if seconds >= 3600:
        return gettext("%(n)s 小时") % {"n": seconds // 3600}
    return gettext("%(n)s 分钟") % {"n": seconds // 60}


@contextlib.contextmanager
def frozen(when: datetime.datetime):
    """Stop the clock at `when` for the block (the demo's backdating; tests use the `clock` fixture)."""
    global _frozen
    before, _frozen = _frozen, aware(when)
    try:
        yield
    finally:
        _frozen = before


def is_frozen() -> bool:
    return _frozen is not None


def set_frozen(when: datetime.datetime | None) -> None:
    """Stop the clock at `when`, or let it run again with None (the test fixture)."""
    global _frozen
    _frozen = aware(when) if when is not None else None


# --- periods ----------------------------------------------------------------------------------------
class PeriodKind(models.TextChoices):
    DAY = "day", _("日")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_bounds(self.start, self.end)

    def previous(self) -> "Period":
        return period(self.kind, containing=self.start - ONE_DAY)

    def to_date(self, day: datetime.date | None = None) -> "Period":
        """The part of the period up to `day` (today): "this month to date"."""
        day = day or today()
        return Period(self.kind, self.start, min(self.end, max(day, self.start)))

    def a_year_earlier(self) -> "Period":
        """The same month, quarter or year one year before (the "same period last year")."""
        return period(self.kind, containing=add_months(self.start, -12))

    @property
    def code(self) -> str:
        """How the period is written in a link or the API: 2026-12, 2026-Q4, 2026 (a day: 2026-12-07)."""
        if self.kind == PeriodKind.YEAR:
            return str(self.start.year)
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return gettext("%(y)s年") % {"y": self.start.year}
        if self.kind == PeriodKind.QUARTER:
            return gettext("%(y)s年第%(q)s季度") % {"y": self.start.year, "q": (self.start.month - 1) // 3 + 1}
        if self.kind == PeriodKind.MONTH:
            return gettext("%(y)s年%(m)s月") % {"y": self.start.year, "m": self.start.month}
        return self.start.isoformat()


def period(kind: str, containing: datetime.date | None = None) -> Period:
    """The day, month, quarter or year that contains the date (today when not given)."""
    day = containing or today()
    if kind == PeriodKind.DAY:
        return Period(kind, day, day)
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
    elif kind == PeriodKind.QUARTER:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif kind == PeriodKind.YEAR:
        start = day.replace(month=1, day=1)
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    return Period(kind, start, add_months(start, months) - ONE_DAY)


BAD_PERIOD_CODE = _("时段应写作 2026-12、2026-Q4 或 2026 / Write the period as 2026-12, 2026-Q4 or 2026")


def parse_period(code: str) -> Period:
    """A month (2026-12), quarter (2026-Q4) or year (2026), between 2000 and 2100; anything else is
    refused with BAD_PERIOD_CODE (a ValueError the callers turn into InvalidInput)."""
    match = re.fullmatch(r"(\d{4})(?:-(?:(\d{2})|[Qq]([1-4])))?", (code or "").strip(), re.ASCII)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise ValueError(BAD_PERIOD_CODE)
    year, month, quarter = int(match[1]), match[2], match[3]
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise ValueError(BAD_PERIOD_CODE)
        return period(PeriodKind.MONTH, datetime.date(year, int(month), 1))
    if quarter is not None:
        return period(PeriodKind.QUARTER, datetime.date(year, int(quarter) * 3 - 2, 1))
    return period(PeriodKind.YEAR, datetime.date(year, 1, 1))


def last_complete(kind: str, day: datetime.date | None = None) -> Period:
    """The last period of this kind that has ended (last month, last quarter)."""
    return period(kind, containing=day).previous()


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - ONE_DAY).day
    return datetime.date(year, month, min(day.day, last))


# --- working days -----------------------------------------------------------------------------------
class DayKind(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    HOLIDAY = "holiday", _("休息日")


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    """Administrators' days between start and end: date → is it a working day."""
    rows = _calendar_days().objects.filter(day__gte=start, day__lte=end).values_list("day", "kind")
    return {day: kind == DayKind.WORKDAY for day, kind in rows}


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


# covered() is asked once per row of a request list (each row's deadline warning): its answer for a year the
# library does not know is kept for a minute. A calendar write in this process forgets it at once (the
# signal in core.apps); another app server follows within COVERED_MEMO_SECONDS.
COVERED_MEMO_SECONDS = 60
_covered_memo: dict[int, tuple[bool, float]] = {}


def covered(year: int) -> bool:
    """Whether the official schedule of `year` is known: to the library, or because an administrator
    has entered that year's holidays."""
    if library_knows(year):
        return True
    kept = _covered_memo.get(year)
    if kept is not None and kept[1] > time.monotonic():
        return kept[0]
    answer = _calendar_days().objects.filter(day__year=year, kind=DayKind.HOLIDAY).exists()
    _covered_memo[year] = (answer, time.monotonic() + COVERED_MEMO_SECONDS)
    return answer


def forget_covered(**_) -> None:
    """Drop the kept answers of covered() and of remaining()'s working-day counts (after administrators'
    days change; between tests)."""
    _covered_memo.clear()
    _days_left_memo.clear()


# remaining() is asked once per row of a list (each row's 还剩 N 个工作日): the count between two dates is kept
# like covered()'s answer (a minute; forgotten at a calendar write in this process), so a page of rows reads
# the calendar once per distinct due date a minute, not once per row. Deadlines themselves are never memoised.
_days_left_memo: dict[tuple[datetime.date, datetime.date], tuple[int, float]] = {}
DAYS_LEFT_MEMO_SIZE = 4096


def _working_days_left(start: datetime.date, end: datetime.date) -> int:
    kept = _days_left_memo.get((start, end))
    if kept is not None and kept[1] > time.monotonic():
        return kept[0]
    if len(_days_left_memo) >= DAYS_LEFT_MEMO_SIZE:
        _days_left_memo.clear()
    answer = working_days_between(start, end)
    _days_left_memo[(start, end)] = (answer, time.monotonic() + COVERED_MEMO_SECONDS)
    return answer


class _Calendar:
    """Working-day look-ups over a range, with the administrators' days read once."""

    def __init__(self, start: datetime.date, end: datetime.date):
        self.overrides = _overrides(start, end)
        self.unknown_years: set[int] = set()
        self._covered: dict[int, bool] = {}

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._covered:
                self._covered[day.year] = covered(day.year)
            if not self._covered[day.year]:
                self.unknown_years.add(day.year)
            return day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    return _Calendar(day, day).is_working_day(day)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    calendar = _Calendar(start, end)
    return sum(calendar.is_working_day(start + ONE_DAY * i) for i in range(1, (end - start).days + 1))


# --- deadlines --------------------------------------------------------------------------------------
class Unit(models.TextChoices):
    HOURS = "hours", _("小时")
    DAYS = "days", _("自然日")
    WORKING_DAYS = "working_days", _("工作日")


UNIT_LIMITS = {Unit.HOURS: 2160, Unit.DAYS: 90, Unit.WORKING_DAYS: 60}


@dataclass(frozen=True)
class Term:
    """A time limit: an amount and its unit (24 hours, 7 working days, 15 days)."""

    amount: int
    unit: str = Unit.HOURS

    def __str__(self) -> str:
        if self.unit == Unit.WORKING_DAYS:
            return gettext("%(n)s 个工作日") % {"n": self.amount}
        if self.unit == Unit.DAYS:
            return gettext("%(n)s 日") % {"n": self.amount}
        return gettext("%(n)s 小时") % {"n": self.amount}


@dataclass(frozen=True)
class Deadline:
    at: datetime.datetime
    term: Term
    estimated: bool = False  # a working-day count through a year whose holidays are not known
    unknown_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str:
        return estimated_warning(self.unknown_years) if self.estimated else ""


def estimated_warning(years) -> str:
    """The warning a working-day deadline carries when it crosses a year whose holidays are not known."""
    listed = "、".join(str(y) for y in years)
    return gettext("尚未录入 %(years)s 年的法定节假日安排，该时限暂按周末计算，可能有误") % {"years": listed}


def deadline(start: datetime.datetime, term: Term) -> Deadline:
    """When a time limit that starts at `start` runs out."""
    if term.unit == Unit.HOURS:
        return Deadline(start + datetime.timedelta(hours=term.amount), term)
    first = local_date(start)
    if term.unit == Unit.DAYS:
        return Deadline(at(first + ONE_DAY * term.amount, END_OF_DAY), term)
    calendar = _Calendar(first, first + ONE_DAY * SEARCH_LIMIT_DAYS * 2)  # a few dozen rows at most
    day, counted = first, 0
    while counted < term.amount:
        day += ONE_DAY
        if (day - first).days > SEARCH_LIMIT_DAYS * 2:
            raise ValueError(f"no {term.amount} working days within {SEARCH_LIMIT_DAYS * 2} days of {first}")
        counted += calendar.is_working_day(day)
    result = Deadline(at(day, END_OF_DAY), term, bool(calendar.unknown_years), tuple(sorted(calendar.unknown_years)))
    if result.estimated:
        log.warning("working-day deadline from %s (%s) estimated by weekends only: no holidays known for %s",
                    start.isoformat(), term, result.unknown_years)
    return result


def remaining(due: datetime.datetime, unit: str = Unit.HOURS, at_: datetime.datetime | None = None) -> str:
    """How long until a deadline, or how long past it: 还剩 3 个工作日 / 已超时 2 天."""
    moment = at_ or now()
    if moment > due:
        days = int((moment - due).total_seconds() // 86400)
        if days >= 1:
            return gettext("已超时 %(n)s 天") % {"n": days}
        hours = max(1, int((moment - due).total_seconds() // 3600))
        return gettext("已超时 %(n)s 小时") % {"n": hours}
    if unit == Unit.WORKING_DAYS:
        n = _working_days_left(local_date(moment), local_date(due))
        return gettext("还剩 %(n)s 个工作日") % {"n": n} if n else gettext("今天到期")
    if unit == Unit.DAYS:
        n = (local_date(due) - local_date(moment)).days
        return gettext("还剩 %(n)s 天") % {"n": n} if n else gettext("今天到期")
    hours = int((due - moment).total_seconds() // 3600)
    if hours >= 1:
        return gettext("还剩 %(n)s 小时") % {"n": hours}
    return gettext("还剩 %(n)s 分钟") % {"n": max(0, int((due - moment).total_seconds() // 60))}


# --- the shipped time limits, each with its unit -----------------------------------------------------
_terms: dict[str, tuple[str, object]] = {}


def register_term(key: str, label, term) -> None:
    """An app declares one of its time limits (in its AppConfig.ready), so the routing page and the
    API can show every deadline with its unit. `term` is a Term or a callable giving one (settings)."""
    _terms[key] = (label, term)


def terms() -> list[dict]:
    """Every registered time limit: key, label, amount, unit and its label."""
    rows = []
    for key, (label, term) in sorted(_terms.items()):
        value = term() if callable(term) else term
        rows.append({"key": key, "label": str(label), "amount": value.amount, "unit": value.unit,
                     "unit_label": str(Unit(value.unit).label), "text": str(value)})
    return rows


def _calendar_days():
    """The administrators' calendar rows (core.CalendarDay). Looked up through the app registry: the
    models import the clock for their defaults, so the clock may not import them back."""
    return apps.get_model("core", "CalendarDay")
