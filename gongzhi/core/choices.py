"""The kernel's choices: approval states and decisions, and the kernel's audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class Decision(models.TextChoices):
    PENDING = "pending", _("待签")
    SIGNED = "signed", _("已签")
    REJECTED = "rejected", _("驳回")


class AuditAction(models.TextChoices):
    """What the audit trail records, by the code stored in AuditEntry.action."""

    APPROVAL_CREATE = "approval.create", _("发起审批单")
    APPROVAL_SIGN = "approval.sign", _("签署审批单")
    APPROVAL_REJECT = "approval.reject", _("驳回审批单")
    APPROVAL_APPROVED = "approval.approved", _("审批单通过")
    APPROVAL_REJECTED = "approval.rejected", _("审批单被驳回")
    API_TOKEN_CREATE = "api_token.create", _("创建接口令牌")
    API_TOKEN_REVOKE = "api_token.revoke", _("撤销接口令牌")
    ACCOUNT_LOCK = "account.lock", _("账号因多次登录失败被锁定")
    ACCOUNT_UNLOCK = "account.unlock", _("解除账号锁定")
    DELIVERY_RETRY = "delivery.retry", _("重新投递通知")
    TASK_REQUEUE = "task.requeue", _("重新排队失去工作进程的任务")
    ACCOUNT_SMS_CODE = "account.sms_code", _("发送短信登录验证码")
    ACCOUNT_SMS_LOGIN = "account.sms_login", _("短信验证码登录")
    ACCOUNT_PASSWORD_RESET = "account.password_reset", _("重置密码（一次性密码）")
    ACCOUNT_PASSWORD_CHANGE = "account.password_change", _("修改密码")
    CALENDAR_DAY_SET = "calendar.day_set", _("设置工作日/休息日")
    CALENDAR_DAY_DELETE = "calendar.day_delete", _("删除日历设置")


class Grain(models.IntegerChoices):
    """How much time one figures row (requests.RequestRollup, core.Tally) covers: a local day, or a local
    month (its first day)."""

    DAY = 1, _("日")
    MONTH = 2, _("月")
