import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class DashboardConfig(DomainApp):
    """Shows the sections the apps register with core.figures, and makes and keeps the monthly reports
    built from them (models.MonthlyReport, the only table it owns)."""

    name = "gongzhi.dashboard"
    label = "dashboard"
    verbose_name = _("数据看板")

    def declare(self):
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.dashboard import records

        records.register()
        register_periodic(Periodic("dashboard.monthly_reports", "gongzhi.dashboard.jobs.scheduled_monthly_reports",
                                   _("生成上月工作月报"), at=datetime.time(0, 30)))
