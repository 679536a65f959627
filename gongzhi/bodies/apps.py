from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class BodiesConfig(DomainApp):
    name = "gongzhi.bodies"
    label = "bodies"
    verbose_name = _("组织")
