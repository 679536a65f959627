"""The dashboard's closed lists: the audit trail's action codes for its monthly reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    REPORT_MAKE = "report.make", _("生成工作月报")
