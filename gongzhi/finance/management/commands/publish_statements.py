"""Publish the last month's (or quarter's) statement of common income and spending, and the fee
collection rate, for every estate a bookkeeper keeps — run monthly from cron:

    gongzhi publish_statements --as yanshuji                 # last month
    gongzhi publish_statements --as yanshuji --quarter       # last quarter

Publishing is done in that person's name (a community secretary or staff member), as on the web.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import clock
from gongzhi.finance import jobs

NO_SUCH_USER = "没有这个用户 / No such user"


class Command(BaseCommand):
    help = "公示上月（或上季度）公共收益收支与物业费收缴率 / Publish last period's statements and collection rates"

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="the bookkeeper who publishes")
        parser.add_argument("--quarter", action="store_true")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(NO_SUCH_USER)
        start, end = jobs.last_period(clock.today(), options["quarter"])
        published, errors = jobs.publish_statements(user, start=start, end=end)
        for error in errors:
            self.stderr.write(error)
        self.stdout.write(f"{start} — {end}：已公示 {published} 个小区 / published for {published} estates")
