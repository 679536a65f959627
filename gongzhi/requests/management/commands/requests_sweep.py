"""The deadline job for residents' requests (run from cron, e.g. every 5 minutes): escalate what is
past its deadline, close resolved requests nobody confirmed within 7 days, send unaccepted orders
back to their dispatcher, flag departments that did not report. Idempotent: running it twice, or
two copies at once, changes each request once."""

from django.core.management.base import BaseCommand

from gongzhi.requests.jobs import sweep


class Command(BaseCommand):
    help = "诉求超时上报、自动关闭、派单退回 / Escalate overdue requests, auto-close, return unaccepted orders"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="每类最多处理条数 / at most this many of each")

    def handle(self, *args, batch, **options):
        result = sweep(batch=batch)
        self.stdout.write(f"超时上报 {result.escalated} 件，自动关闭 {result.auto_closed} 件，派单退回 "
                          f"{result.orders_returned} 件，部门未报到 {result.summons_overdue} 个 / {result}")
