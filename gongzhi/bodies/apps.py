from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BodiesConfig(AppConfig):
    name = "gongzhi.bodies"
    label = "bodies"
    verbose_name = _("组织")
