"""Reads of the shared mechanisms (approvals, audit trail, API tokens) that reach a user, through the scope."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.audit import COMMUNITY_PLACE, ESTATE_PLACE, Place, community_place, estate_place, roles_at
from gongzhi.core.audit_display import ESTATE, change_rows, changed_keys, references, subject_type_label, user_label
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.masking import mask_values
from gongzhi.core.models import (
    ApiToken,
    Approval,
    ApprovalSignature,
    ApprovalStatus,
    Decision,
    Delivery,
    DeliveryStatus,
    PasswordReset,
)
from gongzhi.core.queries import narrow
from gongzhi.core.registry import audit_action_label
from gongzhi.core.roles import Role
from gongzhi.core.rules import (
    account_in_reach,
    may_manage_accounts,
    may_manage_deliveries,
    may_reset_password_of,
    may_reset_passwords,
    password_reset_in_reach,
)
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.models import RoleAssignment
from gongzhi.places.models import Community, Estate


def approval_list(*, fetched_by, status: str | None = None, estate_id: int | None = None):
    qs = scope_for(fetched_by).approvals().select_related("estate", "created_by").prefetch_related(
        Prefetch("signatures", ApprovalSignature.objects.select_related("signer"))
    )
    if status:
        qs = qs.filter(status=status)
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("-created_at", "-id")


def approval_get(*, fetched_by, approval_id: int) -> Approval:
    return get_in_scope(approval_list(fetched_by=fetched_by), pk=approval_id)


def approvals_awaiting(*, fetched_by) -> list[Approval]:
    """Pending approvals with a signature this user may give now (the approvals inbox)."""
    scope = scope_for(fetched_by)
    candidates = approval_list(fetched_by=fetched_by, status=ApprovalStatus.PENDING).filter(
        signatures__decision=Decision.PENDING, signatures__role__in=scope.roles or [""]
    ).distinct()
    result = []
    for approval in candidates:
        signed = any(s.signer_id == fetched_by.pk for s in approval.signatures.all())
        roles = [s.role for s in approval.signatures.all() if s.decision == Decision.PENDING]
        own = approval.created_by_id == fetched_by.pk  # nobody signs what they asked for
        if not signed and not own and scope.holds_any(roles, approval.estate):
            result.append(approval)
    return result


def signable_roles(*, fetched_by, approval: Approval) -> list[str]:
    scope = scope_for(fetched_by)
    if approval.status != ApprovalStatus.PENDING:
        return []
    signatures = list(approval.signatures.all())
    if any(s.signer_id == fetched_by.pk for s in signatures) or approval.created_by_id == fetched_by.pk:
        return []
    return [s.role for s in signatures if s.decision == Decision.PENDING and scope.holds(s.role, approval.estate)]


def own_request_roles(*, fetched_by, approval: Approval) -> list[str]:
    """The pending slots the requester holds the role for but may not sign (their own request): the
    page says each needs another holder of that role."""
    if approval.status != ApprovalStatus.PENDING or approval.created_by_id != fetched_by.pk:
        return []
    scope = scope_for(fetched_by)
    return [s.role for s in approval.signatures.all()
            if s.decision == Decision.PENDING and scope.holds(s.role, approval.estate)]


AUDIT_SINCE_AFTER_UNTIL = "起始日期不能晚于截止日期 / The start date cannot be after the end date"
SYSTEM = _("系统")


def audit_list(
    *,
    fetched_by,
    action: str = "",
    actor: str = "",
    person: str = "",
    subject_type: str = "",
    subject_id: str = "",
    estate_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    """The audit rows the user may read, newest first. `action` is a code (approval.sign) or the part
    before its dot (approval: every action on approvals); `person` a fragment of the actor's name (their
    person's, else their login's full name — not the login name, which is `actor`); `since` and `until`
    local dates, both included."""
    if since and until and since > until:
        raise InvalidInput(AUDIT_SINCE_AFTER_UNTIL, field="until")
    qs = narrow(scope_for(fetched_by).audit_entries(), actor_name=actor, subject_type=subject_type,
                subject_id=subject_id, estate_id=estate_id,
                at__gte=clock.at(since) if since else None,
                at__lt=clock.at(until + clock.ONE_DAY) if until else None)
    if action:
        qs = qs.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if person:
        qs = qs.filter(_actors_named(person))
    return qs.order_by("-at", "-id")


def _actors_named(fragment: str) -> Q:
    """Rows whose actor's name holds the fragment: the person linked to the login, or the login's own
    full name (written 姓名 or "First Last"); "系统" finds what the system did."""
    users = get_user_model().objects.annotate(
        family_first=Concat("last_name", "first_name"), given_first=Concat("first_name", Value(" "), "last_name"),
    ).filter(Q(person__name__icontains=fragment) | Q(family_first__icontains=fragment)
             | Q(given_first__icontains=fragment))
    found = Q(actor_id__in=users.values("pk"))
    return found | Q(actor__isnull=True) if fragment in str(SYSTEM) else found


def audit_out(*, fetched_by, entries) -> list:
    """One page of audit rows as people read them: phone and ID numbers in before/after masked for this
    viewer, the action and subject type in Chinese, the actor by name and role, the local time, the
    estate (or community) by name, and the change as rows of (field label, before, after) with the
    logins and estates it names by name. Whatever the page's length, the lookups are a fixed handful of
    queries."""
    entries = list(entries)
    scope = scope_for(fetched_by)
    changed = {id(e): changed_keys(e.before, e.after) for e in entries}
    refs = set().union(*(references(e.subject_type, changed[id(e)], e.before, e.after) for e in entries))
    users = user_label()
    places = _audit_places(entries, {pk for label, pk in refs if label == ESTATE})
    actors = _user_names({e.actor_id for e in entries if e.actor_id} | {pk for label, pk in refs if label == users})
    names = {(users, pk): name for pk, name in actors.items()}
    names |= {(ESTATE, key[1]): value[1] for key, value in places.items() if key[0] == "estate"}
    current = _current_roles(e.actor_id for e in entries if e.actor_role is None and e.actor_id)
    for entry in entries:
        place = places.get(("estate", entry.estate_id)) or places.get(("community", entry.community_id))
        estates = [entry.estate_id] if entry.estate_id else places.get(("estates of", entry.community_id), [])
        entry.before = mask_values(scope, entry.before, estates)
        entry.after = mask_values(scope, entry.after, estates)
        entry.changes = change_rows(entry.subject_type, changed[id(entry)], entry.before, entry.after, names)
        entry.action_label = audit_action_label(entry.action)
        entry.subject_type_label = subject_type_label(entry.subject_type)
        entry.at_local = clock.stamp(entry.at, "%Y-%m-%d %H:%M:%S")
        entry.place_name = place[1] if place else ""
        entry.actor_display = actors.get(entry.actor_id, str(SYSTEM)) if entry.actor_id else str(SYSTEM)
        entry.roles_recorded = entry.actor_role is not None
        if entry.roles_recorded:
            entry.roles = [r for r in entry.actor_role.split(",") if r]
        else:
            entry.roles = roles_at(current.get(entry.actor_id, []), place[0] if place else Place())
        entry.roles_label = "、".join(_role_label(r) for r in entry.roles)
    return entries


def _role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


def _audit_places(entries, named_estates: set[int]) -> dict:
    """("estate", id) and ("community", id) -> (Place, name); ("estates of", community id) -> its estates
    (whoever may unmask in one of them may unmask a community-level row). `named_estates`: estates the
    changes name, loaded with the rows' own."""
    estate_ids = {e.estate_id for e in entries if e.estate_id} | named_estates
    community_ids = {e.community_id for e in entries if e.community_id and not e.estate_id}
    found: dict = {}
    for row in Estate.objects.filter(pk__in=estate_ids).values(*ESTATE_PLACE, "name"):
        found[("estate", row["pk"])] = (estate_place(row), row["name"])
    if community_ids:
        for row in Community.objects.filter(pk__in=community_ids).values(*COMMUNITY_PLACE, "name"):
            found[("community", row["pk"])] = (community_place(row), row["name"])
        for pk, community_id in Estate.objects.filter(community_id__in=community_ids).values_list("pk", "community_id"):
            found.setdefault(("estates of", community_id), []).append(pk)
    return found


