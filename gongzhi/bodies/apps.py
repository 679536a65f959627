from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class BodiesConfig(DomainApp):
    name = "gongzhi.bodies"
    label = "bodies"
    verbose_name = _("组织")

    def declare(self):
        from gongzhi.bodies import selectors
        from gongzhi.core.figures import register_section

        register_section("bodies", selectors.dashboard_section, order=10)
