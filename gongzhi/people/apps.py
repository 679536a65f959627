from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class PeopleConfig(DomainApp):
    name = "gongzhi.people"
    label = "people"
    verbose_name = _("人员")

    def declare(self):
        from gongzhi.core.search import register_finder
        from gongzhi.people import selectors

        register_finder("people", _("人员"), selectors.find, order=20)