def _user_names(ids: set[int]) -> dict[int, str]:
    """Login id -> the name people know them by: their person's, else the login's full name, else the login."""
    rows = get_user_model().objects.filter(pk__in=ids).values("pk", "username", "first_name", "last_name",
                                                              "person__name")
    names = {}
    for row in rows:
        full = f"{row['first_name']} {row['last_name']}".strip()
        names[row["pk"]] = row["person__name"] or full or row["username"]
    return names


def _current_roles(actor_ids) -> dict[int, list]:
    """Actor id -> their role assignments in force today (for rows written before roles were recorded)."""
    ids = set(actor_ids)
    if not ids:
        return {}
    found: dict[int, list] = {}
    rows = RoleAssignment.objects.current().filter(user_id__in=ids).annotate(
        building_estate_id=F("building__estate_id"), unit_estate_id=F("unit__estate_id"))
    for a in rows:
        found.setdefault(a.user_id, []).append(a)
    return found


# --- logins and API tokens ----------------------------------------------------------------------
ACCOUNTS_NOT_ADMIN = "只有管理员可以查看或撤销他人的接口令牌 / Only an administrator can see or revoke others' API tokens"


def account_for(*, fetched_by, user_id: int, denied: str):
    """The user whose login `fetched_by` manages: 403 for a role that manages none, 404 for a user out
    of reach or missing (the same answer)."""
    if not may_manage_accounts(fetched_by):
        raise PermissionDenied(denied)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not account_in_reach(fetched_by, user.pk):
        raise NotFound()
    return user


