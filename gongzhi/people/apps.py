from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "gongzhi.people"
    label = "people"
    verbose_name = _("人员")

    def ready(self):
        from gongzhi.core.registry import register_audit_actions
        from gongzhi.people.choices import AuditAction

        register_audit_actions(AuditAction)
