from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class PeopleConfig(DomainApp):
    name = "gongzhi.people"
    label = "people"
    verbose_name = _("人员")
