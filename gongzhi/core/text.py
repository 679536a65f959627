"""Free text and ratings from forms and JSON bodies, checked the same way everywhere."""

import re

from gongzhi.core.api_schema import MAX_ID, no_control_characters
from gongzhi.core.errors import InvalidInput

# The limit for text a service keeps whole or cuts itself (a memo's first 200 characters): clean_text
# then only refuses what must never be stored (NUL, control and direction characters).
ANY_LENGTH = 1_000_000
TEXT_TOO_LONG = "内容最多 {n} 字 / The text is at most {n} characters"
RATING_RANGE = "满意度须为 1 至 5 / Satisfaction is 1 to 5"


def clean_text(value, limit: int, message_if_empty: str | None = None, message_if_long: str | None = None,
               *, field: str | None = None) -> str:
    """Stripped text, refused when required and empty, longer than the limit, or holding control
    characters (PostgreSQL cannot store NUL; no form needs the others) or Unicode direction controls
    (they make a published title or a printout read reversed)."""
    value = (value or "").strip()
    try:
        no_control_characters(value)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from exc
    if message_if_empty and not value:
        raise InvalidInput(message_if_empty, field=field)
    if len(value) > limit:
        raise InvalidInput((message_if_long or TEXT_TOO_LONG).format(n=limit), field=field)
    return value


def check_rating(satisfaction, *, message: str = RATING_RANGE, field: str = "satisfaction") -> int:
    """A satisfaction rating: a whole number 1 to 5 (a tick box's True is not one)."""
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        raise InvalidInput(message, field=field)
    return satisfaction


_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_int(value, *, maximum: int = MAX_ID) -> int | None:
    """Text of ASCII digits 0-9 only (str.isdigit also accepts "²" and "١", which int() refuses or
    reads as another number) as an int no larger than `maximum` (the database's bigint by default),
    or None. Surrounding spaces are allowed; signs, decimals and other scripts' digits are not."""
    text = value.strip() if isinstance(value, str) else ""
    if not _ASCII_DIGITS.fullmatch(text) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def is_ascii_digits(value) -> bool:
    """True when the text is one or more ASCII digits 0-9 and nothing else."""
    return isinstance(value, str) and _ASCII_DIGITS.fullmatch(value) is not None
