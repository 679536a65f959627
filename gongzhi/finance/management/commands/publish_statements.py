"""Publish the last month's (or quarter's) statement of common income and spending, and the fee
collection rate, for every estate a bookkeeper keeps — run monthly from cron:

    gongzhi publish_statements --as yanshuji                 # last month
    gongzhi publish_statements --as yanshuji --quarter       # last quarter

Publishing is done in that person's name (a community secretary or staff member), as on the web.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError
from gongzhi.core.scoping import scope_for
from gongzhi.finance import fees
from gongzhi.finance import services as fin
from gongzhi.finance.models import LedgerAccount


def last_period(today: datetime.date, quarter: bool) -> tuple[datetime.date, datetime.date]:
    """The last complete month (or quarter) before `today`, local."""
    done = clock.last_complete(clock.PeriodKind.QUARTER if quarter else clock.PeriodKind.MONTH, today)
    return done.start, done.end


class Command(BaseCommand):
    help = "公示上月（或上季度）公共收益收支与物业费收缴率 / Publish last period's statements and collection rates"

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="the bookkeeper who publishes")
        parser.add_argument("--quarter", action="store_true")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("没有这个用户 / No such user")
        start, end = last_period(clock.today(), options["quarter"])
        estates = scope_for(user).estates(fin.BOOKKEEPERS).filter(
            pk__in=LedgerAccount.objects.values("estate_id")).order_by("name")
        published = 0
        for estate in estates:
            try:
                fin.statement_publish(user, estate_id=estate.pk, start=start, end=end)
                if estate.fee_bills.filter(month__gte=start, month__lte=end).exists():
                    fees.rates_publish(user, estate_ids=[estate.pk], start=start, end=end)
                published += 1
            except GongzhiError as exc:
                self.stderr.write(f"{estate.name}: {exc.message}")
        self.stdout.write(f"{start} — {end}：已公示 {published} 个小区 / published for {published} estates")
