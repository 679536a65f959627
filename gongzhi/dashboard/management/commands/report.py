"""The month's report (工作月报) of a place, as PDF and Excel, read as a named user:

    gongzhi report --place community:3 --month 2026-11 --as yanshuji [--out DIR] [--publish] [--keep]

The report holds what that user's dashboard shows for the place (scope and roles as on the web). The
files are written to DIR (the current folder by default) as <地区>-<YYYY-MM>-工作月报.pdf/.xlsx.
--publish also publishes it as a notice (an estate's or community's, by a notice publisher there);
--keep stores it as the place's kept report (as the scheduled `monthly_reports` does), once.
A malformed place or month, a month not yet over, or a place outside the user's roles makes nothing and
exits non-zero with the reason.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import GongzhiError
from gongzhi.dashboard import report, services

NO_SUCH_USER = "没有这个用户 / No such user"
NO_FOLDER = "输出目录不存在 / The output folder does not exist"


class Command(BaseCommand):
    help = "生成地区的工作月报（PDF 与 Excel）/ Make a place's monthly report as PDF and Excel"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True, help="estate:12, community:3, subdistrict:1 or district:1")
        parser.add_argument("--month", required=True, help="YYYY-MM, a month that has ended")
        parser.add_argument("--as", dest="username", required=True, help="whose view of the place the report holds")
        parser.add_argument("--out", default=".", help="the folder to write the files to")
        parser.add_argument("--publish", action="store_true", help="also publish it as a notice")
        parser.add_argument("--keep", action="store_true", help="also keep it as the place's report of the month")

    def handle(self, *args, place, month, username, out, publish, keep, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(NO_SUCH_USER)
        folder = Path(out)
        if not folder.is_dir():
            raise CommandError(NO_FOLDER)
        started = time.monotonic()
        try:
            made = report.monthly_report(fetched_by=user, place=place, month=month)
            pdf, xlsx = report.report_pdf(made), report.report_xlsx(made, fetched_by=user)
            notice = services.report_publish(user, place=place, month=month) if publish else None
            kept = services.report_keep(user, place=place, month=month) if keep else None
        except GongzhiError as exc:
            raise CommandError(exc.message) from exc
        for suffix, data in (("pdf", pdf), ("xlsx", xlsx)):
            path = folder / f"{made.stem}.{suffix}"
            path.write_bytes(data)
            self.stdout.write(f"{path}")
        if notice is not None:
            self.stdout.write(f"已发布公示《{notice.title}》/ published as notice {notice.pk}")
        if keep:
            self.stdout.write("已存档 / kept" if kept else "已有存档，未重复生成 / already kept")
        self.stdout.write(f"{made.title}：用时 {time.monotonic() - started:.1f} 秒 / took {time.monotonic() - started:.1f} s")
