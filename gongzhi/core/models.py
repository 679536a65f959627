"""Shared mechanisms' tables: the audit trail, approvals (审批单) and API tokens.

Invariants:
- AuditEntry is append-only: the model refuses updates and deletes, and the database refuses
  UPDATE (and, on PostgreSQL, DELETE) with a trigger (migration 0002).
- An approval's requirement is one role; each requirement is decided once; one user decides at
  most one requirement of an approval (unique, conditional on a signer).
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.choices import ApprovalStatus, AuditAction, Decision, Grain
from gongzhi.core.masking import mask_phone
from gongzhi.core.roles import Role
from gongzhi.places.models import Estate, InEstate

AUDIT_IS_APPEND_ONLY = "审计记录只能追加，不能修改或删除 / Audit records are append-only"


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    # The actor's roles covering the entry's estate or community when it was written (role codes, comma
    # separated; "" for the system or a user without roles). NULL: written before roles were recorded.
    actor_role = models.CharField(_("操作人角色"), max_length=200, null=True, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=64)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    subject_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # Scope anchors, copied at write time so the trail stays readable if the subject goes.
    estate_id = models.BigIntegerField(_("小区编号"), null=True, blank=True, db_index=True)
    community_id = models.BigIntegerField(_("社区编号"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject")]

    def __str__(self):
        return f"{clock.stamp(self.at)} {self.actor_name} {self.action} {self.subject_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(AUDIT_IS_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(AUDIT_IS_APPEND_ONLY)


class Approval(InEstate, models.Model):
    """审批单: a subject that needs the signatures of several parties before it may proceed."""

    kind = models.CharField(_("类别"), max_length=40, default="general", db_index=True)
    title = models.CharField(_("事由"), max_length=200)
    body = models.TextField(_("说明"), blank=True)
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="approvals", verbose_name=_("小区"))
    subject_type = models.ForeignKey(ContentType, models.PROTECT, null=True, blank=True, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    status = models.CharField(
        _("状态"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="approvals_created", verbose_name=_("发起人")
    )
    created_at = models.DateTimeField(_("发起时间"), default=clock.now)
    decided_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批单")
        verbose_name_plural = _("审批单")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class ApprovalSignature(models.Model):
    """One required party of an approval: the role that must sign, and its decision."""

    approval = models.ForeignKey(Approval, models.CASCADE, related_name="signatures", verbose_name=_("审批单"))
    role = models.CharField(_("签署角色"), max_length=32, choices=Role.choices)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    decision = models.CharField(_("意见"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("签署人")
    )
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    comment = models.CharField(_("签署意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("审批签署")
        verbose_name_plural = _("审批签署")
        ordering = ["approval", "position"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "role"], name="approval_role_once"),
            models.UniqueConstraint(
                fields=["approval", "signer"], condition=Q(signer__isnull=False), name="approval_signer_once"
            ),
        ]

    def __str__(self):
        return f"{self.approval} · {self.get_role_display()} · {self.get_decision_display()}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.approval.scope_ids()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the raw key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set at creation (settings.GONGZHI_TOKEN_DAYS); past it the token answers 401. Null only for
    # tokens made before expiry existed (migration 0007 gives those one).
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self):
        return f"{self.user} · {self.name or self.key_hash[:8]}"

    @staticmethod
    def new_key() -> str:
        return "gz_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class LoginFailure(models.Model):
    """One failed login (page or API token), by the name typed (lower-cased: logins ignore case) and
    the address it came from. Kept in the database, not in one server's memory, so every app server
    sees the same count; core.services.login_lock reads it and a success or an unlock clears it."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["address", "at"])]

    def __str__(self):
        return f"{self.username} · {self.address} · {clock.stamp(self.at)}"


class SmsCode(models.Model):
    """A one-time login code sent by SMS (core.services.sms_code_send): six digits, valid for
    settings.GONGZHI_SMS_CODE_MINUTES, spent by its use or by a newer code. Only a keyed hash of it is
    kept. A row is written for every request, whether the mobile has an account or not (then `user` is
    empty and nothing is sent), so the throttle answers alike and nobody learns which mobiles have one."""

    phone = models.CharField(_("手机号"), max_length=11)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+")
    address = models.CharField(max_length=45, blank=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    spent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "created_at"]), models.Index(fields=["address", "created_at"])]

    def __str__(self):
        return f"{mask_phone(self.phone)} · {clock.stamp(self.created_at)}"


