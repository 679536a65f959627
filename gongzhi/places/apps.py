from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class PlacesConfig(DomainApp):
    name = "gongzhi.places"
    label = "places"
    verbose_name = _("地点")
