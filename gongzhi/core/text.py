"""Free text and ratings from forms and JSON bodies, checked the same way everywhere."""

from gongzhi.core.api_schema import CONTROL_CHARACTERS, no_control_characters
from gongzhi.core.errors import InvalidInput

TEXT_TOO_LONG = "内容最多 {n} 字 / The text is at most {n} characters"
RATING_RANGE = "满意度须为 1 至 5 / Satisfaction is 1 to 5"


def clean_text(value, limit: int, message_if_empty: str | None = None, message_if_long: str | None = None,
               *, field: str | None = None) -> str:
    """Stripped text, refused when required and empty, longer than the limit, or holding control
    characters (PostgreSQL cannot store NUL; no form needs the others)."""
    value = (value or "").strip()
    try:
        no_control_characters(value)
    except ValueError as exc:
        raise InvalidInput(CONTROL_CHARACTERS, field=field) from exc
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
