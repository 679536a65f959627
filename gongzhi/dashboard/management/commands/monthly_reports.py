"""Last month's reports (工作月报), kept for download on the dashboard — run daily from cron:

    gongzhi monthly_reports --as guanliyuan

For every district, subdistrict and community that user's roles cover (a district administrator: the
whole district), last month's report is made once, read as that user: run it as an identity whose view
the places' officers share. Any day of the month it makes only what is missing, so a missed 1st is
caught up the next day, and a second run or a second machine makes nothing twice.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.dashboard import jobs

NO_SUCH_USER = "没有这个用户 / No such user"


class Command(BaseCommand):
    help = "生成上月各地区的工作月报（已有的不重复生成）/ Make last month's reports that are missing"

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="whose view the reports hold")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(NO_SUCH_USER)
        result = jobs.monthly_reports(user)
        for error in result.errors:
            self.stderr.write(error)
        self.stdout.write(f"{result.month}：新生成 {len(result.made)} 份月报 / made {len(result.made)} reports")
        if result.errors:
            raise CommandError(f"{len(result.errors)} 份未能生成 / {len(result.errors)} failed")
