"""The routing table: which category goes first to whom, at which tier, with which deadlines.

Shipped defaults follow common 12345 hotline practice: an emergency threatening life or property
is answered within 2 hours; water, power, gas and heating are resolved within 24 hours; general
problems within 7 working days; complex ones (大事难事) within 15 working days. Every limit carries
its unit (core.clock.Term). A community may override any row (models.Route); `route_for` gives the
row in force and `deadlines_for` the one computation of a request's two deadlines.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings

from gongzhi.core import clock
from gongzhi.core.clock import Deadline, Term, Unit
from gongzhi.requests.choices import Category, Handler, Tier
from gongzhi.requests.models import Route, RouteRow

EMERGENCY_RESPONSE = Term(2, Unit.HOURS)
GENERAL_RESPONSE = Term(24, Unit.HOURS)
UTILITIES_RESOLVE = Term(24, Unit.HOURS)
GENERAL_RESOLVE = Term(7, Unit.WORKING_DAYS)
COMPLEX_RESOLVE = Term(15, Unit.WORKING_DAYS)


def escalation_response_term() -> Term:
    """How soon each level up must answer (settings, in hours)."""
    return Term(settings.GONGZHI_ESCALATION_RESPONSE_HOURS, Unit.HOURS)


def summons_report_term() -> Term:
    """吹哨 → 报到 (settings, in hours)."""
    return Term(settings.GONGZHI_SUMMONS_REPORT_HOURS, Unit.HOURS)


def order_accept_term() -> Term:
    """派单 → 接单, else the order goes back (settings, in hours)."""
    return Term(settings.GONGZHI_ORDER_ACCEPT_HOURS, Unit.HOURS)


def confirm_window_term() -> Term:
    """The requester's window to confirm or reopen, in calendar days counted from the resolution
    instant (7 × 24 h): the seeds state it in days, and it closes by itself."""
    return Term(settings.GONGZHI_REQUEST_CONFIRM_DAYS, Unit.DAYS)


def _row(category, handler, tier, resolve=GENERAL_RESOLVE, response=GENERAL_RESPONSE):
    return RouteRow(category, handler, tier, response, resolve)


DEFAULT_ROUTES: dict[str, RouteRow] = {
    r.category: r
    for r in (
        _row(Category.CLEANING, Handler.PROPERTY, Tier.MINOR),
        _row(Category.LIGHTING, Handler.PROPERTY, Tier.MINOR),
        _row(Category.MINOR_REPAIR, Handler.PROPERTY, Tier.MINOR),
        _row(Category.LIFT, Handler.PROPERTY, Tier.MINOR),
        _row(Category.PIPES, Handler.PROPERTY, Tier.MINOR),
        _row(Category.UTILITIES, Handler.PROPERTY, Tier.MINOR, UTILITIES_RESOLVE),  # water, power, gas, heating
        _row(Category.ROADS, Handler.COUNCIL, Tier.MAJOR, COMPLEX_RESOLVE),
        _row(Category.FLYING_WIRE, Handler.PROPERTY, Tier.MINOR),
        _row(Category.PARKING, Handler.COUNCIL, Tier.MAJOR, COMPLEX_RESOLVE),
        _row(Category.NOISE, Handler.BUILDING_HEAD, Tier.MINOR),
        _row(Category.NEIGHBOUR_DISPUTE, Handler.BUILDING_HEAD, Tier.MINOR),
        _row(Category.HIGH_THROW, Handler.COMMUNITY, Tier.MAJOR, COMPLEX_RESOLVE),
        _row(Category.GREENERY, Handler.PROPERTY, Tier.MINOR),
        _row(Category.SECURITY, Handler.PROPERTY, Tier.MINOR),
        _row(Category.RENOVATION, Handler.PROPERTY, Tier.MINOR),
        _row(Category.POLES_CABLES, Handler.COMMUNITY, Tier.MAJOR, COMPLEX_RESOLVE),
        _row(Category.FEE_DISPUTE, Handler.COUNCIL, Tier.MAJOR, COMPLEX_RESOLVE),
        _row(Category.OTHER, Handler.COMMUNITY, Tier.MINOR),
    )
}

# The departments a whistle (吹哨) summons by default, by their responsibility (bodies.Responsibility).
DEFAULT_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    Category.LIFT: ("market_regulation", "housing"),
    Category.UTILITIES: ("utilities",),
    Category.ROADS: ("urban_management",),
    Category.FLYING_WIRE: ("fire",),
    Category.PARKING: ("public_security",),
    Category.NOISE: ("environment", "public_security"),
    Category.NEIGHBOUR_DISPUTE: ("civil_affairs",),
    Category.HIGH_THROW: ("public_security",),
    Category.SECURITY: ("public_security",),
    Category.RENOVATION: ("urban_management", "housing"),
    Category.POLES_CABLES: ("utilities",),
    Category.FEE_DISPUTE: ("housing",),
}


def route_for(community_id: int | None, category: str) -> RouteRow:
    """The row in force for this community: its own override, else the shipped default."""
    override = Route.objects.filter(community_id=community_id, category=category).first() if community_id else None
    if override is not None:
        return override.row()
    return DEFAULT_ROUTES[category]


@dataclass(frozen=True)
class Deadlines:
    respond: Deadline
    resolve: Deadline

    @property
    def estimated(self) -> bool:
        return self.respond.estimated or self.resolve.estimated

    def fields(self) -> dict:
        """The Request columns these deadlines set."""
        return {"respond_by": self.respond.at, "respond_unit": self.respond.term.unit,
                "resolve_by": self.resolve.at, "resolve_unit": self.resolve.term.unit,
                "deadline_estimated": self.estimated}


def deadlines_for(route: RouteRow, start: datetime.datetime, *, emergency: bool, escalated: bool = False) -> Deadlines:
    """A request's response and resolution deadlines from `start` (filing, escalation or reopening)."""
    if emergency:
        response = EMERGENCY_RESPONSE
    else:
        response = escalation_response_term() if escalated else route.response
    return Deadlines(clock.deadline(start, response), clock.deadline(start, route.resolve))


def routing_table(community_id: int) -> list[tuple[RouteRow, bool]]:
    """Every category's row in force for the community, and whether it is the community's own."""
    own = {r.category: r for r in Route.objects.filter(community_id=community_id)}
    rows = []
    for category in Category.values:
        r = own.get(category)
        if r is None:
            rows.append((DEFAULT_ROUTES[category], False))
        else:
            rows.append((r.row(), True))
    return rows
