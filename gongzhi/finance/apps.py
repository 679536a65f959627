from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "gongzhi.finance"
    label = "finance"
    verbose_name = _("业账社管")

    def ready(self):
        from gongzhi.core.clock import Term, Unit, register_term
        from gongzhi.finance import (
            fund,
            services,  # noqa: F401 — registers the approval handlers
        )

        register_term("finance.fund_review", _("维修资金三级联审（每级）"), lambda: fund.review_term(emergency=False))
        register_term("finance.fund_emergency_review", _("维修资金应急使用审核（每级）"),
                      lambda: fund.review_term(emergency=True))
        register_term("finance.deposit", _("现金收入存入公账"), lambda: Term(settings.GONGZHI_DEPOSIT_DAYS, Unit.DAYS))
        register_term("finance.seal_out", _("公章借出归还"), lambda: Term(settings.GONGZHI_SEAL_OUT_HOURS, Unit.HOURS))
        register_term("finance.audit", _("期末三审完成"), lambda: Term(settings.GONGZHI_AUDIT_DAYS, Unit.DAYS))
