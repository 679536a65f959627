"""Lists that stay cheap as the city grows: pages mapped row by row, counts estimated when a full count
would cost as much as reading every row, and lists gathered from several index walks (branches)."""

import base64
import binascii
import copy
import datetime
import json
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet

from gongzhi.core.errors import InvalidInput

# Below this many rows (as the planner estimates them) a list's total is counted exactly; above it the
# estimate is shown, marked as such (约): counting a district's million rows would take longer than the page.
EXACT_BELOW = 10_000


def estimated_count(queryset: QuerySet, *, exact_below: int | None = None) -> tuple[int, bool]:
    """(rows, estimated?): the exact count of a list the planner expects to hold fewer than `exact_below` rows
    (and always on databases other than PostgreSQL); of a longer one, an estimate."""
    exact_below = EXACT_BELOW if exact_below is None else exact_below
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count(), False
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a scope that is empty by construction (no estates, `pk__in=[]`): no query at all
        return 0, False
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    guess = int(plan[0]["Plan"]["Plan Rows"])
    if guess >= exact_below:  # counting would read every row (and check each against the scope)
        return guess, True
    # Counting at most exact_below + 1 rows reads no more than that many: exact for a short list, and a
    # list the planner underestimated shows the estimate rather than a slow count.
    capped = queryset.order_by().values("pk")[:exact_below + 1].count()
    return (capped, False) if capped <= exact_below else (capped, True)


class MappedPage:
    """A queryset the API paginator can count and slice, mapping only the slice it returns.

    Masking personal data row by row needs Python; this keeps that work to one page. With `estimate`,
    a large total is the planner's estimate (`count_estimated` says so).
    """

    def __init__(self, queryset, mapper, *, estimate: bool = False):
        self.queryset, self.mapper, self.estimate = queryset, mapper, estimate
        self.count_estimated = False

    def __len__(self):
        return self.count()

    def count(self):
        if hasattr(self.queryset, "count_estimated"):  # a Branches list counts itself (and says if it guessed)
            total = self.queryset.count()
            self.count_estimated = self.queryset.count_estimated
            return total
        if self.estimate:
            total, self.count_estimated = estimated_count(self.queryset)
            return total
        return self.queryset.count()

    def __getitem__(self, item):
        return self.mapper(self.queryset[item])

    def after(self, cursor: str) -> "MappedPage":
        """The rows after a cursor (keyset paging): only a list that walks its order (Branches) can."""
        page = copy.copy(self)
        page.queryset = self.queryset.after(cursor)
        return page

    def cursor_after(self, rows) -> str:
        return self.queryset.cursor_after(rows)


class Branches:
    """A list ordered by a few columns, gathered from several conditions (branches) each answered by an
    index walk — "this subdistrict's requests, newest first", "the ones I filed", "the ones I handle" —
    instead of one OR the database can only answer by reading every row that matches and sorting them.

    A page [offset, offset + n) reads at most offset + n keys from each branch, merges them in Python,
    drops rows two branches share, and loads the page's rows by primary key. `count()` is exact when
    the branches are small; a large branch's count is the planner's estimate (`count_estimated`). The
    branches after the first exclude the ones before them where they are counted (`disjoint`), so the
    total counts a row once.

    `queryset` (the union as one OR) is for what reads every row anyway (an export, a filter by id).
    """

    def __init__(self, base: QuerySet, branches: list[Q], order: tuple[str, ...], *, select_related=(),
                 counted: list[Q] | None = None):
        self.base, self.branches, self.order = base.order_by(), branches, order
        self.select_related = select_related
        self.counted = counted if counted is not None else branches  # the same rows, in fewer groups
        self.count_estimated = None

    @property
    def queryset(self) -> QuerySet:
        either = Q(pk__in=[])
        for q in self.branches:
            either |= q
        return self.base.filter(either).select_related(*self.select_related).order_by(*self.order)

    @cached_property
    def _total(self) -> tuple[int, bool]:
        total, estimated, before = 0, False, Q(pk__in=[])
        for q in self.counted:
            rows, guessed = estimated_count(self.base.filter(q).exclude(before))
            total, estimated, before = total + rows, estimated or guessed, before | q
        return total, estimated

    def count(self) -> int:
        total, self.count_estimated = self._total
        return total

    # --- keyset paging: "the rows after this one" is an index walk from that row, however deep the page
    def after(self, cursor: str) -> "Branches":
        """The same list from just after the row a cursor names (the total stays the whole list's)."""
        values = _decode_cursor(cursor, _kinds(self.base.model, self.order))
        later = copy.copy(self)
        later.base = self.base.filter(_after_q(self.order, values))
        later._total = self._total  # the list's total, not what is left of it
        return later

    def cursor_after(self, rows) -> str:
        """The cursor of the last of these rows (a page as __getitem__ returned it)."""
        last = rows[-1]
        return _encode_cursor([getattr(last, "pk" if f.lstrip("-") == "pk" else f.lstrip("-")) for f in self.order])

    def __len__(self):
        return self.count()

    def _keys(self, q: Q, stop: int) -> list[tuple]:
        fields = [f.lstrip("-") for f in self.order]
        return list(self.base.filter(q).order_by(*self.order).values_list(*fields)[:stop])

    def __getitem__(self, item):
        if isinstance(item, int):
            found = self[item:item + 1]
            if not found:
                raise IndexError(item)
            return found[0]
        start, stop = item.start or 0, item.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        descending = [f.startswith("-") for f in self.order]
        keys, seen = [], set()
        for q in self.branches:
            keys += self._keys(q, stop)
        merged = sorted(keys, key=lambda row: tuple(_Reversed(v) if d else _Sortable(v)
                                                    for v, d in zip(row, descending, strict=True)))
        ids = []
        for row in merged:
            pk = row[-1]  # the order ends with the primary key
            if pk not in seen:
                seen.add(pk)
                ids.append(pk)
        ids = ids[start:stop]
        rows = self.base.model._default_manager.filter(pk__in=ids).select_related(*self.select_related)
        by_pk = {row.pk: row for row in rows}
        return [by_pk[pk] for pk in ids if pk in by_pk]