class PasswordReset(models.Model):
    """A forgotten password reset by community staff (core.services.account_password_reset). The
    one-time password becomes the account's password (hashed by Django; never kept here). The reset is
    due — every page leads to the change-password page — until the password changes again, by any route
    (`changed_at` is set where every password change ends: the user's post_save below)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="password_resets")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("操作人"))
    issued_at = models.DateTimeField(_("重置时间"), default=clock.now)
    changed_at = models.DateTimeField(_("用户改密时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("密码重置")
        verbose_name_plural = _("密码重置")
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"{self.user} · {clock.stamp(self.issued_at)}"


# The session's memo that its user logged in with a one-time password (set at login, cleared by the
# change): core.middleware.PasswordChangeFirst leads every page to the change, the API answers 401.
PASSWORD_CHANGE_DUE = "gongzhi_password_change_due"


@receiver(user_logged_in, dispatch_uid="gongzhi.core.password_change_due")
def _password_change_due_on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and PasswordReset.objects.filter(
            user_id=user.pk, changed_at__isnull=True).exists():
        request.session[PASSWORD_CHANGE_DUE] = True


def _revoke_reason(user, update_fields) -> str:
    """Why saving this user ends their API tokens: a new password, or the login switched off. A hash
    Django upgrades on login (check_password saves only the password, with no new one set) is the
    same password and ends nothing."""
    if user.pk is None:
        return ""
    stored = type(user).objects.filter(pk=user.pk).values("password", "is_active").first()
    if stored is None:
        return ""
    rehashed = getattr(user, "_password", None) is None and update_fields is not None and set(update_fields) == {"password"}
    if stored["password"] != user.password and not rehashed:
        return "password_changed"
    if stored["is_active"] and not user.is_active:
        return "deactivated"
    return ""


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="gongzhi.core.tokens_revoke_check")
def _tokens_revoke_check(sender, instance, update_fields=None, raw=False, **kwargs):
    """Every way a password or is_active changes ends in save() (the admin, set_password, a
    service): tokens are revoked here rather than trusting each caller to remember."""
    if raw or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    instance._gongzhi_revoke_tokens = _revoke_reason(instance, update_fields)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="gongzhi.core.tokens_revoke")
def _tokens_revoke(sender, instance, raw=False, **kwargs):
    reason = getattr(instance, "_gongzhi_revoke_tokens", "")
    instance._gongzhi_revoke_tokens = ""
    if raw or not reason:
        return
    if reason == "password_changed":  # a one-time password given (core.services) is no longer the password
        PasswordReset.objects.filter(user_id=instance.pk, changed_at__isnull=True).update(changed_at=clock.now())
    for token in ApiToken.objects.filter(user_id=instance.pk):
        # the audit row written directly (core.audit sits above the models); actor: the system
        AuditEntry.objects.create(
            actor_name="system", action=AuditAction.API_TOKEN_REVOKE, subject_type="core.apitoken",
            subject_id=str(token.pk), subject_repr=str(token)[:200],
            before={"user_id": token.user_id, "name": token.name}, after={"reason": reason},
        )
        token.delete()


class Notification(models.Model):
    """One message to one user. The in-app inbox is the channel every deployment has; other
    channels (SMS, WeChat) deliver the same rows through core.notifications adapters."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败")


CHANNEL_LABELS = {"sms": _("短信"), "wechat": _("微信")}


class Delivery(models.Model):
    """A notification's delivery over one outside channel (SMS, WeChat), written with the notification in
    the change's transaction and sent by a task (core.notifications.deliver): claimed by one worker at a
    time, retried with backoff, given up after GONGZHI_DELIVERY_ATTEMPTS and shown to staff to retry."""

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="deliveries",
                                     verbose_name=_("通知"))
    channel = models.CharField(_("渠道"), max_length=32)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=clock.now)
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.channel} #{self.notification_id} {self.get_status_display()}"

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))

    @property
    def key(self) -> str:
        """The idempotency key handed to the provider: the same for every attempt of this delivery."""
        return f"gongzhi-delivery-{self.pk}"


