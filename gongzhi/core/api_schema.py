"""Shared pieces of the JSON API: the error body, the error responses every endpoint declares,
a bounded id type and bounded pagination (so no input can overflow the database's integers)."""

import base64
import binascii
import datetime
import re
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import BeforeValidator

from gongzhi.core.errors import InvalidInput
from gongzhi.core.files import Upload

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]  # path and query: arrives as text
BodyId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]  # JSON body: a number, not "12"


def _iso_date_only(value):
    # pydantic would read 0 or 1700000000 as a date; in this API a date is written YYYY-MM-DD.
    # A query parameter arrives as text, and pydantic would read "0" as 1970-01-01.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期须写作 YYYY-MM-DD / a date is written YYYY-MM-DD")
    if not isinstance(value, str | datetime.date):
        raise ValueError("日期须写作 YYYY-MM-DD / a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date_only)]


CONTROL_CHARACTERS = "文字中含有不可见的控制字符 / the text contains control characters"
DIRECTION_CONTROLS = ("文字中含有改变书写方向的不可见字符，会使公示或打印内容显示颠倒，请删除后重试 / "
                      "the text contains invisible direction controls that can make a notice or printout read "
                      "reversed; remove them")
# Unicode bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069)
# and the marks (U+200E, U+200F, U+061C). Typed into a title they reorder what a notice or printout shows.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def no_control_characters(value):
    """The value, or ValueError when it holds a control character or a direction control (used by
    forms and services too; the error's text is the message to show)."""
    # PostgreSQL text cannot hold NUL, and no notice or title needs other control characters.
    if isinstance(value, str):
        if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
            raise ValueError(CONTROL_CHARACTERS)
        if not BIDI_CONTROLS.isdisjoint(value):
            raise ValueError(DIRECTION_CONTROLS)
    return value


Text = Annotated[str, BeforeValidator(no_control_characters)]  # free text from a JSON body


class ErrorOut(Schema):
    detail: str
    code: str
    field: str | None = None
    errors: list[Any] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10**9)


class EstimatedPagination(Pagination):
    """Limit and offset, with a total that may be the database's estimate for a large list (core.paging):
    `count_estimated` is true when `count` is an estimate rather than a count."""

    class Output(Schema):
        items: list[Any]
        count: int
        count_estimated: bool = False

    def paginate_queryset(self, queryset, pagination, request, **params):
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        count = queryset.count()
        return {"items": queryset[offset:offset + limit], "count": count,
                "count_estimated": bool(getattr(queryset, "count_estimated", False))}


class KeysetPagination(EstimatedPagination):
    """EstimatedPagination with keyset paging for lists that walk their order (core.paging.Branches): each
    page's `next` is a cursor; `?after=<next>` returns the page after it as one index walk, however deep,
    where `offset` reads every row before the page (with both, `offset` counts from the cursor)."""

    class Input(Pagination.Input):
        after: str | None = Field(None, max_length=200)

    class Output(EstimatedPagination.Output):
        next: str | None = None

    def paginate_queryset(self, queryset, pagination, request, **params):
        limit = min(pagination.limit, self.max_limit)
        offset = pagination.offset
        if pagination.after:
            queryset = queryset.after(pagination.after)
        count = queryset.count()
        raw = queryset.queryset[offset:offset + limit]  # the rows, before they are mapped for output
        following = queryset.cursor_after(raw) if len(raw) == limit else None
        return {"items": queryset.mapper(raw), "count": count,
                "count_estimated": bool(getattr(queryset, "count_estimated", False)), "next": following}


FILE_NOT_BASE64 = "附件须为 base64 编码 / A file must be base64-encoded"


class FileIn(Schema):
    """A file inside a JSON body: its name and its bytes in base64 (the web form's file input)."""

    model_config = {"extra": "forbid"}
    name: Text = Field(..., min_length=1, max_length=100)
    data_base64: str = Field(..., max_length=14 * 1024 * 1024)


def uploads(items: list[FileIn] | None, *, field: str) -> list[Upload]:
    """The files of a JSON body as the services take them; bad base64 is the caller's error (400)."""
    files = []
    for item in items or []:
        try:
            files.append(Upload(item.name, base64.b64decode(item.data_base64, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(FILE_NOT_BASE64, field=field) from exc
    return files
