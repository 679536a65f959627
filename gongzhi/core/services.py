"""Writes of the shared mechanisms: approvals (审批单) and back-office record edits.

Every function takes the acting user first, checks permission, runs in one transaction, locks
what two people can race on, and leaves an audit record.
"""

import datetime
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import models, transaction

from gongzhi.core import clock, locks, notifications, registry, selectors
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.choices import AuditAction
from gongzhi.core.errors import GongzhiError, InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import (
    ApiToken,
    Approval,
    ApprovalSignature,
    ApprovalStatus,
    CalendarDay,
    Decision,
    Delivery,
    DeliveryStatus,
    LoginFailure,
    PasswordReset,
    SmsCode,
)
from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.core.rules import account_in_reach, may_administer, may_edit_calendar, may_manage_accounts
from gongzhi.core.scoping import Scope, get_in_scope, scope_for
from gongzhi.core.tables import read_table

APPROVAL_NEEDS_ROLES = "审批单至少需要一个签署角色 / An approval needs at least one signatory role"
APPROVAL_UNKNOWN_KIND = "未知的审批类别：{kind} / Unknown approval kind: {kind}"
APPROVAL_UNKNOWN_ROLE = "未知的签署角色：{role} / Unknown signatory role: {role}"
APPROVAL_DUPLICATE_ROLE = "同一角色只能签署一次：{role} / Each role signs once: {role}"
APPROVAL_TITLE_REQUIRED = "请填写审批事由 / The approval needs a title"
APPROVAL_NOT_PENDING = "该审批单已结束，不能再签署 / This approval is already decided"
APPROVAL_NOT_YOUR_ROLE = (
    "您在该小区不担任“{role}”，不能代为签署 / You do not hold the role {role} for this estate"
)
APPROVAL_ROLE_NOT_REQUIRED = "该审批单不需要“{role}”签署 / This approval does not need {role}"
APPROVAL_ROLE_DONE = "“{role}”已经签署过 / {role} has already signed"
APPROVAL_ALREADY_SIGNED = "您已签署过该审批单，同一人不能签两次 / You have already signed this approval"
APPROVAL_CHOOSE_ROLE = "您可以多个角色签署，请选择一个 / You hold several required roles: choose one"
APPROVAL_NOTHING_TO_SIGN = "该审批单没有等待您签署的项目 / Nothing in this approval waits for you"
APPROVAL_OWN_REQUEST = (
    "您是该审批单的申请人，不能签署或驳回自己的申请；须由另一位担任该角色的人签署 / You requested this approval: "
    "you cannot sign or reject it — another holder of the role must"
)
APPROVAL_REJECT_NEEDS_COMMENT = "驳回时请填写理由 / Give a reason when rejecting"
NOT_ADMINISTRATOR = "只有该范围的管理员可以修改此记录 / Only an administrator of this scope can change it"

# Callables run for every decided approval, inside the deciding transaction (the notices app
# enters completed approvals in the transparency log this way).
_approval_listeners: list[Callable[[Approval], None]] = []


def on_approval_decided(listener: Callable[[Approval], None]) -> None:
    if listener not in _approval_listeners:
        _approval_listeners.append(listener)


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


@transaction.atomic
def approval_create(
    actor,
    *,
    estate_id: int,
    title: str,
    roles: Iterable[str],
    kind: str = "general",
    body: str = "",
    subject: models.Model | None = None,
) -> Approval:
    scope = scope_for(actor)

    estate = get_in_scope(scope.estates(STAFF_ROLES), pk=estate_id)
    roles = list(roles)
    if registry.approval_kind(kind) is None:
        raise InvalidInput(APPROVAL_UNKNOWN_KIND.format(kind=kind), field="kind")
    title = (title or "").strip()
    if not title:
        raise InvalidInput(APPROVAL_TITLE_REQUIRED, field="title")
    if not roles:
        raise InvalidInput(APPROVAL_NEEDS_ROLES, field="roles")
    seen = set()
    for role in roles:
        if role not in Role.values:
            raise InvalidInput(APPROVAL_UNKNOWN_ROLE.format(role=role), field="roles")
        if role in seen:
            raise InvalidInput(APPROVAL_DUPLICATE_ROLE.format(role=_role_label(role)), field="roles")
        seen.add(role)
    approval = Approval(kind=kind, title=title[:200], body=body, estate=estate, created_by=actor)
    if subject is not None:
        approval.subject = subject
    approval.save()
    ApprovalSignature.objects.bulk_create(
        ApprovalSignature(approval=approval, role=role, position=i) for i, role in enumerate(roles)
    )
    audit_record(actor, AuditAction.APPROVAL_CREATE, approval, after={**snapshot(approval), "roles": roles})
    return approval


