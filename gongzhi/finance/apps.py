import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongzhi.core.clock import Term, Unit, register_term
from gongzhi.core.registry import DomainApp, register_approval_kind


class FinanceConfig(DomainApp):
    name = "gongzhi.finance"
    label = "finance"
    verbose_name = _("业账社管")

    def declare(self):
        # Imported here, not at the top: services import models, which Django loads only after this module.
        from gongzhi.core.figures import register_section
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.core.tallies import register as register_tally
        from gongzhi.finance import rollups, selectors
        from gongzhi.finance.services import expenses, fund, seals

        register_section("money", selectors.dashboard_section, order=50)
        for source in rollups.SOURCES:
            register_tally(source)
        register_periodic(Periodic("finance.statements", "gongzhi.finance.jobs.scheduled_statements",
                                   _("公示上月公共收益收支与收缴率"), at=datetime.time(1, 0), day=1))

        register_approval_kind("expense", _("支出审批（双章三审）"), on_decided=expenses.expense_decided)
        register_approval_kind("seal_use", _("用印审批"), on_decided=seals.seal_use_decided)
        register_term("finance.fund_review", _("维修资金三级联审（每级）"), lambda: fund.review_term(emergency=False))
        register_term("finance.fund_emergency_review", _("维修资金应急使用审核（每级）"),
                      lambda: fund.review_term(emergency=True))
        register_term("finance.deposit", _("现金收入存入公账"), lambda: Term(settings.GONGZHI_DEPOSIT_DAYS, Unit.DAYS))
        register_term("finance.seal_out", _("公章借出归还"), lambda: Term(settings.GONGZHI_SEAL_OUT_HOURS, Unit.HOURS))
        register_term("finance.audit", _("期末三审完成"), lambda: Term(settings.GONGZHI_AUDIT_DAYS, Unit.DAYS))
