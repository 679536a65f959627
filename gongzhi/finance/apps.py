from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "gongzhi.finance"
    label = "finance"
    verbose_name = _("业账社管")

    def ready(self):
        from gongzhi.finance import services  # noqa: F401 — registers the approval handlers
