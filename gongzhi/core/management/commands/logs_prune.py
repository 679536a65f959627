"""gongzhi logs_prune: delete rotated log files (app.log-20260101.gz, access.log.1 …) in GONGZHI_LOG_DIR written
more than GONGZHI_LOG_RETENTION_DAYS days ago (400 by default, never under a year). Run daily on every
machine that writes logs (deploy/systemd/gongzhi-logs-prune.timer), after logrotate. The live files and
anything else in the folder are left alone; the audit trail is in the database and no command deletes it."""

import datetime
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ROTATED = ("app.log-", "app.log.", "access.log-", "access.log.")  # logrotate's dateext, or numbered


def prune(folder: Path, days: int, now: float | None = None) -> list[Path]:
    """Delete the rotated logs older than `days`; the paths deleted."""
    cutoff = (now if now is not None else time.time()) - datetime.timedelta(days=days).total_seconds()
    gone = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_file() and path.name.startswith(ROTATED) and path.stat().st_mtime < cutoff:
            path.unlink()
            gone.append(path)
    return gone


class Command(BaseCommand):
    help = "删除超过保存期限的轮转日志文件 / Delete rotated log files older than the retention period"

    def handle(self, *args, **options):
        if not settings.GONGZHI_LOG_DIR:
            self.stdout.write("未设置 GONGZHI_LOG_DIR，日志写入系统日志（journald），无需清理 / "
                              "GONGZHI_LOG_DIR is not set: logs go to the journal; nothing to prune")
            return
        days = settings.GONGZHI_LOG_RETENTION_DAYS
        gone = prune(Path(settings.GONGZHI_LOG_DIR), days)
        self.stdout.write(f"已删除 {len(gone)} 个超过 {days} 天的日志文件 / deleted {len(gone)} log files older than "
                          f"{days} days")
