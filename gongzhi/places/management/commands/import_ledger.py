from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gongzhi.core.errors import GongzhiError
from gongzhi.places import ledger


class Command(BaseCommand):
    help = "导入台账（.xlsx/.csv）：小区、楼栋、房屋、业主 / Import a ledger of estates, buildings, units and owners"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--community", default="", help="台账中没有“社区”列时使用的社区名称")
        parser.add_argument("--estate", default="", help="台账中没有“小区”列时使用的小区名称")
        parser.add_argument("--errors", type=Path, help="把逐行错误写入此 CSV 文件 / write per-row errors to this CSV")

    def handle(self, *args, file, community: str, estate: str, errors, **options):
        file, errors = Path(file), Path(errors) if errors else None
        if not file.exists():
            raise CommandError(f"文件不存在：{file} / No such file")
        try:
            table = ledger.read_table(file.read_bytes(), file.name)
        except GongzhiError as exc:  # unreadable input, like `gongzhi tally`: exit status 2
            raise CommandError(exc.message, returncode=2) from exc
        try:
            rows = ledger.parse_rows(table, community_name=community, estate_name=estate)
            units = len({(r.estate, r.unit) for r in rows})
            with tqdm(total=units, unit="套", desc="导入 / importing", disable=None) as bar:
                result = ledger.ledger_import(None, rows=rows, progress=bar.update)
        except ledger.LedgerImportError as exc:
            for e in exc.errors:
                self.stderr.write(f"第{e.row}行\t{e.column}\t{e.reason}")
            if errors:
                errors.write_text(
                    "行,列,原因\n" + "".join(f"{e.row},{e.column},\"{e.reason}\"\n" for e in exc.errors),
                    encoding="utf-8-sig",
                )
            raise CommandError(ledger.NOTHING_IMPORTED.format(n=len(exc.errors))) from exc
        except GongzhiError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(
            f"导入完成 / imported: 小区{result.estates} 楼栋{result.buildings} 房屋{result.units} "
            f"业主{result.persons} 产权{result.ownerships}"
        ))
