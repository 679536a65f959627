"""Small helpers the apps' views share: run a write from a form, read a posted id."""

from django.contrib import messages

from gongzhi.core.api_schema import MAX_ID
from gongzhi.core.errors import GongzhiError, InvalidInput
from gongzhi.core.text import ascii_int

UNKNOWN_ACTION = "未知的操作 / Unknown action"


def attempt(request, action, success):
    """Run a write; a domain error becomes a message on the same page (403/404 stay errors, so the
    wrong role or estate never sees the page). Returns the action's result, or None."""
    try:
        result = action()
    except GongzhiError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return None
    if success:
        messages.success(request, success)
    return result


def posted_action(request, actions: dict, name: str | None = None):
    """What `actions` holds for the posted `action` field (or for `name`); an unknown one is refused."""
    found = actions.get(name if name is not None else request.POST.get("action", ""))
    if found is None:
        raise InvalidInput(UNKNOWN_ACTION)
    return found


def posted_id(value):
    """A posted id, or None when it is missing, not ASCII digits or beyond the database's integers
    (the service then says not found)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_ID else None
    return ascii_int(value)


def posted_ids(values, message, field: str = "") -> list[int]:
    """Posted ids (a multiple choice); one that is not a number is refused with `message`, never
    silently dropped, so the form does not report success for less than was asked."""
    ids = [posted_id(v) for v in values if v != ""]
    if None in ids:
        raise InvalidInput(message, field=field)
    return ids


def posted_date(value):
    """A posted YYYY-MM-DD date, or None when missing, malformed or impossible (2026-02-30)."""
    from django.utils.dateparse import parse_date

    try:
        return parse_date(value or "")
    except ValueError:
        return None
