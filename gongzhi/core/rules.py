"""The kernel's named permission predicates (apps keep theirs in their own rules.py)."""

from gongzhi.core.roles import BUILDING_ROLES, PERSONAL_ROLES, STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for


def may_edit_calendar(actor) -> bool:
    """The working-day calendar is one for the whole deployment: administrators keep it (the system,
    actor None, through `gongzhi calendar import`)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or Role.ADMINISTRATOR in scope.roles


def may_administer(actor, estate_id: int | None, community_id: int | None) -> bool:
    """Back-office edits of a record of this estate or community: its administrators (the system too)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_root:
        return True
    if Role.ADMINISTRATOR not in scope.roles:
        return False
    admin_roles = [Role.ADMINISTRATOR]
    if estate_id is not None:
        return estate_id in scope.estate_ids(admin_roles)
    if community_id is not None:
        return scope.communities(admin_roles).filter(pk=community_id).exists()
    return False


def may_raise_approval(actor) -> bool:
    """Raise an approval (发起审批单): staff of some estate; the service then asks for that estate."""
    scope = scope_for(actor)
    return scope.is_root or scope.has_any(STAFF_ROLES)


def may_manage_deliveries(actor) -> bool:
    """See failed SMS/WeChat deliveries and send them again: administrators, for the people in their reach."""
    scope = scope_for(actor)
    return scope.is_root or Role.ADMINISTRATOR in scope.roles


def may_manage_accounts(actor) -> bool:
    """Unlock a login and see or revoke another user's API tokens: administrators (and the system)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or Role.ADMINISTRATOR in scope.roles


def account_in_reach(actor, user_id: int) -> bool:
    """Whether this user's login is one the actor's administrator roles reach: a person in scope of
    those roles who holds the login (the actor's own login too). Others answer like missing ones."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_root or actor.pk == user_id:
        return True
    return scope.only([Role.ADMINISTRATOR]).persons().filter(user_id=user_id).exists()


# Reset a forgotten password (a one-time password handed over in person): whoever opens the logins of a
# community's residents (people.rules.may_open_account: community staff, the secretary, administrators).
ACCOUNT_KEEPERS = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
# The logins community staff may reset: residents, owners, building heads. A login holding any other role
# (staff, cadres, officers) is reset only by an administrator who reaches it, and a superuser's never here.
RESIDENT_LOGIN_ROLES = frozenset(PERSONAL_ROLES | BUILDING_ROLES)


def may_reset_passwords(actor) -> bool:
    """Offer password resets at all: a holder of an account keeper's role (the system too)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or scope.has_any(ACCOUNT_KEEPERS)


def password_reset_in_reach(actor, user_id: int) -> bool:
    """Whether the login is one the actor's keeper roles reach: a person in their scope holds it."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or scope.only(ACCOUNT_KEEPERS).persons().filter(user_id=user_id).exists()


def may_reset_password_of(actor, user) -> bool:
    """Reset this login in reach: never one's own (change it instead) nor a superuser's; a resident's by any
    keeper; a login with any other role only by an administrator who reaches it."""
    if actor is None:
        return True
    if user.pk == actor.pk or user.is_superuser:
        return False
    if scope_for(user).roles <= RESIDENT_LOGIN_ROLES:
        return True
    return may_manage_accounts(actor) and account_in_reach(actor, user.pk)
