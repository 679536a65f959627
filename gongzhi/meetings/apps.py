from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "gongzhi.meetings"
    label = "meetings"
    verbose_name = _("联席议事")

    def ready(self):
        # Imported here: the app registry must be ready before the app declares itself to the kernel.
        from gongzhi.core.registry import register_audit_actions
        from gongzhi.meetings.choices import AuditAction

        register_audit_actions(AuditAction)
