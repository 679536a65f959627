"""Every read of requests and orders that reaches a user, through the scope filter; who is told at
each level; the public progress board (no personal data); and the metrics (per estate, community
or subdistrict and period)."""

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Q, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import Membership, Organisation, OrgKind
from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, NotFound
from gongzhi.core.figures import Chart, Figure, Place, Section, Series, rate, records_link
from gongzhi.core.masking import SHOWN_ALL, SHOWN_NONE, SHOWN_PHONES, mask_phone
from gongzhi.core.paging import Branches
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, holders, scope_for
from gongzhi.core.tallies import sums
from gongzhi.core.text import is_ascii_digits
from gongzhi.people.models import RoleAssignment
from gongzhi.places.models import Estate
from gongzhi.requests import rollups
from gongzhi.requests.choices import (
    OPEN_STATUSES,
    Category,
    EventKind,
    Handler,
    Level,
    OrderKind,
    OrderStatus,
    Status,
)
from gongzhi.requests.models import (
    Device,
    DeviceEvent,
    DeviceIncident,
    Event,
    Order,
    OrderOffer,
    Request,
    Summons,
    overdue_q,
)
from gongzhi.requests.rules import (
    DEVICE_VIEWER_ROLES,
    DISPATCHER_ROLES,
    ESTATE_HANDLER_ROLES,
    HELPER_ROLES,
    LEVEL_ROLES,
    METRICS_ROLES,
    REQUEST_STAFF_ROLES,
    handled_by,
    may_handle,
    user_departments,
)

BAD_PERIOD = "统计期间不正确：开始日期须早于结束日期，且不超过 5 年 / The period must start before it ends and span at most 5 years"
UNKNOWN_PLACE = "统计范围只能是小区、社区或街道 / Metrics are per estate, community or subdistrict"


def _place_q(places: dict[str, list[int]]) -> Q:
    q = Q(pk__in=[])
    for column, ids in places.items():
        if ids:
            q |= Q(**{f"{column}__in": ids})
    return q


def _scope_branches(user) -> tuple[list[Q], list[Q]] | None:
    """Who sees which requests, as conditions each answered by one index: the places the user's staff
    roles cover, on the request's own place columns (one condition per place while they are few, so that
    each is a walk of its (place, created_at) index), then the personal ones — filed, handled or resolved
    by the user, of the buildings they head, summoned to their departments. Returns (walks, counted):
    the conditions to walk, and the same rows in fewer groups to count (the places one by one, the
    personal ones together). None for the root (everything)."""
    scope = scope_for(user)
    if scope.is_root:
        return None
    if not user.is_authenticated:
        return [], []
    walks, counted = [], []
    staff = scope.roles & REQUEST_STAFF_ROLES
    if staff:
        for column, ids in scope.place_columns(staff).items():
            if not ids:
                continue
            parts = [Q(**{column: pk}) for pk in ids] if len(ids) <= PLACE_WALKS else [Q(**{f"{column}__in": ids})]
            walks += parts
            counted.append(Q(**{f"{column}__in": ids}))
    personal = [Q(requester=user), Q(handler_user=user), Q(resolved_by=user)]
    buildings = [a.building_id for a in scope.assignments if a.role == Role.BUILDING_HEAD and a.building_id]
    if buildings:
        personal.append(Q(building_id__in=buildings))
    departments = user_departments(user)
    if departments:  # as literal ids: inside an OR, a subquery would make the database read every request
        summoned = sorted(set(Summons.objects.filter(department_id__in=departments).values_list("request_id", flat=True)))
        personal.append(Q(pk__in=summoned))
    walks += personal
    either = Q(pk__in=[])
    for q in personal:
        either |= q
    counted.append(either)
    return walks, counted


# Up to this many places of one kind, each is walked on its own (an index walk each); more are one IN.
PLACE_WALKS = 12


def request_list(*, fetched_by):
    """Requesters see their own; handlers what is assigned to them or their body; staff their scope (on
    the request's own estate, community and subdistrict columns: no subquery over the place tree)."""
    branches = _scope_branches(fetched_by)
    if branches is None:
        return Request.objects.all()
    either = Q(pk__in=[])
    for q in branches[1]:
        either |= q
    return Request.objects.filter(either)


