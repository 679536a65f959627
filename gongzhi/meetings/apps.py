from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class MeetingsConfig(DomainApp):
    name = "gongzhi.meetings"
    label = "meetings"
    verbose_name = _("联席议事")

    def declare(self):
        from gongzhi.core.figures import register_section
        from gongzhi.core.search import register_finder
        from gongzhi.meetings import selectors

        register_section("meetings", selectors.dashboard_section, order=30)
        register_finder("meetings", _("议题"), selectors.find, order=40)
