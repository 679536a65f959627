"""`gongzhi check_ops`: one line per check, Chinese first, ✔ within its limit and ✘ past it — tasks waiting,
the oldest one's wait, deliveries failed for good, the last head signing, the last backup — and exit status 1
when any is past its limit; the immediate backend has no queue to check. `gongzhi backup` records itself."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction

from gongzhi.core import notifications
from gongzhi.core.models import BackupRecord, Delivery, DeliveryStatus
from gongzhi.notices.log import head_sign

pytestmark = pytest.mark.usefixtures("world")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def check_ops(*args) -> tuple[int, list[str]]:
    out = io.StringIO()
    try:
        call_command("check_ops", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().splitlines()


def line(lines: list[str], start: str) -> str:
    (found,) = [x for x in lines if start in x]
    return found


@pytest.fixture
def healthy(settings, clock):
    """Tasks queued in the database, none waiting, nothing failed, the head just signed, a backup last night."""
    settings.TASKS = DATABASE_TASKS
    Delivery.objects.filter(status=DeliveryStatus.FAILED).delete()
    with transaction.atomic():
        head_sign()
    BackupRecord.objects.create(made_at=clock.now - datetime.timedelta(hours=7), path="/srv/backups/gongzhi.tar",
                                database="postgresql", files=3, size=1000, manifest_sm3="0" * 64)
    return clock


def test_all_within_limits_prints_ticks_and_exits_0(healthy):
    code, lines = check_ops()
    assert code == 0, lines
    assert len(lines) == 6 and all(x.startswith("✔ ") for x in lines)
    assert line(lines, "运行超过").startswith("✔ 运行超过 30 分钟的任务：0 个 / tasks running longer than 30 min: 0")
    assert line(lines, "队列积压").startswith("✔ 队列积压：0 个任务待运行（上限 1000）/ queue depth: 0")
    assert "没有等待中的任务" in lines[1]
    assert line(lines, "投递失败").startswith("✔ 投递失败的通知：0 条")
    assert line(lines, "树头").startswith("✔ 透明日志树头上次签署于 0 分钟前（上限 2 小时），其后新增 0 条 / the log")
    assert line(lines, "备份").startswith("✔ 最近一次备份：") and "（7 小时前，上限 26 小时），/srv/backups/" in line(lines, "备份")


def test_a_queue_deeper_than_its_limit_and_a_task_waiting_too_long_fail(healthy, persona):
    notifications.notify([persona("wangayi"), persona("chen")], title="排队中的通知")
    for delivery in Delivery.objects.filter(notification__title="排队中的通知"):  # what the commit would queue
        notifications.deliver.enqueue(delivery.pk)
    code, lines = check_ops("--queue-max", "3")
    assert code == 1 and line(lines, "队列积压").startswith("✘ 队列积压：4 个任务待运行（上限 3）")
    assert line(lines, "最早的待运行任务").startswith("✔ ")
    healthy.set(healthy.now + datetime.timedelta(minutes=16, seconds=30))
    with transaction.atomic():
        head_sign()
    code, lines = check_ops()
    assert code == 1 and line(lines, "最早的待运行任务").startswith("✘ 最早的待运行任务已等待 16 分钟（上限 15 分钟），请检查")
    assert "gongzhi worker" in line(lines, "最早的待运行任务")
    assert line(lines, "队列积压").startswith("✔ ")


def test_a_task_whose_worker_died_is_flagged_after_30_minutes_and_requeued_once(healthy, persona):
    """A worker killed with -9 leaves its task "running" for ever: past the limit it is reported, and
    --requeue-stuck puts it back in the queue (audited), so the next worker runs it again."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from gongzhi.core.models import AuditEntry

    notifications.notify([persona("wangayi")], title="工作进程被终止时的通知")
    delivery = Delivery.objects.filter(notification__title="工作进程被终止时的通知").first()
    task = DBTaskResult.objects.get(pk=notifications.deliver.enqueue(delivery.pk).id)
    DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.RUNNING, started_at=healthy.now,
                                                   worker_ids=["killed-worker"])
    healthy.set(healthy.now + datetime.timedelta(minutes=30))  # exactly the limit: a slow task may still be alive
    with transaction.atomic():
        head_sign()
    code, lines = check_ops()
    assert code == 0 and line(lines, "运行超过").startswith("✔ 运行超过 30 分钟的任务：0 个")
    healthy.set(healthy.now + datetime.timedelta(seconds=1))
    code, lines = check_ops()
    assert code == 1 and line(lines, "运行超过").startswith("✘ 运行超过 30 分钟的任务：1 个（其工作进程可能已被终止")
    code, lines = check_ops("--requeue-stuck")
    assert lines[0] == "已重新排队 1 个任务 / queued again: 1 tasks"
    assert line(lines, "运行超过").startswith("✔ ")
    # back in the queue, it has waited since it was first queued: the worker should pick it up now
    assert code == 1 and line(lines, "队列积压").startswith("✔ 队列积压：1 个任务待运行")
    task.refresh_from_db()
    assert (task.status, task.started_at, task.worker_ids) == (TaskResultStatus.READY, None, [])
    assert AuditEntry.objects.filter(action="task.requeue", subject_id=str(task.pk)).count() == 1
    code, lines = check_ops("--requeue-stuck")  # nothing left to requeue
    assert lines[0] == "已重新排队 0 个任务 / queued again: 0 tasks"
    assert AuditEntry.objects.filter(action="task.requeue").count() == 1