def api_tokens(*, fetched_by, user_id: int | None = None) -> QuerySet:
    """A user's API tokens, newest first: one's own, or (administrators) those of a user in reach."""
    if user_id is not None and user_id != fetched_by.pk:
        account_for(fetched_by=fetched_by, user_id=user_id, denied=ACCOUNTS_NOT_ADMIN)
    return ApiToken.objects.filter(user_id=user_id or fetched_by.pk).order_by("-created_at", "-pk")


# --- logging in by mobile; forgotten passwords ----------------------------------------------------
PASSWORD_RESET_NOT_KEEPER = (
    "只有社区工作人员、社区书记或管理员可以重置密码 / Only community staff, the community secretary or an "
    "administrator can reset a password"
)
PASSWORD_RESET_NOT_THIS = (
    "不能在此重置该账号的密码：本人请修改密码；工作人员和干部的账号请管理员重置 / This password cannot be reset "
    "here: change your own instead; staff and officers' logins are reset by an administrator"
)


def _mobile_forms(mobile: str) -> list[str]:
    """The ways an 11-digit mobile is found written in a person's record."""
    a, b, c = mobile[:3], mobile[3:7], mobile[7:]
    return [mobile, f"+86{mobile}", f"+86 {mobile}", f"{a}-{b}-{c}", f"{a} {b} {c}"]


def account_by_mobile(mobile: str):
    """The active login a mobile number stands for: the one whose login name it is, else the only one whose
    person has it as phone; None for no such login or several (nobody is logged in by guesswork). A read
    for the login itself: nothing of it reaches the person asking, whatever the answer."""
    users = get_user_model().objects.filter(is_active=True)
    named = users.filter(username=mobile).first()
    if named is not None:
        return named
    found = list(users.filter(person__phone__in=_mobile_forms(mobile)).distinct()[:2])
    return found[0] if len(found) == 1 else None


def account_for_reset(*, fetched_by, user_id: int):
    """The login whose password `fetched_by` may reset: 403 for a role that resets none, 404 for a login
    out of reach or missing (the same answer), 403 for one in reach that is not theirs to reset."""
    if not may_reset_passwords(fetched_by):
        raise PermissionDenied(PASSWORD_RESET_NOT_KEEPER)
    user = get_user_model().objects.filter(pk=user_id).first()
    own = user is not None and fetched_by is not None and user.pk == fetched_by.pk
    if user is None or not (own or password_reset_in_reach(fetched_by, user.pk)):
        raise NotFound()
    if not may_reset_password_of(fetched_by, user):
        raise PermissionDenied(PASSWORD_RESET_NOT_THIS)
    return user


def password_change_due(user) -> bool:
    """Whether the user still has the one-time password staff issued (and must choose their own first)."""
    if user is None or not user.is_authenticated:
        return False
    return PasswordReset.objects.filter(user_id=user.pk, changed_at__isnull=True).exists()


def password_resettable(*, fetched_by, user_id: int | None) -> bool:
    """Whether a page may offer `fetched_by` the reset of this login (the same checks as the reset)."""
    if user_id is None or not may_reset_passwords(fetched_by):
        return False
    try:
        account_for_reset(fetched_by=fetched_by, user_id=user_id)
    except (NotFound, PermissionDenied):
        return False
    return True


# --- deliveries over SMS / WeChat ----------------------------------------------------------------------
DELIVERIES_NOT_ADMIN = "只有管理员可以查看和重发通知投递 / Only an administrator can see and resend deliveries"


def deliveries(*, fetched_by, status: str = "failed") -> QuerySet:
    """The deliveries to the people in the administrator's reach (everyone for the system's root), by
    status ("failed" by default; "open": not yet sent), the most recent first."""
    if not may_manage_deliveries(fetched_by):
        raise PermissionDenied(DELIVERIES_NOT_ADMIN)
    scope = scope_for(fetched_by)
    found = Delivery.objects.select_related("notification__user")
    if not scope.is_root:
        found = found.filter(notification__user_id__in=scope.only([Role.ADMINISTRATOR]).persons().filter(
            user_id__isnull=False).values("user_id"))
    if status == "open":
        found = found.exclude(status=DeliveryStatus.SENT)
    elif status:
        found = found.filter(status=status)
    return found.order_by("-notification__created_at", "-pk")


def delivery_get(*, fetched_by, delivery_id: int) -> Delivery:
    return get_in_scope(deliveries(fetched_by=fetched_by, status=""), pk=delivery_id)
