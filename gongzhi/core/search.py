"""Search across what the user may see: one box, results grouped by kind. Each app registers a finder in
its AppConfig.declare() (`register_finder`); a finder reads through its app's scoped selectors, so a
result is never something the user could not open, and masks what the user's role may not read."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import InvalidInput
from gongzhi.core.text import clean_text

QUERY_MAX = 50
QUERY_REQUIRED = _("请输入要查找的内容 / Type what to look for")
QUERY_TOO_LONG = _("查找内容不超过 50 个字 / Search for at most 50 characters")
PER_KIND = 10


@dataclass
class Hit:
    title: str
    detail: str
    url: str


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit]


Finder = Callable[..., list[Hit]]
_finders: dict[str, tuple[int, object, Finder]] = {}


def register_finder(key: str, label, finder: Finder, order: int = 50) -> None:
    """`finder(fetched_by=, query=, limit=)` returns at most `limit` hits the user may open."""
    _finders[key] = (order, label, finder)


def normalise(query: str) -> str:
    """The query as typed, checked like any text field (no NUL or direction controls), with full-width
    letters and digits made ASCII (５号楼 → 5号楼) and runs of spaces made one."""
    text = clean_text(query or "", QUERY_MAX, QUERY_REQUIRED, QUERY_TOO_LONG)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def search(*, fetched_by, query: str) -> list[Group]:
    text = normalise(query)
    if not text:
        raise InvalidInput(QUERY_REQUIRED, field="q")
    groups = []
    for key, (_order, label, finder) in sorted(_finders.items(), key=lambda item: item[1][0]):
        hits = finder(fetched_by=fetched_by, query=text, limit=PER_KIND)
        if hits:
            groups.append(Group(key, str(label), hits[:PER_KIND]))
    return groups


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())
