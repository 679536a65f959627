from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class CoreConfig(DomainApp):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础机制")

    def ready(self):
        super().ready()
        from gongzhi.core import checks  # noqa: F401  registers the deployment checks (check --deploy)
