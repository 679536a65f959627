import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongzhi.core.clock import Term, Unit, register_term
from gongzhi.core.registry import DomainApp


class VotesConfig(DomainApp):
    name = "gongzhi.votes"
    label = "votes"
    verbose_name = _("业主共同决定")

    def declare(self):
        from gongzhi.core.figures import register_section
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.votes import selectors

        register_section("votes", selectors.dashboard_section, order=40)
        register_periodic(Periodic("votes.reminders", "gongzhi.votes.jobs.send_vote_reminders",
                                   _("投票截止前提醒未投票的业主"), every=datetime.timedelta(hours=1)))
        register_term("votes.notice", _("表决公告期（公告至开始投票）"),
                      lambda: Term(settings.GONGZHI_VOTE_NOTICE_DAYS, Unit.DAYS))