def test_a_failed_delivery_fails_the_check_until_staff_resend_it(healthy, persona):
    notifications.notify([persona("wangayi")], title="发送失败的通知")
    Delivery.objects.filter(notification__title="发送失败的通知", channel="sms").update(status=DeliveryStatus.FAILED)
    code, lines = check_ops()
    assert code == 1 and line(lines, "投递失败").startswith("✘ 投递失败的通知：1 条")
    assert check_ops("--failed-max", "1")[0] == 0


def test_a_head_not_signed_for_too_long_fails(healthy, settings):
    healthy.set(healthy.now + datetime.timedelta(seconds=2 * settings.GONGZHI_LOG_HEAD_INTERVAL_SECONDS + 60))
    BackupRecord.objects.update(made_at=healthy.now)
    code, lines = check_ops()
    assert code == 1 and line(lines, "树头").startswith("✘ 透明日志树头上次签署于 2 小时 1 分钟前（上限 2 小时）")
    assert check_ops("--head-hours", "3")[0] == 0


def test_no_backup_or_an_old_one_fails(healthy):
    healthy.set(healthy.now + datetime.timedelta(hours=19, minutes=1))  # 26 h 1 min after it
    with transaction.atomic():
        head_sign()
    code, lines = check_ops()
    assert code == 1 and line(lines, "备份").startswith("✘ 最近一次备份") and "（26 小时 1 分钟前，上限 26 小时）" in line(lines, "备份")
    assert check_ops("--backup-hours", "27")[0] == 0
    BackupRecord.objects.all().delete()
    code, lines = check_ops()
    assert code == 1 and line(lines, "备份").startswith("✘ 最近一次备份：没有，从未运行过 gongzhi backup")


def test_json_for_a_monitor(healthy):
    code, lines = check_ops("--json")
    report = json.loads("\n".join(lines))
    assert code == 0 and report["ok"] is True
    assert [c["name"] for c in report["checks"]] == ["queue_depth", "oldest_task", "stuck_tasks", "failed_deliveries",
                                                     "last_head", "last_backup"]
    assert report["checks"][5]["value"] == 7 * 3600


def test_with_tasks_run_at_once_there_is_no_queue_to_check(healthy, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    code, lines = check_ops()
    assert code == 0 and lines[0].startswith("✔ 任务队列：任务立即执行") and len(lines) == 4
