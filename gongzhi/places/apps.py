from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class PlacesConfig(DomainApp):
    name = "gongzhi.places"
    label = "places"
    verbose_name = _("地点")

    def declare(self):
        from gongzhi.core.search import register_finder
        from gongzhi.places import selectors

        register_finder("places", _("地址"), selectors.find, order=10)
