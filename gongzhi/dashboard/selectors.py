"""The dashboard for a place and a period: the sections the apps contribute (core.figures)."""

from dataclasses import dataclass

from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.figures import Place, Section, default_place, place_get, sections
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