CURSOR_INVALID = "翻页标记无效，请从第一页重新开始 / The paging cursor is not valid; start again from the first page"


def _encode_cursor(values: list) -> str:
    plain = [{"t": v.isoformat()} if isinstance(v, datetime.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, kinds: list[type]) -> list:
    """The values a cursor holds, each of the type its order column needs (an aware datetime, an int)."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(kinds):
            raise ValueError(cursor)
        values = [datetime.datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in plain]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise InvalidInput(CURSOR_INVALID, field="after") from exc
    for value, kind in zip(values, kinds, strict=True):
        if isinstance(value, bool) or not isinstance(value, kind) or (
                isinstance(value, datetime.datetime) and value.tzinfo is None) or (
                isinstance(value, int) and not -2**63 <= value < 2**63):  # beyond a bigint: the database refuses it
            raise InvalidInput(CURSOR_INVALID, field="after")
    return values


def _kinds(model, order: tuple[str, ...]) -> list[type]:
    """The Python type of each order column, for checking a cursor (keyset paging takes these two)."""
    kinds = []
    for field in order:
        name = field.lstrip("-")
        column = model._meta.pk if name == "pk" else model._meta.get_field(name)
        if column.null:
            raise TypeError(f"keyset paging needs columns without NULLs: {name}")
        kinds.append(datetime.datetime if column.get_internal_type() == "DateTimeField" else int)
    return kinds


def _after_q(order: tuple[str, ...], values: list) -> Q:
    """Rows after `values` in `order` (columns without NULLs): (a, b) < (x, y) spelled out as
    a < x OR (a = x AND b < y), which an index on (a, b) answers as one walk."""
    result, equal = Q(pk__in=[]), Q()
    for field, value in zip(order, values, strict=True):
        name = field.lstrip("-")
        result |= equal & Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        equal &= Q(**{name: value})
    return result


class _Sortable:
    """A sort key that puts None last, as PostgreSQL does in ascending order."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        if self.value is None or other.value is None:
            return self.value is not None and other.value is None
        return self.value < other.value

    def __eq__(self, other):
        return self.value == other.value


class _Reversed(_Sortable):
    """Descending, None first (PostgreSQL's DESC)."""

    def __lt__(self, other):
        if self.value is None or other.value is None:
            return self.value is None and other.value is not None
        return other.value < self.value


class EstimatedPaginator(Paginator):
    """Django's paginator with the total from `estimated_count` (`estimated` says when it is a guess)."""

    estimated = False

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            total, self.estimated = estimated_count(self.object_list)
            return total
        total = self.object_list.count()
        self.estimated = bool(getattr(self.object_list, "count_estimated", False))
        return total