class CalendarDay(models.Model):
    """An administrator's word on one day: a working day or a day off, over the official schedule
    that `chinesecalendar` ships (a year it does not know yet, or a local correction)."""

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=[("workday", _("工作日")), ("holiday", _("休息日"))])
    name = models.CharField(_("名称"), max_length=50, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"), default=clock.now)

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        constraints = [models.CheckConstraint(condition=Q(kind__in=["workday", "holiday"]),
                                              name="calendar_day_kind_known")]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.name}".strip()

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, None)


class ScheduledRun(models.Model):
    """A periodic job's slot, claimed once (core.schedule): the unique pair stops a second scheduler from
    enqueuing the same slot; finished_at and outcome say when the job ran and what it reported."""

    name = models.CharField(_("定期任务"), max_length=64)
    slot = models.DateTimeField(_("时段"))
    enqueued_at = models.DateTimeField(_("排队时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("定期任务运行")
        verbose_name_plural = _("定期任务运行")
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once")]
        indexes = [models.Index(fields=["name", "-slot"], name="scheduled_run_latest")]

    def __str__(self):
        return f"{self.name} {clock.stamp(self.slot)}"


class BackupRecord(models.Model):
    """A backup `gongzhi backup` wrote (gongzhi.backup): when, where, what it holds and its manifest's SM3, for
    `gongzhi check_ops` to say how old the last one is. The archive itself is kept outside the app."""

    made_at = models.DateTimeField(_("备份时间"))
    path = models.CharField(_("归档位置"), max_length=500)
    database = models.CharField(_("数据库"), max_length=16)
    files = models.PositiveIntegerField(_("文件数"), default=0)
    size = models.PositiveBigIntegerField(_("归档大小（字节）"), default=0)
    manifest_sm3 = models.CharField(_("清单 SM3"), max_length=64)

    class Meta:
        verbose_name = _("备份记录")
        verbose_name_plural = _("备份记录")
        indexes = [models.Index(fields=["-made_at"], name="backup_latest")]

    def __str__(self):
        return f"{clock.stamp(self.made_at)} {self.path}"


class Tally(models.Model):
    """One figure of one source (fee bills, journal entries, meetings, matters, party points, orders) at
    one place on one local day (or month), broken down by a key (an account code, a meeting type, a
    kind): the dashboard sums these rows instead of reading the records (core.tallies).

    Kept by the database itself, in the transaction that writes the record (triggers the source's app
    installs in a migration), with INSERT … ON CONFLICT DO UPDATE SET n = n + delta, so two writers of one
    row add up. A record is counted at its place and every place above it (0 where it has none, so that
    a community's own meeting and its estates' meetings both count for the community) and twice in time:
    in its day's row and its month's row. `gongzhi rollups_rebuild` recounts them (tallies.rebuild)."""

    source = models.CharField(_("来源"), max_length=24)
    figure = models.CharField(_("指标"), max_length=24)
    key = models.CharField(_("分项"), max_length=64, blank=True)
    district_id = models.IntegerField(_("区/县"), default=0)
    subdistrict_id = models.IntegerField(_("街道"), default=0)
    community_id = models.IntegerField(_("社区"), default=0)
    estate_id = models.IntegerField(_("小区"), default=0)
    grain = models.PositiveSmallIntegerField(_("粒度"), choices=Grain.choices)
    day = models.DateField(_("日期"))  # the local day, or the first day of the month
    n = models.BigIntegerField(_("合计"), default=0)

    class Meta:
        verbose_name = _("汇总数")
        verbose_name_plural = _("汇总数")
        constraints = [models.UniqueConstraint(
            fields=["source", "estate_id", "grain", "day", "community_id", "subdistrict_id", "district_id",
                    "figure", "key"], name="tally_once")]
        indexes = [models.Index(fields=["source", "community_id", "grain", "day"], name="tally_community"),
                   models.Index(fields=["source", "subdistrict_id", "grain", "day"], name="tally_subdistrict"),
                   models.Index(fields=["source", "district_id", "grain", "day"], name="tally_district")]

    def __str__(self):
        return f"{self.source}.{self.figure}[{self.key}] {self.day} = {self.n}"
