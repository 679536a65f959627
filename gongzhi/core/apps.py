from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础机制")

    def ready(self):
        from gongzhi.core.choices import AuditAction
        from gongzhi.core.registry import register_audit_actions

        register_audit_actions(AuditAction)
