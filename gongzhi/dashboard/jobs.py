"""The monthly reports' scheduled run (the `monthly_reports` command, from cron daily): last month's
report of every district, subdistrict and community the runner's roles cover that has none yet. Run any
day: on the 1st it makes them; later in the month, or a second time, or on a second machine at the same
moment, it makes only what is missing (services.report_keep claims each report once)."""

import datetime
from dataclasses import dataclass, field

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError
from gongzhi.dashboard.models import MonthlyReport
from gongzhi.dashboard.selectors import places_covered
from gongzhi.dashboard.services import report_keep

# The levels a report is made for on schedule (an estate's is made on request).
SCHEDULED_LEVELS = ("district", "subdistrict", "community")


@dataclass
class RunResult:
    month: str
    made: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def places_to_report(actor) -> list[tuple[str, object]]:
    found = []
    for level in SCHEDULED_LEVELS:
        found += [(level, place) for place in places_covered(actor, level).order_by("pk")]
    return found


def scheduled_monthly_reports() -> RunResult | str:
    """The scheduler's daily run, as GONGZHI_SCHEDULE_AS."""
    from gongzhi.core.schedule import NOT_CONFIGURED, acting_user

    actor = acting_user()
    return monthly_reports(actor) if actor is not None else NOT_CONFIGURED


def monthly_reports(actor, today: datetime.date | None = None) -> RunResult:
    month = clock.last_complete(clock.PeriodKind.MONTH, today or clock.today())
    result = RunResult(month.code)
    kept = set(MonthlyReport.objects.filter(month=month.start).exclude(pdf="").values_list("level", "place_pk"))
    for level, place in places_to_report(actor):
        if (level, place.pk) in kept:
            continue
        try:
            if report_keep(actor, place=f"{level}:{place.pk}", month=month.code) is not None:
                result.made.append(place.name)
        except GongzhiError as exc:
            result.errors.append(f"{place.name}: {exc.message}")
    return result
