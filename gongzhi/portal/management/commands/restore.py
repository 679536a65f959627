"""gongzhi restore FILE: check a backup against its manifest, then load it into this empty database and
put its files back (gongzhi.backup). Run `gongzhi verify --all` afterwards."""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi import backup


class Command(BaseCommand):
    help = "从备份归档恢复到空数据库 / Restore a backup archive into an empty database"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份归档 / the backup archive")
        parser.add_argument("--check", action="store_true", help="只核对归档，不写入 / only check the archive")

    def handle(self, *args, file: str, check: bool, **options):
        try:
            if check:
                with tempfile.TemporaryDirectory() as work:
                    manifest = backup.check(file, Path(work))
                self.stdout.write(f"✔ 归档完整 / archive intact: {manifest.database}, {manifest.made_at}, "
                                  f"{len(manifest.files)} 个文件 / files")
                return
            manifest = backup.restore(file)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"✔ 已恢复 {manifest.made_at} 的备份 / restored the backup of {manifest.made_at}: "
            f"{len(manifest.files)} 个文件 / files. 请运行 / now run: gongzhi verify --all"
        )