def approval_sign(actor, *, approval_id: int, role: str | None = None, comment: str = "") -> Approval:
    return _approval_decide(actor, approval_id=approval_id, role=role, comment=comment, decision=Decision.SIGNED)


def approval_reject(actor, *, approval_id: int, role: str | None = None, comment: str = "") -> Approval:
    if not (comment or "").strip():
        raise InvalidInput(APPROVAL_REJECT_NEEDS_COMMENT, field="comment")
    return _approval_decide(
        actor, approval_id=approval_id, role=role, comment=comment, decision=Decision.REJECTED
    )


def _pick_signature(scope: Scope, approval: Approval, role: str | None) -> ApprovalSignature:
    signatures = list(approval.signatures.all())
    if role:
        match = [s for s in signatures if s.role == role]
        if not match:
            raise InvalidInput(APPROVAL_ROLE_NOT_REQUIRED.format(role=_role_label(role)), field="role")
        signature = match[0]
        if not scope.holds(role, approval.estate):
            raise PermissionDenied(APPROVAL_NOT_YOUR_ROLE.format(role=_role_label(role)))
        if signature.decision != Decision.PENDING:
            raise WrongState(APPROVAL_ROLE_DONE.format(role=_role_label(role)))
        return signature
    mine = [s for s in signatures if s.decision == Decision.PENDING and scope.holds(s.role, approval.estate)]
    if not mine:
        raise PermissionDenied(APPROVAL_NOTHING_TO_SIGN)
    if len(mine) > 1:
        raise InvalidInput(APPROVAL_CHOOSE_ROLE, field="role")
    return mine[0]


@transaction.atomic
def _approval_decide(actor, *, approval_id, role, comment, decision) -> Approval:
    scope = scope_for(actor)
    visible = get_in_scope(scope.approvals(), pk=approval_id)
    # Lock the approval row: two signatories deciding at the same moment queue here, so neither
    # signature is lost and the completion check sees both.
    approval = Approval.objects.select_for_update(of=("self",)).select_related("estate").get(pk=visible.pk)
    if approval.status != ApprovalStatus.PENDING:
        raise WrongState(APPROVAL_NOT_PENDING)
    if actor is not None and approval.created_by_id == actor.pk:
        # Nobody signs what they asked for: the requester is excluded from every signatory slot.
        raise PermissionDenied(APPROVAL_OWN_REQUEST)
    if approval.signatures.filter(signer=actor).exists():
        raise WrongState(APPROVAL_ALREADY_SIGNED)
    signature = _pick_signature(scope, approval, role)
    before = snapshot(signature)
    signature.decision = decision
    signature.signer = actor
    signature.signed_at = clock.now()
    signature.comment = (comment or "").strip()[:500]
    signature.save()

    approval_before = snapshot(approval)
    if decision == Decision.REJECTED:
        approval.status = ApprovalStatus.REJECTED
    elif not approval.signatures.exclude(decision=Decision.SIGNED).exists():
        approval.status = ApprovalStatus.APPROVED
    if approval.status != ApprovalStatus.PENDING:
        approval.decided_at = signature.signed_at
        approval.save(update_fields=["status", "decided_at"])
    action = AuditAction.APPROVAL_SIGN if decision == Decision.SIGNED else AuditAction.APPROVAL_REJECT
    audit_record(actor, action, signature, before=before, after=snapshot(signature))
    if approval.status != ApprovalStatus.PENDING:
        audit_record(actor, AuditAction(f"approval.{approval.status}"), approval, before=approval_before, after=snapshot(approval))
        declared = registry.approval_kind(approval.kind)
        if declared is not None and declared.on_decided is not None:
            declared.on_decided(approval)
        for listener in _approval_listeners:
            listener(approval)
    return approval


