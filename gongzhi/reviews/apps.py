import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class ReviewsConfig(DomainApp):
    name = "gongzhi.reviews"
    label = "reviews"
    verbose_name = _("评议与整改")

    def declare(self):
        from gongzhi.core.figures import register_section
        from gongzhi.core.registry import on_completed, register_candidate_notes
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.reviews import selectors, services

        register_section("reviews", selectors.dashboard_section, order=65)
        register_periodic(Periodic("reviews.list_expiry", "gongzhi.reviews.jobs.expire_listings",
                                   _("红黑榜期满下榜"), at=datetime.time(0, 5)))
        # A replacement vote's result replaces the contract (or sends the company back to rectification).
        on_completed("vote_closed", services.vote_closed)
        # Confirmed 九不准 breaches show in the next election's 两讲两有 review.
        register_candidate_notes(selectors.candidate_notes)
