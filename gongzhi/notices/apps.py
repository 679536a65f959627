import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class NoticesConfig(DomainApp):
    name = "gongzhi.notices"
    label = "notices"
    verbose_name = _("公示与透明日志")

    def declare(self):
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.core.search import register_finder
        from gongzhi.notices import records, selectors

        records.register()
        register_finder("notices", _("公示"), selectors.find, order=50)
        register_periodic(Periodic("notices.head_sign", "gongzhi.notices.log.head_sign_if_due", _("按时签署透明日志树头"),
                                   every=datetime.timedelta(minutes=5)))
