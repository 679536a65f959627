from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import GongzhiError
from gongzhi.core.text import ascii_int
from gongzhi.places import ledger
from gongzhi.places.models import Estate


class Command(BaseCommand):
    help = "把小区台账导出为 Excel / Export an estate's ledger to Excel"

    def add_arguments(self, parser):
        parser.add_argument("estate", help="小区名称或编号 / estate name or id")
        parser.add_argument("-o", "--output", type=Path, help="输出文件（默认 ledger-<小区>.xlsx）")
        parser.add_argument("--as-user", default="", help="以该用户的权限导出（默认：系统，不打码）")

    def handle(self, *args, estate: str, output, as_user: str, **options):
        number = ascii_int(estate)
        found = Estate.objects.filter(pk=number).first() if number is not None else None
        found = found or Estate.objects.filter(name=estate).first()
        if found is None:
            raise CommandError(f"未找到小区：{estate} / No such estate")
        if as_user:
            user = get_user_model().objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(f"未找到用户：{as_user} / No such user")
        else:
            user = get_user_model()(is_superuser=True, is_active=True)  # the system sees everything
        try:
            rows = ledger.ledger_rows(fetched_by=user, estate_id=found.pk)
        except GongzhiError as exc:
            raise CommandError(exc.message) from exc
        output = Path(output) if output else Path(f"ledger-{found.name}.xlsx")
        output.write_bytes(ledger.ledger_workbook(rows))
        self.stdout.write(self.style.SUCCESS(f"已导出 {len(rows)} 行到 {output} / exported"))