def request_get(*, fetched_by, request_id) -> Request:
    return get_in_scope(request_list(fetched_by=fetched_by).select_related(
        "estate__community", "building", "unit", "handler_user", "resolved_by", "requester"), pk=request_id)


def _filters(*, fetched_by, status: str = "", estate_id=None, category: str = "", overdue=False,
             mine=False, place: Place | None = None, start: datetime.date | None = None,
             end: datetime.date | None = None, level: int | None = None, summoned=False, late=False) -> Q:
    q = Q()
    if status == "open":
        q &= Q(status__in=OPEN_STATUSES)
    elif status == "done":
        q &= DONE
    elif status:
        q &= Q(status=status)
    given = {lookup: value for lookup, value in (("estate_id", estate_id), ("category", category),
                                                   ("level__gte", level)) if value not in (None, "")}
    if given:
        q &= Q(**given)
    if place is not None:
        q &= _in_place(place)
    if start is not None or end is not None:
        lo, hi = clock.day_bounds(start or datetime.date(2000, 1, 1), end or datetime.date(2100, 12, 31))
        q &= Q(created_at__gte=lo, created_at__lt=hi)
    if summoned:
        q &= Q(pk__in=Summons.objects.values("request_id"))
    if late:
        q &= Q(resolved_on_time=False)
    if overdue:
        q &= overdue_q(clock.now())
    if mine:
        q &= Q(requester=fetched_by)
    return q


def requests_filtered(*, fetched_by, sort: str = "new", **filters):
    """The requests list with its filters; `place`, `start`–`end` (filed on those local days), `level`
    (reached at least), `summoned` and `late` (resolved after the deadline) are the dashboard's links.
    One queryset, for what reads every row (the export); a page reads `requests_listed`."""
    qs = request_list(fetched_by=fetched_by).select_related("estate", "building")
    return qs.filter(_filters(fetched_by=fetched_by, **filters)).order_by(*SORTS.get(sort, SORTS["new"]))


def requests_listed(*, fetched_by, sort: str = "new", **filters) -> Branches:
    """The same list for a page: each of the user's branches (`_scope_branches`) walked in the list's
    order with the filters applied, merged; the total exact, or estimated (and marked so) where a branch
    holds more than paging.EXACT_BELOW rows."""
    base = Request.objects.filter(_filters(fetched_by=fetched_by, **filters))
    order = SORTS.get(sort, SORTS["new"])
    branches = _scope_branches(fetched_by)
    if branches is None:
        branches = [Q()], [Q()]
    walks, counted = branches
    return Branches(base, walks, order, select_related=("estate", "building"), counted=counted)


# How a staff list may be sorted: newest first, oldest first (the longest waiting), nearest deadline first.
SORTS = {"new": ("-created_at", "-pk"), "oldest": ("created_at", "pk"), "deadline": ("resolve_by", "pk")}


@dataclass
class Requester:
    name: str
    phone: str


def requester_for(viewer, req: Request) -> Requester | None:
    """Who asked, as much as this viewer needs: nobody but the requester sees an anonymous one; the
    phone in full only for the handler and roles that need it (PIPL minimum necessary)."""
    if req.anonymous and req.requester_id != viewer.pk:
        return None
    if req.requester_id == viewer.pk:
        return Requester(req.contact_name, req.contact_phone)
    scope = scope_for(viewer)
    full = may_handle(viewer, req) or scope.can_unmask("phone", [req.estate_id])
    return Requester(req.contact_name, req.contact_phone if full else mask_phone(req.contact_phone))


def text_shown(viewer, req: Request) -> str:
    """How much of the phone and ID numbers typed into this request (its description, the notes on it,
    the timeline) the viewer reads in full, for `core.masking.redact(text, shown)`: the requester all,
    its handler at least the phones, everyone else as their roles allow (Scope.contacts_shown)."""
    if req.requester_id is not None and req.requester_id == viewer.pk:
        return SHOWN_ALL
    shown = scope_for(viewer).contacts_shown(req.estate_id, req.building_id)
    if shown == SHOWN_NONE and may_handle(viewer, req):
        return SHOWN_PHONES
    return shown


