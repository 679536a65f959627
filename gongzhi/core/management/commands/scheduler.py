"""gongzhi scheduler: enqueue each periodic job once per slot (core.schedule), for `gongzhi worker` to run.
Run one or more (on several machines if you like: each slot is claimed once).

    gongzhi scheduler            tick every 30 seconds until stopped
    gongzhi scheduler --once     one tick, then exit (from cron, or to try it)
    gongzhi scheduler --list     the registered jobs and when they run
    gongzhi scheduler --only core.deliveries_sweep    only the named jobs (repeat --only for more)
"""

import signal
import time

from django.core.management.base import BaseCommand

from gongzhi.core import schedule


class Command(BaseCommand):
    help = "按时把定期任务放入队列 / Enqueue the periodic jobs when they are due"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="一次后退出 / tick once and exit")
        parser.add_argument("--list", action="store_true", help="列出定期任务 / list the periodic jobs")
        parser.add_argument("--interval", type=float, default=30.0, help="秒 / seconds between ticks")
        parser.add_argument("--only", action="append", metavar="JOB",
                            help="只排这些任务（可重复）/ enqueue only this job (repeatable), e.g. core.deliveries_sweep")

    def handle(self, *args, once: bool, list: bool, interval: float, only: list[str] | None,  # noqa: A002
               **options):
        if list:
            for job in schedule.periodic_jobs():
                when = f"every {job.every}" if job.every else (
                    f"day {job.day} at {job.at:%H:%M}" if job.day else f"daily at {job.at:%H:%M}")
                self.stdout.write(f"{job.name:28} {when:22} {job.label}")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while not stopping:
            for name in schedule.tick(only=set(only or ())):
                self.stdout.write(f"已排队 / enqueued: {name}")
            if once:
                return
            time.sleep(interval)
