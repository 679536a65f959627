"""Reads of the shared mechanisms (approvals, audit trail, API tokens) that reach a user, through the scope."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.masking import mask_values
from gongzhi.core.models import ApiToken, Approval, ApprovalSignature, ApprovalStatus, Decision, PasswordReset
from gongzhi.core.queries import narrow
from gongzhi.core.registry import audit_action_label
from gongzhi.core.rules import (
    account_in_reach,
    may_manage_accounts,
    may_reset_password_of,
    may_reset_passwords,
    password_reset_in_reach,
)
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.places.models import Estate


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


def audit_list(
    *,
    fetched_by,
    action: str = "",
    actor: str = "",
    subject_type: str = "",
    estate_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    qs = narrow(scope_for(fetched_by).audit_entries(), action__startswith=action, actor_name=actor,
                subject_type=subject_type, estate_id=estate_id, at__date__gte=since, at__date__lte=until)
    return qs.order_by("-at", "-id")




def audit_out(*, fetched_by, entries) -> list:
    """Audit entries with phone and ID numbers in before/after masked for this viewer."""
    scope = scope_for(fetched_by)
    community_estates: dict[int, list[int]] = {}
    out = []
    for entry in entries:
        if entry.estate_id:
            estates = [entry.estate_id]
        elif entry.community_id:  # a community-level record: whoever may unmask in that community
            if entry.community_id not in community_estates:
                community_estates[entry.community_id] = list(
                    Estate.objects.filter(community_id=entry.community_id).values_list("pk", flat=True)
                )
            estates = community_estates[entry.community_id]
        else:
            estates = []
        entry.before = mask_values(scope, entry.before, estates)
        entry.after = mask_values(scope, entry.after, estates)
        entry.action_label = audit_action_label(entry.action)
        out.append(entry)
    return out


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
