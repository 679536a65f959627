"""gongzhi backup FILE: one consistent archive of the database, the stored files and the log's public
keys, with its SM3 manifest (gongzhi.backup). Print the manifest's SM3 and keep it apart from the file."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi import backup


class Command(BaseCommand):
    help = "备份数据库、文件和日志公钥到一个归档 / Back up the database, files and log public keys to one archive"

    def add_arguments(self, parser):
        parser.add_argument("file", help="归档文件路径 / where to write the archive (.tar)")

    def handle(self, *args, file: str, **options):
        try:
            manifest, digest = backup.backup(file)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"✔ 已备份 / backed up: {manifest.database}, {len(manifest.files)} 个文件 / files → {file}\n"
            f"清单 SM3 / manifest SM3: {digest}"
        )
