import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.clock import register_term
from gongzhi.core.registry import DomainApp


class RequestsConfig(DomainApp):
    name = "gongzhi.requests"
    label = "requests"
    verbose_name = _("诉求")

    def declare(self):
        # Imported here, not at the top: routing reads the models, which exist only once the registry is ready.
        from gongzhi.core.figures import register_section
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.core.search import register_finder
        from gongzhi.core.tallies import register as register_tally
        from gongzhi.requests import rollups, routing, selectors

        register_section("requests", selectors.dashboard_section, order=20)
        for source in rollups.SOURCES:
            register_tally(source)
        register_periodic(Periodic("requests.sweep", "gongzhi.requests.jobs.sweep", _("诉求超时上报、自动关闭、派单退回"),
                                   every=datetime.timedelta(minutes=5)))
        register_periodic(Periodic("requests.devices_quiet", "gongzhi.requests.jobs.devices_quiet",
                                   _("小区设备超时未上报告警"), every=datetime.timedelta(minutes=10)))
        register_finder("requests", _("诉求"), selectors.find, order=30)

        register_term("requests.emergency_response", _("紧急诉求响应"), routing.EMERGENCY_RESPONSE)
        register_term("requests.escalation_response", _("上报后各级响应"), routing.escalation_response_term)
        register_term("requests.summons_report", _("吹哨后部门报到"), routing.summons_report_term)
        register_term("requests.order_accept", _("派单后接单"), routing.order_accept_term)
        register_term("requests.confirm_window", _("办结后诉求人确认（自办结时起 ×24 小时）"),
                      routing.confirm_window_term)