def order_text_shown(viewer, order: Order) -> str:
    """The same for an order (点单): its requester all, whoever took it at least the phones."""
    if order.requester_id is not None and order.requester_id == viewer.pk:
        return SHOWN_ALL
    shown = scope_for(viewer).contacts_shown(order.estate_id, order.building_id)
    if shown == SHOWN_NONE and order.accepted_by_id is not None and order.accepted_by_id == viewer.pk:
        return SHOWN_PHONES
    return shown


def timeline(req: Request):
    return list(req.events.select_related("actor"))


# --- who is told, who can be summoned -------------------------------------------------------------
def department_officers(department_ids) -> set[int]:
    """The users who are officers of these departments (成员单位)."""
    members = set(Membership.objects.filter(organisation_id__in=list(department_ids), active=True,
                                            person__user__isnull=False).values_list("person__user_id", flat=True))
    officers = RoleAssignment.objects.current().filter(user_id__in=members, role=Role.DEPARTMENT_OFFICER)
    return set(officers.values_list("user_id", flat=True))


def level_users(req: Request) -> set[int]:
    """Who is told when a request reaches its current level."""
    estate = req.estate
    if req.level == Level.ESTATE:
        if req.handler == Handler.BUILDING_HEAD and req.handler_user_id:
            return {req.handler_user_id}
        return holders(ESTATE_HANDLER_ROLES[req.handler], estate)
    users = holders(LEVEL_ROLES[req.level], estate)
    if req.level == Level.DEPARTMENT:
        users |= department_officers(req.summonses.values_list("department_id", flat=True))
    return users


def departments_for(req):
    """The departments (成员单位) a request's subdistrict can summon: its district's and its own."""
    community = req.estate.community
    return Organisation.objects.filter(Q(district_id=community.subdistrict.district_id)
                                       | Q(subdistrict_id=community.subdistrict_id),
                                       kind=OrgKind.DEPARTMENT, active=True)


# --- 三单制 ----------------------------------------------------------------------------------------
def order_list_for(user):
    """Orders the user may see: their own, those offered to or accepted by them, and every order of
    the estates where they dispatch."""
    scope = scope_for(user)
    if scope.is_root:
        return Order.objects.all()
    offered = OrderOffer.objects.filter(user=user).values("order_id")
    q = Q(requester=user) | Q(accepted_by=user) | Q(pk__in=offered)
    estates = scope.estate_ids(DISPATCHER_ROLES)
    if estates:  # the order's own estate column, as literal ids
        q |= Q(estate_id__in=sorted(estates))
    return Order.objects.filter(q)


# How the orders list may be sorted: newest first, the longest waiting first, the nearest accept deadline first
# (an order not waiting for a helper has none and comes last).
_ACCEPT_DEADLINE = Case(When(status=OrderStatus.DISPATCHED, then=F("accept_by")))
ORDER_SORTS = {"new": (F("created_at").desc(), F("pk").desc()), "oldest": (F("created_at").asc(), F("pk").asc()),
               "deadline": (_ACCEPT_DEADLINE.asc(nulls_last=True), F("created_at").asc(), F("pk").asc())}


def orders_filtered(*, fetched_by, status: str = "", sort: str = "new"):
    """The orders list with its filters: a status ("open": not yet done or cancelled) and a sort."""
    qs = order_list_for(fetched_by)
    if status == "open":
        qs = qs.filter(status__in=[OrderStatus.ORDERED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED])
    elif status in OrderStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by(*ORDER_SORTS.get(sort, ORDER_SORTS["new"]))


def order_get(*, fetched_by, order_id) -> Order:
    return get_in_scope(order_list_for(fetched_by).select_related("estate", "accepted_by", "requester"), pk=order_id)


def helpers_for(estate):
    """Who an order of this estate can be dispatched to."""
    return get_user_model().objects.filter(pk__in=holders(HELPER_ROLES, estate)).order_by("first_name")