# --- back-office edits (admin) --------------------------------------------------------------
@transaction.atomic
def record_save(actor, instance: models.Model, *, scope_ids: tuple[int | None, int | None]) -> models.Model:
    """Save a back-office edit made in the admin, after checking the actor administers it."""
    if actor is not None and not may_administer(actor, *scope_ids):
        raise PermissionDenied(NOT_ADMINISTRATOR)
    before = None
    if instance.pk is not None:
        old = type(instance)._base_manager.filter(pk=instance.pk).first()
        before = snapshot(old) if old is not None else None
    instance.full_clean()
    instance.save()
    action = f"{instance._meta.model_name}.{'update' if before else 'create'}"
    audit_record(
        actor, action, instance, before=before, after=snapshot(instance),
        estate_id=scope_ids[0], community_id=scope_ids[1],
    )
    return instance


@transaction.atomic
def record_delete(actor, instance: models.Model, *, scope_ids: tuple[int | None, int | None]) -> None:
    if actor is not None and not may_administer(actor, *scope_ids):
        raise PermissionDenied(NOT_ADMINISTRATOR)
    before = snapshot(instance)
    audit_record(
        actor, f"{instance._meta.model_name}.delete", instance, before=before,
        estate_id=scope_ids[0], community_id=scope_ids[1],
    )
    instance.delete()


# --- logins: failures, lockout, unlock ----------------------------------------------------------------
ACCOUNT_LOCKED = (
    "该账号连续{failures}次登录失败，已暂时锁定。请{minutes}分钟后再试，或请社区工作人员（管理员）解锁 / "
    "This account is locked after {failures} failed logins. Try again in {minutes} minutes, or ask "
    "community staff (an administrator) to unlock it"
)
ADDRESS_LOCKED = (
    "从您所在的网络登录失败次数过多，已暂时限制登录。请{minutes}分钟后再试，或请社区工作人员（管理员）协助 / "
    "Too many failed logins from your network. Try again in {minutes} minutes, or ask community staff "
    "(an administrator) for help"
)
ACCOUNT_UNLOCK_NOT_ADMIN = "只有管理员可以解除账号锁定 / Only an administrator can unlock an account"


class AccountLocked(GongzhiError):
    """Refused before the password is even checked: too many recent failures (429)."""

    status = 429
    code = "locked"


def _login_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.GONGZHI_LOGIN_WINDOW_MINUTES)


def _login_key(username: str) -> str:
    """Logins ignore case (core.backends), so the count does too: WangAyi and wangayi are one account."""
    return (username or "").strip().lower()[:150]


def login_address(request) -> str:
    """The address a login comes from, as the server saw it (the reverse proxy must pass the client's)."""
    return (request.META.get("REMOTE_ADDR") or "")[:45] if request is not None else ""


def _unlocks_at(failures: models.QuerySet, limit: int) -> datetime.datetime | None:
    """When the limit-th most recent failure in the window leaves it; None while under the limit."""
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    return times[-1] + _login_window() if len(times) >= limit else None


