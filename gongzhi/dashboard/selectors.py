"""The dashboard for a place and a period: the sections the apps contribute (core.figures); the monthly
reports kept for the places a viewer's dashboard covers."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.figures import LEVELS, Place, Section, default_place, parse_place, place_get, sections
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.dashboard.models import MonthlyReport
from gongzhi.dashboard.rules import DASHBOARD_ROLES, may_view_dashboard

NO_PLACE = "您的角色没有可查看的地区 / Your roles cover no place with figures"
NOT_FOR_YOU = "数据看板仅供工作人员查看 / The dashboard is for staff"


@dataclass
class Dashboard:
    place: Place
    period: clock.Period
    last_year: clock.Period
    sections: list[Section]

    def as_dict(self) -> dict:
        return {
            "place": {"code": self.place.code, "level": self.place.level, "name": self.place.name},
            "period": {"code": self.period.code, "label": self.period.label, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "last_year": {"code": self.last_year.code, "label": self.last_year.label},
            "sections": [s.as_dict() for s in self.sections],
        }


def period_or_default(code: str | None) -> clock.Period:
    """The period a code names; by default the last complete month (not "the 1st until today")."""
    if not code:
        return clock.last_complete(clock.PeriodKind.MONTH)
    try:
        return clock.parse_period(code)
    except ValueError as exc:
        raise InvalidInput(clock.BAD_PERIOD_CODE, field="period") from exc


def dashboard(*, fetched_by, place: str | None = None, period: str | None = None) -> Dashboard:
    if not may_view_dashboard(fetched_by):
        raise PermissionDenied(NOT_FOR_YOU)
    chosen = period_or_default(period)
    where = place_get(fetched_by, place, DASHBOARD_ROLES) if place else default_place(fetched_by, DASHBOARD_ROLES)
    if where is None:
        raise PermissionDenied(NO_PLACE)
    return Dashboard(where, chosen, chosen.a_year_earlier(),
                     sections(fetched_by=fetched_by, place=where, period=chosen))


# --- kept monthly reports -------------------------------------------------------------------------
def places_covered(user, level: str) -> QuerySet:
    """The estates, communities, subdistricts or districts the user's dashboard covers as a whole."""
    scope = scope_for(user)
    return {"estate": scope.estates, "community": scope.communities, "subdistrict": scope.subdistricts,
            "district": scope.districts}[level](DASHBOARD_ROLES)


def kept_reports(*, fetched_by, place: Place | None = None) -> QuerySet:
    """The monthly reports kept for the places the viewer's dashboard covers (finished ones only),
    newest month first; `place`: that place's only."""
    if not may_view_dashboard(fetched_by):
        return MonthlyReport.objects.none()
    covered = Q()
    for level in LEVELS:
        covered |= Q(level=level, place_pk__in=places_covered(fetched_by, level).values("pk"))
    found = MonthlyReport.objects.filter(covered).exclude(pdf="").exclude(xlsx="")
    if place is not None:
        found = found.filter(level=place.level, place_pk=place.pk)
    return found.order_by("-month", "level", "place_name")


def kept_report_get(*, fetched_by, place: str, month: str) -> MonthlyReport:
    """The kept report of a place ("community:3") and month ("2026-11"): NotFound when there is none, or
    the place is not the viewer's (the same answer), refused for a malformed place or month."""
    level, pk = parse_place(place)
    try:
        period = clock.parse_period(month)
    except ValueError as exc:
        raise InvalidInput(clock.BAD_PERIOD_CODE, field="month") from exc
    if period.kind != clock.PeriodKind.MONTH:
        raise InvalidInput(clock.BAD_PERIOD_CODE, field="month")
    return get_in_scope(kept_reports(fetched_by=fetched_by), level=level, place_pk=pk, month=period.start)
