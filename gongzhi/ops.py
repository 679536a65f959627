"""What an operator (or a monitoring system) checks each morning, as `gongzhi check_ops` prints it: the task
queue's depth and its oldest waiting task, deliveries that failed for good, when the transparency log's head
was last signed and when the last backup was made. Each finding is a line, Chinese first, marked ✘ when it
is past its limit; the command then exits 1 so cron or a monitor can alert on it."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.choices import AuditAction
from gongzhi.core.models import BackupRecord, Delivery, DeliveryStatus
from gongzhi.notices.log import latest_head, log_size


@dataclass(frozen=True)
class Limits:
    queue_depth: int = 1000  # tasks waiting to run
    task_age: datetime.timedelta = datetime.timedelta(minutes=15)  # the oldest one's wait
    # A task "running" this long has lost its worker (killed with -9, the machine lost): Gongzhi's tasks take
    # seconds (a district's monthly report under a minute), so nothing alive runs for half an hour.
    running_age: datetime.timedelta = datetime.timedelta(minutes=30)
    failed_deliveries: int = 0  # deliveries given up on and not yet resent by staff
    head_age: datetime.timedelta | None = None  # default: twice GONGZHI_LOG_HEAD_INTERVAL_SECONDS
    backup_age: datetime.timedelta = datetime.timedelta(hours=26)  # a nightly backup, with slack


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    line: str  # Chinese / English
    value: float | int | None = None  # for --json: a count, or an age in seconds

    def __str__(self) -> str:
        return f"{'✔' if self.ok else '✘'} {self.line}"


def _age(seconds: float) -> tuple[str, str]:
    """A wait in words: (Chinese, English)."""
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} 分钟", f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours >= 72:
        return f"{hours // 24} 天", f"{hours // 24} days"
    return (f"{hours} 小时 {rest} 分钟", f"{hours} h {rest} min") if rest else (f"{hours} 小时", f"{hours} h")


def _queue(now: datetime.datetime, limits: Limits) -> list[Finding]:
    from django_tasks import task_backends
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    if not isinstance(task_backends["default"], DatabaseBackend):
        return [Finding("queue_depth", True, "任务队列：任务立即执行（GONGZHI_TASKS=immediate），没有队列 / "
                                             "task queue: tasks run at once (GONGZHI_TASKS=immediate), no queue")]
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=get_date_max()) | Q(run_after__lte=now))
    depth = waiting.count()
    oldest = waiting.aggregate(at=Min("enqueued_at"))["at"]
    age = (now - oldest).total_seconds() if oldest else 0.0
    limit = limits.task_age.total_seconds()
    stuck = _stuck(now, limits).count()
    return [
        Finding("queue_depth", depth <= limits.queue_depth,
                f"队列积压：{depth} 个任务待运行（上限 {limits.queue_depth}）/ queue depth: {depth} tasks waiting "
                f"(limit {limits.queue_depth})", depth),
        Finding("oldest_task", age <= limit,
                (f"最早的待运行任务已等待 {_age(age)[0]}（上限 {_age(limit)[0]}），请检查 gongzhi worker 是否在运行 / "
                 f"the oldest waiting task has waited {_age(age)[1]} (limit {_age(limit)[1]}): is gongzhi worker "
                 f"running?") if oldest else "没有等待中的任务 / no task is waiting", age),
        Finding("stuck_tasks", stuck == 0,
                f"运行超过 {_age(limits.running_age.total_seconds())[0]}的任务：{stuck} 个"
                + ("（其工作进程可能已被终止；gongzhi check_ops --requeue-stuck 重新排队）" if stuck else "")
                + f" / tasks running longer than {_age(limits.running_age.total_seconds())[1]}: {stuck}"
                + (" (their worker has probably died; gongzhi check_ops --requeue-stuck queues them again)"
                   if stuck else ""), stuck),
    ]


def _stuck(now: datetime.datetime, limits: Limits):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING,
                                       started_at__lt=now - limits.running_age)


def requeue_stuck(limits: Limits | None = None, now: datetime.datetime | None = None) -> int:
    """Put tasks whose worker died back in the queue (every Gongzhi task is idempotent, so running one
    again is safe); each is audited. A task a live worker finishes meanwhile is left alone."""
    from django_tasks.base import TaskResultStatus

    limits, now = limits or Limits(), now or clock.now()
    with transaction.atomic():
        stuck = list(_stuck(now, limits).select_for_update(skip_locked=True))
        for task in stuck:
            before = {"status": task.status, "started_at": clock.stamp(task.started_at), "workers": task.worker_ids}
            task.status, task.started_at, task.worker_ids = TaskResultStatus.READY, None, []
            task.save(update_fields=["status", "started_at", "worker_ids"])
            audit_record(None, AuditAction.TASK_REQUEUE, task, before=before,
                         after={"status": task.status, "task": task.task_path})
    return len(stuck)


def _deliveries(limits: Limits) -> Finding:
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED).count()
    return Finding("failed_deliveries", failed <= limits.failed_deliveries,
                   f"投递失败的通知：{failed} 条（在 /notifications/deliveries/ 查看并重发）/ failed deliveries: {failed} "
                   f"(see and resend them at /notifications/deliveries/)", failed)


def _head(now: datetime.datetime, limits: Limits) -> Finding:
    limit = (limits.head_age or datetime.timedelta(seconds=2 * settings.GONGZHI_LOG_HEAD_INTERVAL_SECONDS))
    head, size = latest_head(), log_size()
    if head is None:
        return Finding("last_head", size == 0, "透明日志尚无签名树头 / the transparency log has no signed head yet"
                       + ("" if size == 0 else f"，但已有 {size} 条记录 / but it holds {size} entries"))
    age = (now - datetime.datetime.fromtimestamp(head.timestamp / 1000, tz=datetime.UTC)).total_seconds()
    unsigned, (zh, en), (zh_limit, en_limit) = size - head.tree_size, _age(age), _age(limit.total_seconds())
    return Finding("last_head", age <= limit.total_seconds(),
                   f"透明日志树头上次签署于 {zh}前（上限 {zh_limit}），其后新增 {unsigned} 条 / the log head was last "
                   f"signed {en} ago (limit {en_limit}); {unsigned} entries since", age)


def _backup(now: datetime.datetime, limits: Limits) -> Finding:
    last = BackupRecord.objects.order_by("-made_at").first()
    if last is None:
        return Finding("last_backup", False, "最近一次备份：没有，从未运行过 gongzhi backup / last backup: none, "
                                             "gongzhi backup has never run")
    age = (now - last.made_at).total_seconds()
    (zh, en), (zh_limit, en_limit) = _age(age), _age(limits.backup_age.total_seconds())
    return Finding("last_backup", age <= limits.backup_age.total_seconds(),
                   f"最近一次备份：{clock.stamp(last.made_at)}（{zh}前，上限 {zh_limit}），{last.path} / last backup "
                   f"{en} ago (limit {en_limit}): {last.path}", age)


def check(limits: Limits | None = None, now: datetime.datetime | None = None) -> list[Finding]:
    limits, now = limits or Limits(), now or clock.now()
    return [*_queue(now, limits), _deliveries(limits), _head(now, limits), _backup(now, limits)]
