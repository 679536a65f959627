import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class CoreConfig(DomainApp):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础机制")

    def ready(self):
        super().ready()
        from django.db.models.signals import post_delete, post_save

        from gongzhi.core import checks, clock  # noqa: F401  checks registers the deployment checks (check --deploy)

        for signal in (post_save, post_delete):
            signal.connect(clock.forget_covered, sender="core.CalendarDay", dispatch_uid=f"forget_covered_{signal}")

    def declare(self):
        from gongzhi.core.schedule import Periodic, register_periodic

        register_periodic(Periodic("core.deliveries_sweep", "gongzhi.core.notifications.deliveries_sweep",
                                   _("重新投递到期的通知"), every=datetime.timedelta(minutes=1)))
        register_periodic(Periodic("core.logins_prune", "gongzhi.core.jobs.logins_prune", _("清理登录失败记录和短信验证码"),
                                   every=datetime.timedelta(hours=1)))
