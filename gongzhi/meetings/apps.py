from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class MeetingsConfig(DomainApp):
    name = "gongzhi.meetings"
    label = "meetings"
    verbose_name = _("联席议事")
