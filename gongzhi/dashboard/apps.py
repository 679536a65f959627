from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """Shows the sections the apps register with core.figures; it writes nothing and owns no tables."""

    name = "gongzhi.dashboard"
    label = "dashboard"
    verbose_name = _("数据看板")
