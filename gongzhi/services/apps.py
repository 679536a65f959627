import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class ServicesConfig(DomainApp):
    name = "gongzhi.services"
    label = "services"
    verbose_name = _("社区生活")

    def declare(self):
        from gongzhi.core.figures import register_section
        from gongzhi.core.registry import on_completed
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.services import selectors, services

        register_section("services", selectors.dashboard_section, order=60)
        register_periodic(Periodic("services.reminders", "gongzhi.services.jobs.send_reminders",
                                   _("提醒报名者明天的活动"), every=datetime.timedelta(hours=1)))
        on_completed("order", services.hours_for_order)  # a volunteer's completed order claims hours
