"""The working-day calendar from the command line.

    gongzhi calendar import FILE.csv   enter or correct days: date,kind,name (kind: workday|holiday)
    gongzhi calendar show [YEAR]       which years are known, and the administrators' days
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError
from gongzhi.core.models import CalendarDay
from gongzhi.core.services import calendar_import, calendar_parse


class Command(BaseCommand):
    help = "Import or show the working-day calendar (工作日历)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a CSV of date,kind,name")
        imp.add_argument("file")
        show = sub.add_parser("show", help="show what is known of a year")
        show.add_argument("year", nargs="?", type=int)

    def handle(self, *args, **options):
        if options["action"] == "import":
            self._import(Path(options["file"]))
        else:
            self._show(options.get("year") or clock.today().year)

    def _import(self, path: Path):
        if not path.is_file():
            raise CommandError(f"找不到文件 / No such file: {path}")
        try:
            rows = calendar_parse(path.read_bytes(), path.name)
            written = calendar_import(None, rows=rows)
        except GongzhiError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已导入 {len(rows)} 天，其中 {written} 天有变化 / {len(rows)} days read, {written} changed")

    def _show(self, year: int):
        source = "chinesecalendar" if clock.library_knows(year) else (
            "administrators' days" if clock.covered(year) else "weekends only (not known)")
        self.stdout.write(f"{year}: {source}")
        for day in CalendarDay.objects.filter(day__year=year):
            self.stdout.write(f"  {day.day} {day.kind} {day.name}")
