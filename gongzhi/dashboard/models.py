"""The monthly reports (工作月报) made and kept: one per place and month, made once (the unique constraint
is what keeps a second run, or a second machine running at the same moment, from making it again)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.figures import LEVEL_LABELS, LEVELS


class MonthlyReport(models.Model):
    level = models.CharField(_("层级"), max_length=12, choices=[(level, LEVEL_LABELS[level]) for level in LEVELS])
    place_pk = models.PositiveBigIntegerField(_("地区编号"))
    place_name = models.CharField(_("地区"), max_length=120)
    month = models.DateField(_("月份"))  # the month's first day
    made_at = models.DateTimeField(_("生成时间"), default=clock.now)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("生成人"))
    # Empty while the report is being made (the row is claimed first, then filled).
    pdf = models.FileField(_("PDF"), upload_to="reports/%Y/%m/", blank=True)
    xlsx = models.FileField(_("Excel"), upload_to="reports/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("工作月报")
        verbose_name_plural = _("工作月报")
        ordering = ["-month", "level", "place_name"]
        constraints = [models.UniqueConstraint(fields=["level", "place_pk", "month"], name="monthly_report_once")]

    def __str__(self):
        return f"{self.place_name} {self.month:%Y-%m}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        """Where its audit row is filed: the estate or community it reports on (a wider place: nowhere
        narrower)."""
        return (self.place_pk if self.level == "estate" else None,
                self.place_pk if self.level == "community" else None)

    @property
    def code(self) -> str:
        return f"{self.level}:{self.place_pk}"

    @property
    def month_code(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_made(self) -> bool:
        return bool(self.pdf and self.xlsx)
