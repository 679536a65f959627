from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class NoticesConfig(DomainApp):
    name = "gongzhi.notices"
    label = "notices"
    verbose_name = _("公示与透明日志")

    def declare(self):
        from gongzhi.notices import records

        records.register()
