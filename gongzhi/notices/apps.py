from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "gongzhi.notices"
    label = "notices"
    verbose_name = _("公示与透明日志")

    def ready(self):
        from gongzhi.core.registry import register_audit_actions
        from gongzhi.notices.choices import AuditAction

        register_audit_actions(AuditAction)
        from gongzhi.notices import records

        records.register()