# --- the public board ---------------------------------------------------------------------------
def public_board(estate_id: int, limit: int = 100):
    """What was reported and what was done, for anyone: category, building, dates, level, status and
    the handler's note — never who asked, their unit or their words."""
    estate = Estate.objects.select_related("community").filter(pk=estate_id).first()
    if estate is None:
        raise NotFound()
    rows = list(Request.objects.filter(estate=estate).select_related("building")
                .only("pk", "category", "building__code", "created_at", "status", "level", "resolution_note",
                      "resolved_at", "satisfaction", "estate_id", "emergency")[:limit])
    month_start = clock.local().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month = Request.objects.filter(estate=estate, created_at__gte=month_start).aggregate(
        received=Count("pk"), resolved=Count("pk", filter=Q(status__in=[Status.RESOLVED, Status.CLOSED])))
    return estate, rows, month


# --- metrics ------------------------------------------------------------------------------------------
PLACES = ("estate", "community", "subdistrict")
DONE = Q(status__in=[Status.RESOLVED, Status.CLOSED])


@dataclass
class Metrics:
    place: object
    start: datetime.date
    end: datetime.date  # inclusive
    received: int
    resolved: int
    on_time: int
    first_resolved: int
    rated: int
    satisfied: int
    avg_hours: float | None
    open: int
    overdue: int
    reopened: int
    by_level: list[tuple[int, int]]  # (level reached, requests)
    by_category: list[tuple[str, int]]  # (category code, requests)
    last_year: int
    reopens_by_handler: list[tuple[str, int]]

    @staticmethod
    def _rate(part, whole):
        return round(100 * part / whole, 1) if whole else None

    @property
    def resolution_rate(self):
        return self._rate(self.resolved, self.received)

    @property
    def on_time_rate(self):
        return self._rate(self.on_time, self.first_resolved)

    @property
    def satisfaction_rate(self):
        return self._rate(self.satisfied, self.rated)

    @property
    def levels_labelled(self):
        return [(Level(level).label, n) for level, n in self.by_level]

    @property
    def categories_labelled(self):
        return [(Category(code).label, n) for code, n in self.by_category]

    @property
    def yoy_change(self):
        """Year-over-year change in complaints received (the seeds' "complaints −20%")."""
        return self._rate(self.received - self.last_year, self.last_year)

    def as_dict(self) -> dict:
        return {
            "place": {"kind": type(self.place).__name__.lower(), "id": self.place.pk, "name": self.place.name},
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "received": self.received, "resolved": self.resolved, "resolution_rate": self.resolution_rate,
            "on_time": self.on_time, "on_time_rate": self.on_time_rate, "rated": self.rated,
            "satisfied": self.satisfied, "satisfaction_rate": self.satisfaction_rate,
            "average_hours_to_resolve": self.avg_hours, "open": self.open, "overdue": self.overdue,
            "reopened": self.reopened,
            "escalations_by_level": {Level(level).name.lower(): n for level, n in self.by_level},
            "by_category": dict(self.by_category), "same_period_last_year": self.last_year,
            "year_over_year_change": self.yoy_change,
            "reopens_by_handler": dict(self.reopens_by_handler),
        }


def metrics_place(*, fetched_by, place: str, place_id: int):
    """The estate, community or subdistrict, if the viewer may read its numbers (404 otherwise)."""
    scope = scope_for(fetched_by)
    if place not in PLACES:
        raise InvalidInput(UNKNOWN_PLACE, field="place")
    if place == "estate":
        return get_in_scope(scope.estates(METRICS_ROLES), pk=place_id)
    if place == "community":
        return get_in_scope(scope.communities(METRICS_ROLES), pk=place_id)
    return get_in_scope(scope.subdistricts(METRICS_ROLES), pk=place_id)


