"""Count the figures rows again from the records: the requests' (requests.rollups) for a range of months
or all, and every other app's (core.tallies: fees, journal, meetings, matters, points, …) whole. After a
restore of only some tables, a bulk load with the triggers off, or a change of TIME_ZONE (which also
re-creates the triggers). Idempotent: a second run changes nothing. With --check it only reports the rows
that differ."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from gongzhi.core import tallies
from gongzhi.requests import rollups

BAD_MONTH = "月份格式应为 YYYY-MM 或 YYYY-MM-DD / A month is YYYY-MM or YYYY-MM-DD"
BAD_RANGE = "开始月份不能晚于结束月份 / --start must not be after --end"
DIFFERENT = "以下统计行与原始记录不符 / These figures rows differ from their records"


def _month(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError:
        raise CommandError(BAD_MONTH) from None


class Command(BaseCommand):
    help = ("重新统计诉求汇总表（可指定月份范围）及其他汇总数 / Rebuild the requests' figures rows (a range of "
            "months, or all) and every other source's")

    def add_arguments(self, parser):
        parser.add_argument("--start", help="从该月起（YYYY-MM）/ from this month")
        parser.add_argument("--end", help="到该月止（YYYY-MM）/ to this month, inclusive")
        parser.add_argument("--check", action="store_true", help="只核对，不改写 / compare only, write nothing")

    def handle(self, *args, start, end, check, **options):
        first, last = _month(start), _month(end)
        if first and last and first > last:
            raise CommandError(BAD_RANGE)
        if check:
            wrong = rollups.differences(first, last) | tallies.differences()
            for key, (stored, counted) in sorted(wrong.items(), key=str)[:50]:
                self.stdout.write(f"{key}: {stored} ≠ {counted}")
            if wrong:
                raise CommandError(f"{DIFFERENT}: {len(wrong)}")
            self.stdout.write("统计行与原始记录一致 / The figures rows agree with their records")
            return
        with transaction.atomic():  # the triggers (re)made with today's TIME_ZONE, and the rows counted with them
            with connection.cursor() as cursor:
                rollups.install(cursor)
                for source in tallies.SOURCES.values():
                    tallies.install(cursor, source)
            done = rollups.rebuild(first, last)
            others = tallies.rebuild()
        self.stdout.write(f"已重新统计 {done.requests} 件诉求，{done.rows} 行 / Rebuilt {done.rows} rows "
                          f"from {done.requests} requests ({done.start or '…'} – {done.end or '…'})")
        self.stdout.write(f"已重新统计其他汇总数 {others.rows} 行 / Rebuilt {others.rows} rows of "
                          f"{', '.join(others.sources)}")