def login_lock(username: str, address: str) -> AccountLocked | None:
    """Why a login may not be tried now (the error to raise), or None. Read from the database, so
    every app server agrees; time from core.clock."""
    since = clock.now() - _login_window()
    recent = LoginFailure.objects.filter(at__gt=since)
    checks = [(recent.filter(username=_login_key(username)), settings.GONGZHI_LOGIN_FAILURES, ACCOUNT_LOCKED)]
    if address:
        checks.append((recent.filter(address=address), settings.GONGZHI_ADDRESS_FAILURES, ADDRESS_LOCKED))
    for failures, limit, message in checks:
        until = _unlocks_at(failures, limit)
        if until is not None:
            minutes = max(1, -(-int((until - clock.now()).total_seconds()) // 60))
            return AccountLocked(message.format(failures=limit, minutes=minutes))
    return None


@transaction.atomic
def login_failure_record(actor, *, username: str, address: str) -> None:
    """Count one failed login. The failure that reaches the limit locks the account, and that goes in
    the audit trail (one entry per lock, not per failure: the failures are their own record)."""
    key = _login_key(username)
    LoginFailure.objects.create(username=key, address=address, at=clock.now())
    limit = settings.GONGZHI_LOGIN_FAILURES
    if LoginFailure.objects.filter(username=key, at__gt=clock.now() - _login_window()).count() == limit:
        user = get_user_model().objects.filter(username__iexact=key).first()
        if user is not None:
            audit_record(actor, AuditAction.ACCOUNT_LOCK, user, after={"failures": limit, "address": address})


def login_success_record(actor, *, username: str) -> None:
    """A right password clears the account's count (the address keeps the failures it made)."""
    LoginFailure.objects.filter(username=_login_key(username)).delete()


@transaction.atomic
def account_unlock(actor, *, user_id: int) -> int:
    """Lift a lockout now (staff, after checking who is asking): the account's failures are cleared,
    from every address. Returns how many failures were cleared."""
    user = selectors.account_for(fetched_by=actor, user_id=user_id, denied=ACCOUNT_UNLOCK_NOT_ADMIN)
    cleared, _ = LoginFailure.objects.filter(username=_login_key(user.get_username())).delete()
    audit_record(actor, AuditAction.ACCOUNT_UNLOCK, user, after={"failures_cleared": cleared})
    return cleared


SMS_CODES_KEPT = datetime.timedelta(days=1)  # the hourly throttle needs an hour of them; a day helps support


@dataclass
class PruneResult:
    login_failures: int = 0
    sms_codes: int = 0

    def __str__(self):
        return f"login_failures={self.login_failures} sms_codes={self.sms_codes}"


@transaction.atomic
def login_records_prune(actor, *, now: datetime.datetime) -> PruneResult:
    """Delete failed logins that no longer count toward a lockout (at or before now minus the window: what
    login_lock counts is never touched) and SMS codes older than SMS_CODES_KEPT. Housekeeping of counters,
    not of records anyone reads later (a lock and a code's use are in the audit trail), so no audit row."""
    failures, _ = LoginFailure.objects.filter(at__lte=now - _login_window()).delete()
    codes, _ = SmsCode.objects.filter(created_at__lte=now - SMS_CODES_KEPT).delete()
    return PruneResult(login_failures=failures, sms_codes=codes)


# --- logging in by mobile and a one-time SMS code ---------------------------------------------------
SMS_BAD_MOBILE = "请输入11位手机号码 / Enter an 11-digit mobile number"
SMS_CODE_SENT = (
    "如该手机号已开通账号，验证码已通过短信发送，{minutes}分钟内有效 / If this mobile has an account, a code "
    "was sent to it by text message; it is valid for {minutes} minutes"
)
SMS_TOO_SOON = "获取验证码过于频繁，请{seconds}秒后再试 / Codes are sent at most once a minute: try again in {seconds} seconds"
SMS_TOO_MANY = (
    "一小时内获取验证码次数过多，请{minutes}分钟后再试，或用密码登录 / Too many codes this hour: try again in "
    "{minutes} minutes, or log in with your password"
)
SMS_CODE_WRONG = "验证码不正确或已失效，请重新获取 / The code is wrong or no longer valid: ask for a new one"
# The text message itself (Chinese only, as sent; 【共治】 is the signature SMS providers require).
SMS_CODE_TEXT = "【共治】您的登录验证码为{code}，{minutes}分钟内有效，请勿告诉他人。如非本人操作，请忽略。"
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_SIX_DIGITS = re.compile(r"[0-9]{6}", re.ASCII)


class SmsThrottled(GongzhiError):
    """Too many codes asked for: refused before anything is written or sent (429)."""

    status = 429
    code = "throttled"


class SmsCodeWrong(GongzhiError):
    """A wrong, spent or expired code: counted like a wrong password (401)."""

    status = 401
    code = "unauthorized"


def mobile_clean(value: str) -> str:
    """An 11-digit mainland mobile from what was typed (spaces, dashes, +86 or 0086 allowed); else InvalidInput."""
    digits = re.sub(r"[\s\-]", "", value or "")
    for prefix in ("+86", "0086"):
        digits = digits.removeprefix(prefix)
    if not _MOBILE.fullmatch(digits):
        raise InvalidInput(SMS_BAD_MOBILE, field="mobile")
    return digits


def sms_code_hash(mobile: str, code: str) -> str:
    """Keyed with the server's secret: six digits are a million guesses, too few for a bare hash."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{mobile}:{code}".encode(), "sha256").hexdigest()


def _minutes_until(moment: datetime.datetime) -> int:
    return max(1, -(-int((moment - clock.now()).total_seconds()) // 60))


def _sms_throttle(mobile: str, address: str, now: datetime.datetime) -> None:
    interval = datetime.timedelta(seconds=settings.GONGZHI_SMS_INTERVAL_SECONDS)
    hour_ago = now - datetime.timedelta(hours=1)
    # Two requests at once for one mobile queue here, the first-ever ones too (no row to lock yet).
    locks.hold(f"core.sms_code:{mobile}")
    last = SmsCode.objects.filter(phone=mobile).order_by("-created_at", "-pk").first()
    if last is not None and now - last.created_at < interval:
        wait = interval - (now - last.created_at)
        raise SmsThrottled(SMS_TOO_SOON.format(seconds=max(1, -(-int(wait.total_seconds() * 1000) // 1000))))
    checks = [(SmsCode.objects.filter(phone=mobile), settings.GONGZHI_SMS_PER_MOBILE_HOUR)]
    if address:
        checks.append((SmsCode.objects.filter(address=address), settings.GONGZHI_SMS_PER_ADDRESS_HOUR))
    for rows, limit in checks:
        times = list(rows.filter(created_at__gt=hour_ago).order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(times) >= limit:
            raise SmsThrottled(SMS_TOO_MANY.format(minutes=_minutes_until(times[-1] + datetime.timedelta(hours=1))))


@transaction.atomic
def sms_code_send(actor, *, mobile: str, address: str = "") -> str:
    """Send a six-digit login code to a mobile, if a login has that mobile. The answer (SMS_CODE_SENT) and the
    throttle are the same whether it has or not; a newer code spends the older ones. Returns the message."""
    mobile = mobile_clean(mobile)
    now = clock.now()
    _sms_throttle(mobile, address, now)
    minutes = settings.GONGZHI_SMS_CODE_MINUTES
    user = selectors.account_by_mobile(mobile)
    code = f"{secrets.randbelow(1_000_000):06d}"
    SmsCode.objects.filter(phone=mobile, spent_at__isnull=True).update(spent_at=now)
    SmsCode.objects.create(phone=mobile, user=user, address=address, code_hash=sms_code_hash(mobile, code),
                           created_at=now, expires_at=now + datetime.timedelta(minutes=minutes))
    if user is not None:
        audit_record(actor, AuditAction.ACCOUNT_SMS_CODE, user, after={"phone": mobile, "address": address})
        text = SMS_CODE_TEXT.format(code=code, minutes=minutes)
        transaction.on_commit(lambda: notifications.sms_channel.send_text(mobile, text, secret=code))
    return SMS_CODE_SENT.format(minutes=minutes)


def sms_login(actor, *, mobile: str, code: str, address: str = ""):
    """The login a right, unspent, unexpired code stands for; it is spent at once. A wrong code counts as a
    failed login of that account (or of the mobile, when none has it) and from that address, so the lockout
    of core.backends applies to both ways of logging in; a locked account is refused even the right code."""
    mobile = mobile_clean(mobile)
    user = selectors.account_by_mobile(mobile)
    key = user.get_username() if user is not None else mobile
    locked = login_lock(key, address)
    if locked is not None:
        raise locked
    if _sms_code_spend(actor, mobile=mobile, code=(code or "").strip(), user=user):
        login_success_record(actor, username=key)
        return user
    login_failure_record(actor, username=key, address=address)
    raise SmsCodeWrong(SMS_CODE_WRONG, field="code")


@transaction.atomic
def _sms_code_spend(actor, *, mobile: str, code: str, user) -> bool:
    if user is None or not _SIX_DIGITS.fullmatch(code):
        return False
    now = clock.now()
    row = (SmsCode.objects.select_for_update().filter(phone=mobile, spent_at__isnull=True, expires_at__gt=now)
           .order_by("-created_at", "-pk").first())
    if row is None or row.user_id != user.pk or not hmac.compare_digest(row.code_hash, sms_code_hash(mobile, code)):
        return False
    row.spent_at = now
    row.save(update_fields=["spent_at"])
    audit_record(actor or user, AuditAction.ACCOUNT_SMS_LOGIN, user, after={"phone": mobile})
    return True


# --- forgotten passwords: a one-time password from community staff; changing one's password ---------
ONE_TIME_PASSWORD_LENGTH = 12
ONE_TIME_PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i to misread on paper
PASSWORD_CHANGE_FIRST = (
    "请先修改社区工作人员给您的一次性密码，再继续使用 / Change the one-time password community staff gave you "
    "before going on"
)
PASSWORD_OLD_WRONG = "原密码不正确 / The current password is wrong"
PASSWORD_SAME = "新密码不能与原密码相同 / The new password must differ from the current one"


@dataclass(frozen=True)
class PasswordIssued:
    """A reset's answer: the one-time password is shown once, to hand over in person, and kept only as a hash."""

    user_id: int
    username: str
    one_time_password: str
    tokens_revoked: int


@transaction.atomic
def account_password_reset(actor, *, user_id: int) -> PasswordIssued:
    """Give a login that forgot its password a one-time password (staff who keep its person's records):
    it must be changed at the next login, the account's API tokens and sessions end with the old password,
    and a lockout is lifted. Audited without the password."""
    found = selectors.account_for_reset(fetched_by=actor, user_id=user_id)
    user = get_user_model().objects.select_for_update().get(pk=found.pk)
    password = "".join(secrets.choice(ONE_TIME_PASSWORD_ALPHABET) for _ in range(ONE_TIME_PASSWORD_LENGTH))
    tokens = ApiToken.objects.filter(user_id=user.pk).count()
    user.set_password(password)
    user.save(update_fields=["password"])  # core.models revokes the tokens (a new password), audited there
    PasswordReset.objects.create(user=user, issued_by=actor if actor is not None and actor.pk else None,
                                 issued_at=clock.now())
    cleared, _ = LoginFailure.objects.filter(username=_login_key(user.get_username())).delete()
    audit_record(actor, AuditAction.ACCOUNT_PASSWORD_RESET, user,
                 after={"tokens_revoked": tokens, "failures_cleared": cleared, "must_change": True})
    return PasswordIssued(user_id=user.pk, username=user.get_username(), one_time_password=password,
                          tokens_revoked=tokens)


@transaction.atomic
def account_password_change(actor, *, old_password: str, new_password: str) -> None:
    """The actor sets their own password (after a reset, first of all): the current one is checked, the new
    one passes the password rules and differs from it. Tokens and other sessions end (core.models)."""
    user = get_user_model().objects.select_for_update().get(pk=actor.pk)
    after_reset = selectors.password_change_due(user)
    if not user.check_password(old_password or ""):
        raise InvalidInput(PASSWORD_OLD_WRONG, field="old_password")
    if old_password == new_password:
        raise InvalidInput(PASSWORD_SAME, field="new_password")
    try:
        password_validation.validate_password(new_password or "", user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(str(m) for m in exc.messages), field="new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    actor.password = user.password  # the caller's object too: its session hash follows the new password
    audit_record(actor, AuditAction.ACCOUNT_PASSWORD_CHANGE, user, after={"after_reset": after_reset})


# --- API tokens --------------------------------------------------------------------------------------
def _token_facts(token: ApiToken) -> dict:
    """What the audit trail keeps of a token: never its key or hash."""
    return {"user_id": token.user_id, "name": token.name, "created_at": token.created_at.isoformat(),
            "expires_at": token.expires_at.isoformat() if token.expires_at else None}


@transaction.atomic
def api_token_create(actor, *, name: str = "") -> str:
    """A new API token for the actor, valid for settings.GONGZHI_TOKEN_DAYS; the raw key is returned
    once and only its hash is kept. Refused while the actor still has a one-time password."""
    if selectors.password_change_due(actor):
        raise WrongState(PASSWORD_CHANGE_FIRST)
    raw = ApiToken.new_key()
    now = clock.now()
    token = ApiToken.objects.create(user=actor, key_hash=ApiToken.hash(raw), name=name[:64], created_at=now,
                                    expires_at=now + datetime.timedelta(days=settings.GONGZHI_TOKEN_DAYS))
    audit_record(actor, AuditAction.API_TOKEN_CREATE, token, after={"name": token.name})
    return raw


@transaction.atomic
def api_token_revoke(actor, *, token_id: int) -> None:
    """Revoke (delete) a token: its owner, or an administrator of the owner. Another's token is 404."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.user_id != actor.pk and not (may_manage_accounts(actor) and account_in_reach(actor, token.user_id)):
        raise NotFound()
    audit_record(actor, AuditAction.API_TOKEN_REVOKE, token, before=_token_facts(token))
    token.delete()


# --- the working-day calendar -----------------------------------------------------------------
CALENDAR_NOT_ADMIN = "只有管理员可以调整工作日历 / Only administrators can change the working-day calendar"
CALENDAR_EMPTY = "文件中没有日期 / The file has no days in it"
CALENDAR_BAD_DATE = "第 {row} 行：日期“{value}”不存在或格式不对（应为 2027-10-01）/ Row {row}: {value} is not a date (YYYY-MM-DD)"
CALENDAR_BAD_KIND = ("第 {row} 行：类型“{value}”无法识别（应为 workday/工作日/上班 或 holiday/休息日/放假）"
                     " / Row {row}: unknown kind {value} (workday or holiday)")
CALENDAR_CONFLICT = ("第 {row} 行：{day} 与第 {first} 行类型不同，同一天只能是一种 / Row {row}: {day} is given "
                     "another kind on row {first}")
CALENDAR_NAME_TOO_LONG = "第 {row} 行：名称最多 50 字 / Row {row}: the name is at most 50 characters"
CALENDAR_KINDS = {"workday": "workday", "工作日": "workday", "上班": "workday", "班": "workday",
                  "holiday": "holiday", "休息日": "holiday", "节假日": "holiday", "放假": "holiday", "休": "holiday"}


@dataclass(frozen=True)
class CalendarRow:
    day: datetime.date
    kind: str
    name: str = ""


def calendar_parse(data: bytes, filename: str = "calendar.csv") -> list[CalendarRow]:
    """A sheet (.csv, .xlsx or .xls) of `date, kind, name` (a header row is optional). Every row is checked before anything
    is written: a bad row raises InvalidInput naming it."""
    table = read_table(data, filename)
    rows: list[CalendarRow] = []
    seen: dict[datetime.date, tuple[int, str]] = {}
    for number, cells in enumerate(table, start=1):
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("date", "日期"):
            continue
        value, kind = cells[0], (cells[1] if len(cells) > 1 else "")
        name = cells[2] if len(cells) > 2 else ""
        try:
            day = datetime.date.fromisoformat(value.replace("/", "-").split(" ")[0])  # a sheet's date cell
        except ValueError:
            raise InvalidInput(CALENDAR_BAD_DATE.format(row=number, value=value), field="file") from None
        if kind.lower() not in CALENDAR_KINDS and kind not in CALENDAR_KINDS:
            raise InvalidInput(CALENDAR_BAD_KIND.format(row=number, value=kind), field="file")
        kind = CALENDAR_KINDS.get(kind.lower(), CALENDAR_KINDS.get(kind))
        if len(name) > 50:
            raise InvalidInput(CALENDAR_NAME_TOO_LONG.format(row=number), field="file")
        if day in seen:
            if seen[day][1] != kind:
                raise InvalidInput(CALENDAR_CONFLICT.format(row=number, day=day, first=seen[day][0]), field="file")
            continue
        seen[day] = (number, kind)
        rows.append(CalendarRow(day, kind, name))
    if not rows:
        raise InvalidInput(CALENDAR_EMPTY, field="file")
    return rows


@transaction.atomic
def calendar_import(actor, *, rows: list[CalendarRow]) -> int:
    """Enter or correct days of the working-day calendar. Deadlines already set keep their dates;
    those computed afterwards follow the new days. Returns how many days were written."""
    if not may_edit_calendar(actor):
        raise PermissionDenied(CALENDAR_NOT_ADMIN)
    existing = {d.day: d for d in CalendarDay.objects.select_for_update().filter(day__in=[r.day for r in rows])}
    written = 0
    for row in rows:
        old = existing.get(row.day)
        if old is not None and (old.kind, old.name) == (row.kind, row.name):
            continue
        before = snapshot(old) if old is not None else None
        day = old or CalendarDay(day=row.day)
        day.kind, day.name, day.entered_by, day.entered_at = row.kind, row.name, actor, clock.now()
        day.save()
        audit_record(actor, AuditAction.CALENDAR_DAY_SET, day, before=before, after=snapshot(day))
        written += 1
    return written


def calendar_day_set(actor, *, day: datetime.date, kind: str, name: str = "") -> int:
    """One day entered or corrected (the admin form's twin)."""
    if kind not in CALENDAR_KINDS.values():
        raise InvalidInput(CALENDAR_BAD_KIND.format(row=1, value=kind), field="kind")
    return calendar_import(actor, rows=[CalendarRow(day, kind, (name or "").strip()[:50])])


@transaction.atomic
def calendar_day_delete(actor, *, day: datetime.date) -> None:
    """Remove an administrator's day: the official schedule (or weekends) applies again."""
    if not may_edit_calendar(actor):
        raise PermissionDenied(CALENDAR_NOT_ADMIN)
    row = CalendarDay.objects.select_for_update().filter(day=day).first()
    if row is None:
        raise NotFound()
    audit_record(actor, AuditAction.CALENDAR_DAY_DELETE, row, before=snapshot(row))
    row.delete()


# --- deliveries over SMS / WeChat ----------------------------------------------------------------------
DELIVERY_ALREADY_SENT = "该通知已送达，无需重发 / This message was delivered; there is nothing to resend"


@transaction.atomic
def delivery_retry(actor, *, delivery_id: int):
    """Send a failed (or still pending) delivery again now: an administrator, for someone in their reach."""
    delivery = selectors.delivery_get(fetched_by=actor, delivery_id=delivery_id)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.SENT:
        raise WrongState(DELIVERY_ALREADY_SENT)
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.next_attempt_at, delivery.claimed_at = DeliveryStatus.PENDING, clock.now(), None
    delivery.save(update_fields=["status", "next_attempt_at", "claimed_at"])
    audit_record(actor, AuditAction.DELIVERY_RETRY, delivery, before=before,
                 after={"status": delivery.status, "channel": delivery.channel})
    transaction.on_commit(lambda: notifications.deliver.enqueue(delivery.pk))
    return delivery