def _last_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def metrics(*, fetched_by, place: str, place_id: int, start: datetime.date, end: datetime.date) -> Metrics:
    if end < start or (end - start).days > 366 * 5:
        raise InvalidInput(BAD_PERIOD, field="start")
    where = metrics_place(fetched_by=fetched_by, place=place, place_id=place_id)
    lo, hi = clock.day_bounds(start, end)
    # The period's figures from the figures rows (rollups: kept in the transaction that writes a request, so
    # exact to the last commit); only what depends on this instant — overdue — is counted from the open requests.
    counted = rollups.counts(place, where.pk, start, end)
    # (the open ones found by their own index, request_open_subdistrict; overdue_q counted among them)
    overdue = Request.objects.filter(**{f"{place}_id": where.pk}, created_at__gte=lo, created_at__lt=hi,
                                     status__in=OPEN_STATUSES).aggregate(
        n=Count("pk", filter=overdue_q(clock.now())))["n"]
    resolved, timed = counted["done"], counted["timed"]
    avg = datetime.timedelta(microseconds=counted["resolve_us"]) / resolved if timed and resolved else None
    by_category = sorted(counted.by_category.items(), key=lambda x: (-x[1], x[0]))
    last_year = rollups.counts(place, where.pk, _last_year(start), _last_year(end))["received"]
    # Reopens counted against handlers: those that happened in the period, in the place.
    reopens = Event.objects.filter(kind=EventKind.REOPENED, at__gte=lo, at__lt=hi, against_user__isnull=False,
                                   **{f"request__{place}_id": where.pk}).values_list(
        "against_user__first_name").annotate(n=Count("pk")).order_by("-n")[:20]
    return Metrics(
        place=where, start=start, end=end, received=counted["received"], resolved=resolved,
        on_time=counted["on_time"], first_resolved=counted["first_resolved"], rated=counted["rated"],
        satisfied=counted["satisfied"], avg_hours=round(avg.total_seconds() / 3600, 1) if avg is not None else None,
        open=counted["open"], overdue=overdue, reopened=counted["reopened"],
        by_level=[(level, counted.at_least(level)) for level in Level.values if level > 1],
        by_category=by_category, last_year=last_year, reopens_by_handler=[(n or "—", c) for n, c in reopens],
    )


def default_metrics_place(user):
    """The widest place the viewer reads numbers for: their subdistrict, else community, else estate."""
    scope = scope_for(user)
    for kind, qs in (("subdistrict", scope.subdistricts(METRICS_ROLES)), ("community", scope.communities(METRICS_ROLES)),
                     ("estate", scope.estates(METRICS_ROLES))):
        first = qs.order_by("pk").first()
        if first is not None:
            return kind, first
    return None, None


def awaiting_me(user, limit=20):
    """Open requests the user can act on now (home page and list), oldest deadline first."""
    listed = requests_listed(fetched_by=user, status="open", sort="deadline")
    listed.select_related = ("estate__community__subdistrict", "building")
    candidates = handled_by(user)
    if candidates is not None:  # only the rows the rule could pass are read and checked
        listed.base = listed.base.filter(candidates)
    # The first 200 of those in that order, in two reads: the first (twice the card) is usually enough,
    # as nearly every candidate passes (a district administrator's card read and checked 200 each time).
    found, start = [], 0
    for stop in (min(2 * limit, 200), 200):
        rows = listed[start:stop]
        found += [r for r in rows if may_handle(user, r)]
        if len(found) >= limit or len(rows) < stop - start:
            break
        start = stop
    return found[:limit]


def my_current_requests(user, limit=10) -> list[Request]:
    """The user's own requests still in hand or waiting for their confirmation; those waiting for
    them first, then the newest."""
    qs = (Request.objects.filter(requester=user, status__in=(*OPEN_STATUSES, Status.RESOLVED))
          .select_related("estate").order_by("-created_at", "-pk")[:limit])
    return sorted(qs, key=lambda r: r.status != Status.RESOLVED)


def orders_offered_to(user, limit=10) -> list[Order]:
    """Orders dispatched to the user that nobody has accepted yet and can still be accepted."""
    now = clock.now()
    return list(Order.objects.filter(offers__user=user, status=OrderStatus.DISPATCHED)
                .filter(Q(accept_by__isnull=True) | Q(accept_by__gt=now))
                .select_related("estate").order_by("accept_by", "pk")[:limit])


