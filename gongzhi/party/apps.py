from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class PartyConfig(DomainApp):
    name = "gongzhi.party"
    label = "party"
    verbose_name = _("党建")

    def declare(self):
        from gongzhi.core.figures import register_section
        from gongzhi.core.registry import on_completed
        from gongzhi.core.tallies import register as register_tally
        from gongzhi.party import rollups, selectors, services

        on_completed("order", services.points_for_order)
        on_completed("activity_attended", services.points_for_activity)
        on_completed("meeting_attended", services.points_for_meeting)
        register_section("party", selectors.dashboard_section, order=15)
        for source in rollups.SOURCES:
            register_tally(source)
