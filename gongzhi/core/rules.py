"""The kernel's named permission predicates (apps keep theirs in their own rules.py)."""

from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for


def may_edit_calendar(actor) -> bool:
    """The working-day calendar is one for the whole deployment: administrators keep it (the system,
    actor None, through `gongzhi calendar import`)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or Role.ADMINISTRATOR in scope.roles