def wishes_nearby(user, limit=5) -> list[Order]:
    """Micro-wishes not yet taken in the estates where the user helps (building head, party member,
    volunteer), other than those already offered to them."""
    estates = scope_for(user).estates(HELPER_ROLES)
    return list(Order.objects.filter(kind=OrderKind.MICRO_WISH, estate__in=estates,
                                     status__in=(OrderStatus.ORDERED, OrderStatus.DISPATCHED))
                .exclude(requester=user).exclude(offers__user=user)
                .select_related("estate").order_by("-created_at", "-pk")[:limit])


def my_open_orders(user, limit=5) -> list[Order]:
    """The user's own orders not finished yet, or finished and waiting for their rating."""
    return list(Order.objects.filter(requester=user)
                .filter(Q(status__in=(OrderStatus.ORDERED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED))
                        | Q(status=OrderStatus.DONE, satisfaction__isnull=True))
                .select_related("estate", "accepted_by").order_by("-created_at", "-pk")[:limit])


def late_departments(user):
    """Summonses past their reporting deadline without a report (吹哨 without 报到), in scope."""
    return Summons.objects.filter(request__in=request_list(fetched_by=user), reported_at__isnull=True,
                                  report_by__lt=clock.now()).select_related("department", "request__estate")



# --- Open311 placement ---------------------------------------------------------------------------------
# "3号楼", "3栋", "3幢", "三号楼" name a building; "3楼" is a floor and names none.
BUILDING_IN_ADDRESS = re.compile(r"([0-9]+|[一二两三四五六七八九十]+)(?:号楼|号栋|号幢|栋|幢)")
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Placement:
    """Where an address or a position puts a report: one estate (and perhaps a building), or the
    estates it could not choose between (`matched`, by name), or nothing."""

    estate: Estate | None = None
    building_code: str = ""
    matched: tuple[str, ...] = ()


def _normal(text: str) -> str:
    """Full-width digits and letters as ASCII (NFKC), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _number(word: str) -> int:
    if is_ascii_digits(word):
        return int(word)
    if "十" not in word:
        return int("".join(str(_DIGITS[c]) for c in word)) if all(c in _DIGITS for c in word) else 0
    tens, _, ones = word.partition("十")
    if len(word.split("十")) > 2 or any(c not in _DIGITS for c in tens + ones):
        return 0
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def building_in_address(address: str) -> str:
    """The building number an address names ("义乌城小区3号楼2单元" → "3"), or ""."""
    found = BUILDING_IN_ADDRESS.search(_normal(address))
    number = _number(found.group(1)) if found else 0
    return str(number) if number else ""


def _names(estate: Estate) -> list[str]:
    aliases = estate.aliases if isinstance(estate.aliases, list) else []
    return [n for n in (_normal(x) for x in [estate.name, *aliases] if isinstance(x, str)) if len(n) >= 2]


def estates_in_address(estates, address: str) -> list[Estate]:
    """The estates an address names: by a name or alias written in it (the longest written name wins:
    "太平洋花园二期" over "太平洋花园"); failing that, by everything before the building number when
    that is a piece of estates' names ("花园3号楼" → every estate called …花园…)."""
    text = _normal(address)
    if not text:
        return []
    written = {}
    for estate in estates:
        hits = [n for n in _names(estate) if n in text]
        if hits:
            written[estate] = max(hits, key=len)
    if written:
        return [e for e, name in written.items()
                if not any(name in other and len(other) > len(name) for other in written.values())]
    building = BUILDING_IN_ADDRESS.search(text)
    head = text[:building.start()] if building else text
    if len(head) < 2:
        return []
    return [e for e in estates if any(head in n for n in _names(e))]


