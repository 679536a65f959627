import datetime

from django.utils.translation import gettext_lazy as _

from gongzhi.core.registry import DomainApp


class MeetingsConfig(DomainApp):
    name = "gongzhi.meetings"
    label = "meetings"
    verbose_name = _("联席议事")

    def declare(self):
        from gongzhi.core.figures import register_section
        from gongzhi.core.schedule import Periodic, register_periodic
        from gongzhi.core.search import register_finder
        from gongzhi.core.tallies import register as register_tally
        from gongzhi.meetings import records, rollups, selectors

        records.register()  # an above-estate meeting's decisions enter the transparency log

        register_section("meetings", selectors.dashboard_section, order=30)
        for source in rollups.SOURCES:
            register_tally(source)
        register_periodic(Periodic("meetings.reminders", "gongzhi.meetings.jobs.send_reminders",
                                   _("会议提醒与逾期催办"), every=datetime.timedelta(hours=1)))
        register_periodic(Periodic("meetings.repeat", "gongzhi.meetings.jobs.plan_next_meetings",
                                   _("排定下一次例会（每月调度会、每季联席会）"), at=datetime.time(1, 40)))
        register_finder("meetings", _("议题"), selectors.find, order=40)
