"""gongzhi check_ops: the operator's morning check (gongzhi.ops) — queue depth, the oldest waiting task,
tasks whose worker died (--requeue-stuck queues them again),
failed deliveries, the last log head signing, the last backup. One line each, Chinese first; exits 1 when
anything is past its limit (for cron or a monitor), or prints JSON with --json."""

import datetime
import json
import sys

from django.core.management.base import BaseCommand

from gongzhi import ops


class Command(BaseCommand):
    help = "检查队列、通知投递、日志签署和备份 / Check the queue, deliveries, log head signing and backups"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
        parser.add_argument("--queue-max", type=int, default=ops.Limits.queue_depth,
                            help="队列积压上限 / most tasks waiting (1000)")
        parser.add_argument("--task-minutes", type=int, default=15,
                            help="最早任务等待分钟上限 / longest a task may wait, minutes (15)")
        parser.add_argument("--running-minutes", type=int, default=30,
                            help="任务运行分钟上限，超过视为工作进程已终止 / minutes after which a running task "
                                 "is taken as lost (30)")
        parser.add_argument("--requeue-stuck", action="store_true",
                            help="先把超时仍在运行的任务重新排队 / first queue again the tasks running too long")
        parser.add_argument("--failed-max", type=int, default=ops.Limits.failed_deliveries,
                            help="投递失败上限 / failed deliveries allowed (0)")
        parser.add_argument("--head-hours", type=float, help="树头签署间隔上限（小时）/ hours since the last head "
                                                              "(twice GONGZHI_LOG_HEAD_INTERVAL_SECONDS)")
        parser.add_argument("--backup-hours", type=float, default=26.0,
                            help="距上次备份小时上限 / hours since the last backup (26)")

    def handle(self, *args, **options):
        limits = ops.Limits(
            queue_depth=options["queue_max"], task_age=datetime.timedelta(minutes=options["task_minutes"]),
            running_age=datetime.timedelta(minutes=options["running_minutes"]),
            failed_deliveries=options["failed_max"], backup_age=datetime.timedelta(hours=options["backup_hours"]),
            head_age=datetime.timedelta(hours=options["head_hours"]) if options["head_hours"] else None)
        if options["requeue_stuck"]:
            requeued = ops.requeue_stuck(limits)
            if not options["json"]:
                self.stdout.write(f"已重新排队 {requeued} 个任务 / queued again: {requeued} tasks")
        findings = ops.check(limits)
        if options["json"]:
            self.stdout.write(json.dumps({"ok": all(f.ok for f in findings), "checks": [
                {"name": f.name, "ok": f.ok, "value": f.value, "text": f.line} for f in findings]},
                ensure_ascii=False, indent=1))
        else:
            for finding in findings:
                self.stdout.write(str(finding))
        if not all(f.ok for f in findings):
            sys.exit(1)