def distance_m(lat1, long1, lat2, long2) -> float:
    """Great-circle distance in metres (haversine, on a sphere of the earth's mean radius)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(long2) - float(long1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def nearest_estate(estates, lat, long, radius_m: float) -> Estate | None:
    """The estate whose stored position is nearest, if it is within `radius_m`."""
    placed = [(distance_m(lat, long, e.latitude, e.longitude), e.pk, e) for e in estates
              if e.latitude is not None and e.longitude is not None]
    near = sorted(item for item in placed if item[0] <= radius_m)
    return near[0][2] if near else None


def open311_place(subdistrict, *, address: str = "", lat=None, long=None, radius_m: float) -> Placement:
    """Place a report of an Open311 client of `subdistrict` (its jurisdiction) by its address string,
    else (or to choose between the estates the address names) by its position."""
    estates = list(Estate.objects.filter(community__subdistrict=subdistrict).order_by("name", "pk"))
    named = estates_in_address(estates, address)
    building = building_in_address(address)
    if len(named) == 1:
        return Placement(named[0], building)
    if lat is not None and long is not None:
        near = nearest_estate(named or estates, lat, long, radius_m)
        if near is not None:
            return Placement(near, building)
    return Placement(None, "", tuple(e.name for e in named))


# --- the dashboard's section -------------------------------------------------------------------------
AGE_BANDS = ((0, 1, _("1 天内")), (1, 3, _("1–3 天")), (3, 7, _("3–7 天")), (7, 30, _("7–30 天")), (30, None, _("30 天以上")))


def _in_place(place: Place) -> Q:
    # Requests carry their estate, community and subdistrict, so only the district needs a join.
    field = {"estate": "estate_id", "community": "community_id", "subdistrict": "subdistrict_id",
             "district": "subdistrict__district_id"}[place.level]
    return Q(**{field: place.pk})


def _period_counts(place: Place, period: clock.Period) -> dict:
    """The period's figures, by category and by level reached, from the figures rows (rollups): a
    district's year is a few thousand month rows, where its requests lie on as many pages as there are
    requests."""
    counted = rollups.counts(place.level, place.pk, period.start, period.end)
    keys = ("received", "first_resolved", "on_time", "rated", "satisfied", "summoned")
    return {key: counted[key] for key in keys} | {
        "resolved": counted["done"], "late": counted["first_resolved"] - counted["on_time"],
        "community": counted.at_least(Level.COMMUNITY), "by_category": counted.by_category,
        "by_level": counted.by_level}


def dashboard_section(*, fetched_by, place: Place, period: clock.Period) -> Section | None:
    """Requests received and resolved in the period, the rates the seeds report, where they went up to,
    and how old the open ones are — each beside the same period last year and linked to its list."""
    if not scope_for(fetched_by).has_any(METRICS_ROLES):
        return None
    now, before = _period_counts(place, period), _period_counts(place, period.a_year_earlier())
    listed = reverse("requests:request_list")

    def link(**filters):
        return records_link(listed, place, period, **filters)

    figures = [
        Figure("received", _("收到诉求"), now["received"], before["received"], link=link()),
        Figure("resolved", _("已办结"), now["resolved"], before["resolved"], link=link(status="done")),
        Figure("resolution_rate", _("办结率"), rate(now["resolved"], now["received"]),
               rate(before["resolved"], before["received"]), "%"),
        Figure("on_time_rate", _("按时办结率"), rate(now["on_time"], now["first_resolved"]),
               rate(before["on_time"], before["first_resolved"]), "%"),
        Figure("late", _("超时办结"), now["late"], before["late"], link=link(late=1)),
        Figure("satisfaction_rate", _("满意率"), rate(now["satisfied"], now["rated"]),
               rate(before["satisfied"], before["rated"]), "%"),
        Figure("escalated", _("上报到社区及以上"), now["community"], before["community"], link=link(level=Level.COMMUNITY)),
        Figure("summoned", _("吹哨"), now["summoned"], before["summoned"], link=link(summoned=1)),
    ]
    earlier = period.a_year_earlier()
    orders = sums(rollups.ORDERS.name, place.level, place.pk, period.start, period.end)
    orders_before = sums(rollups.ORDERS.name, place.level, place.pk, earlier.start, earlier.end)
    figures += [
        Figure("orders", _("三单制点单"), orders.total("received"), orders_before.total("received")),
        Figure("orders_done", _("点单已完成"), orders.total("done"), orders_before.total("done")),
        Figure("orders_satisfaction", _("点单满意率"), rate(orders.total("satisfied"), orders.total("rated")),
               rate(orders_before.total("satisfied"), orders_before.total("rated")), "%"),
    ]
    in_place = Request.objects.filter(_in_place(place))
    by_category, last_category, by_level = now["by_category"], before["by_category"], now["by_level"]
    shown = sorted(set(by_category) | set(last_category), key=lambda c: (-by_category.get(c, 0), c))
    return Section("requests", str(_("诉求")), figures, charts=[
        Chart("by_category", str(_("按类别")), "bar", [str(Category(c).label) for c in shown], [
            Series(period.label, [by_category.get(c, 0) for c in shown]),
            Series(period.a_year_earlier().label, [last_category.get(c, 0) for c in shown])]),
        Chart("by_level", str(_("办结所在层级")), "pie", [str(Level(v).label) for v in Level.values],
              [Series(period.label, [by_level.get(v, 0) for v in Level.values])]),
        _open_by_age(in_place),
    ])


def _open_by_age(requests) -> Chart:
    """The requests still open now, by how long ago they were filed."""
    now = clock.now()
    bands = {}
    for i, (low, high, _label) in enumerate(AGE_BANDS):
        q = Q(created_at__lte=now - datetime.timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - datetime.timedelta(days=high))
        bands[f"band{i}"] = Count("pk", filter=q)
    counts = requests.filter(status__in=OPEN_STATUSES).aggregate(**bands)
    return Chart("open_by_age", str(_("未办结诉求的时长（至今）")), "bar", [str(label) for *_r, label in AGE_BANDS],
                 [Series(str(_("诉求")), [counts[f"band{i}"] for i in range(len(AGE_BANDS))])])



# --- search ----------------------------------------------------------------------------------------
REQUEST_NUMBER = re.compile(r"(?i)sq\s*0*(\d{1,12})")


def find(*, fetched_by, query: str, limit: int):
    """Requests the user may read (a resident: their own), by number (SQ000149, sq149, ＳＱ149). Words of
    a description are looked for in the requests list's filters, not here: over a city's millions of
    requests a substring search cannot answer within the box's 200 ms. A hit names the number, category
    and estate — never the description's words, which may hold a phone number."""
    from gongzhi.core.search import Hit

    number = REQUEST_NUMBER.fullmatch(query.replace(" ", ""))
    if not number:
        return []
    found = request_list(fetched_by=fetched_by).select_related("estate").filter(pk=int(number[1]))
    return [Hit(f"{r.number} {r.get_category_display()}", f"{r.estate.name} · {r.get_status_display()}",
                reverse("requests:request_detail", args=[r.pk])) for r in found[:limit]]


