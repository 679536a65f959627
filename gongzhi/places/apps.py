from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "gongzhi.places"
    label = "places"
    verbose_name = _("地点")

    def ready(self):
        from gongzhi.core.registry import register_audit_actions
        from gongzhi.places.choices import AuditAction

        register_audit_actions(AuditAction)
