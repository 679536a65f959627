import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class GridConfig(DomainApp):
    name = "gongzhi.grid"
    label = "grid"
    verbose_name = _("网格工作")

    def declare(self):
        from gongzhi.core.registry import register_rule_source
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.grid import selectors

        # Rules the code enforces (the seal form's signatories, 九不准) name the version in force they follow.
        register_rule_source(selectors.rule_in_force)

        register_periodic(Periodic("grid.missed_patrols", "gongzhi.grid.jobs.flag_missed_patrols",
                                   _("标记漏巡的巡查计划"), at=datetime.time(0, 20)))