# --- smart-estate devices --------------------------------------------------------------------------------
def device_list(*, fetched_by, estate_id=None, status: str = ""):
    """The devices of the estates where the user holds a device role (requests.rules.DEVICE_VIEWER_ROLES)."""
    scope = scope_for(fetched_by)
    qs = Device.objects.select_related("estate", "building")
    if not scope.is_root:
        qs = qs.filter(estate_id__in=scope.estate_ids(DEVICE_VIEWER_ROLES))
    if estate_id:
        qs = qs.filter(estate_id=estate_id)
    if status == "retired":
        qs = qs.filter(active=False)
    elif status == "quiet":
        qs = qs.filter(active=True, quiet_alerted_at__isnull=False)
    elif status == "online":
        qs = qs.filter(active=True, quiet_alerted_at__isnull=True)
    return qs.order_by("estate__name", "name", "pk")


def device_get(*, fetched_by, device_id) -> Device:
    return get_in_scope(device_list(fetched_by=fetched_by).select_related("estate__community"), pk=device_id)


def device_incidents(device: Device, limit: int = 20) -> list[DeviceIncident]:
    return list(DeviceIncident.objects.filter(device=device).select_related("request").order_by("-last_at", "-pk")[:limit])


def device_recent_events(device: Device, limit: int = 30) -> list[DeviceEvent]:
    return list(DeviceEvent.objects.filter(device=device).select_related("incident")
                .order_by("-received_at", "-pk")[:limit])


def device_counts(devices) -> dict[int, int]:
    """Events each device sent in the last 24 hours."""
    since = clock.now() - datetime.timedelta(hours=24)
    return dict(DeviceEvent.objects.filter(device__in=[d.pk for d in devices], received_at__gte=since)
                .values_list("device").annotate(n=Count("pk")).values_list("device", "n"))
