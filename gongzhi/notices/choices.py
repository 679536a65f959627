"""Notices' choices: kinds and audiences of notices, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("公告")
    RESOLUTION = "resolution", _("决议公示")
    IMPLEMENTATION = "implementation", _("实施结果公示")
    VOTE_RESULT = "vote_result", _("表决结果公示")
    FINANCIAL = "financial", _("财务收支公示")
    AUDIT = "audit", _("审计结果公示")
    EVALUATION = "evaluation", _("评议结果公示")
    HONOUR_LIST = "honour_list", _("红黑榜")
    CONSULTATION = "consultation", _("征求意见")


class Audience(models.TextChoices):
    ESTATE = "estate", _("本小区居民")
    COMMUNITY = "community", _("本社区居民")
    PUBLIC = "public", _("公开（无需登录）")


class AuditAction(models.TextChoices):
    """What the audit trail records, by the code stored in AuditEntry.action."""

    NOTICE_PUBLISH = "notice.publish", _("发布公示")
    NOTICE_PIN = "notice.pin", _("置顶公示")
    LOG_HEAD_SIGN = "log.head_sign", _("签署日志树头")
    LOG_KEY_ROTATE = "log.key_rotate", _("更换日志签名密钥")
