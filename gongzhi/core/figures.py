"""The dashboard's shapes, and the registry each app contributes its section to.

A section is one app's figures for a place (an estate, community, subdistrict or district) and a period
(a month, quarter or year): each figure beside the same period last year and linked to the list of the
records it counts, with charts whose data is also a table. The app computes it in its selectors
(`dashboard_section(*, fetched_by, place, period)`) and registers it in its AppConfig.declare(); the
dashboard app (gongzhi.dashboard) only collects and shows. A new app adds its section the same way.

The records behind a figure (the monthly report's Excel lists them under the figure): a list page that
figures link to registers `register_records("app:list_name", provider)`, a provider that reads the
page's query string through the page's own selector; `records_behind(figure, ...)` resolves a figure's
link to it. A figure whose list registers nothing is explained by its section's charts and tables.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from gongzhi.core.clock import Period
from gongzhi.core.errors import InvalidInput
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import ascii_int

LEVELS = ("estate", "community", "subdistrict", "district")
LEVEL_LABELS = {"estate": _("小区"), "community": _("社区"), "subdistrict": _("街道"), "district": _("区/县")}
BAD_PLACE = _("地点应写作 estate:12、community:3、subdistrict:1 或 district:1 / "
              "Write the place as estate:12, community:3, subdistrict:1 or district:1")

# From an estate to the place above it, as a lookup path.
_ABOVE = {"estate": "", "community": "__community", "subdistrict": "__community__subdistrict",
          "district": "__community__subdistrict__district"}


@dataclass(frozen=True)
class Place:
    level: str
    obj: object  # the Estate, Community, Subdistrict or District

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def code(self) -> str:
        return f"{self.level}:{self.obj.pk}"

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    def lookup(self, path: str = "estate") -> dict:
        """The filter that keeps rows of this place, for a model whose estate is reached by `path`
        ("" for the Estate model itself): {"estate__community_id": 3} for community:3."""
        if not path:
            return {"pk": self.pk} if self.level == "estate" else {f"{_ABOVE[self.level][2:]}_id": self.pk}
        return {f"{path}{_ABOVE[self.level]}_id": self.pk}


def parse_place(code: str) -> tuple[str, int]:
    """("community", 3) from "community:3"; anything else is refused with BAD_PLACE."""
    level, _sep, pk = (code or "").partition(":")
    pk = ascii_int(pk)
    if level not in LEVELS or not pk:
        raise InvalidInput(BAD_PLACE, field="place")
    return level, pk


def _scoped(user, level: str, roles) -> QuerySet:
    scope = scope_for(user)
    return {"estate": scope.estates, "community": scope.communities, "subdistrict": scope.subdistricts,
            "district": scope.districts}[level](roles)


def place_get(user, code: str, roles) -> Place:
    """The place a code names, if the user's roles cover it as a whole (NotFound otherwise, the same
    answer as for a place that does not exist)."""
    level, pk = parse_place(code)
    return Place(level, get_in_scope(_scoped(user, level, roles), pk=pk))


def places_for(user, roles, limit: int = 50) -> list[Place]:
    """The places the user may choose, widest first (for the picker)."""
    found = []
    for level in reversed(LEVELS):
        found += [Place(level, obj) for obj in _scoped(user, level, roles).order_by("name")[:limit]]
    return found


def default_place(user, roles) -> Place | None:
    """The widest place the user's roles cover: a district officer's district, a secretary's community."""
    for level in reversed(LEVELS):
        obj = _scoped(user, level, roles).order_by("pk").first()
        if obj is not None:
            return Place(level, obj)
    return None


def records_link(url: str, place: Place, period: Period | None = None, **filters) -> str:
    """The address of the list behind a figure: the list page filtered to the place, the period's
    dates (inclusive) and the figure's own conditions."""
    query = {"place": place.code}
    if period is not None:
        query |= {"start": period.start.isoformat(), "end": period.end.isoformat()}
    query |= {k: v for k, v in filters.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}"


Number = int | float | Decimal | None


@dataclass
class Figure:
    key: str
    label: str
    value: Number
    last_year: Number = None
    unit: str = ""  # "%", "元", "" (a count)
    link: str = ""  # the records behind the figure

    @property
    def change(self) -> Number:
        if self.value is None or self.last_year is None:
            return None
        return round(self.value - self.last_year, 2)


@dataclass
class Series:
    name: str
    values: list[Number]


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar", "line", "pie"
    labels: list[str]
    series: list[Series]
    unit: str = ""

    @property
    def rows(self) -> list[tuple[str, list[Number]]]:
        """The chart as a table: a row per label, a column per series."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]


@dataclass
class Listing:
    """Records named one by one (estates without an autonomous body), each with its link."""
    key: str
    title: str
    rows: list[tuple[str, str]]  # (label, link)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)

    def as_dict(self) -> dict:
        def plain(value):
            if isinstance(value, Decimal):
                return float(value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return str(value) if hasattr(value, "_proxy____cast") else value

        data = plain(asdict(self))
        for figure, out in zip(self.figures, data["figures"], strict=True):
            out["change"] = plain(figure.change)
        return data


Provider = Callable[..., Section | None]
_sections: dict[str, tuple[int, Provider]] = {}


def register_section(key: str, provider: Provider, order: int = 50) -> None:
    """An app's section: `provider(fetched_by=, place=, period=)` returns a Section, or None when the
    viewer may not see that app's figures."""
    _sections[key] = (order, provider)


def sections(*, fetched_by, place: Place, period: Period) -> list[Section]:
    found = []
    for _order, provider in sorted(_sections.values(), key=lambda entry: entry[0]):
        section = provider(fetched_by=fetched_by, place=place, period=period)
        if section is not None:
            found.append(section)
    return found


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


# --- the records behind a figure (the monthly report's Excel) -----------------------------------------
@dataclass
class Records:
    """The rows a list page shows for a figure's link, as a table: what the report's Excel puts under
    the figure so a reader can check the number against the records."""
    headers: list[str]
    rows: list[list]


# provider(fetched_by=, query=QueryDict, limit=) -> Records, keyed by the list page's URL name
RecordsProvider = Callable[..., Records]
_records: dict[str, RecordsProvider] = {}


def register_records(view_name: str, provider: RecordsProvider) -> None:
    """The rows of the list page named `view_name` ("requests:request_list") for a query string of its
    filters, read through the same selector as the page (so the rows are the records the figure counts
    and the viewer may see)."""
    _records[view_name] = provider


def records_behind(figure: Figure, *, fetched_by, limit: int) -> Records | None:
    """The records a figure links to, at most `limit` rows; None when the figure has no link or its list
    has registered no rows."""
    if not figure.link:
        return None
    parts = urlsplit(figure.link)
    try:
        provider = _records.get(resolve(parts.path).view_name)
    except Resolver404:
        return None
    return provider(fetched_by=fetched_by, query=QueryDict(parts.query), limit=limit) if provider else None
