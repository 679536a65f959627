from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BodiesConfig(AppConfig):
    name = "gongzhi.bodies"
    label = "bodies"
    verbose_name = _("组织")

    def ready(self):
        # Imported here: the app registry must be ready before the app declares itself to the kernel.
        from gongzhi.bodies.choices import AuditAction
        from gongzhi.core.registry import register_audit_actions

        register_audit_actions(AuditAction)
