"""Periodic work as scheduled tasks: each app registers its jobs (`register_periodic` in its AppConfig's
declare()), `gongzhi scheduler` enqueues each job once per slot, and `gongzhi worker` runs them.

A slot is the job's current period in local time: the 10-minute window for a job every 10 minutes, the
day for a daily job at 01:30 (from 01:30 on), the month for a monthly one. Enqueuing claims the slot by
inserting a ScheduledRun row under a unique (job, slot) constraint in the same transaction as the task,
so two schedulers on two machines enqueue each slot once; a scheduler that was down enqueues the current
slot when it comes back, not every slot it missed. The jobs themselves are idempotent (each app's
jobs.py), so a task retried after a crash does no harm either.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django_tasks import task

from gongzhi.core import clock

log = logging.getLogger("gongzhi.schedule")


@dataclass(frozen=True)
class Periodic:
    name: str  # "requests.sweep"
    job: str  # dotted path of a callable taking no arguments
    label: str
    every: datetime.timedelta | None = None  # or, for a daily or monthly job:
    at: datetime.time | None = None  # local time of day
    day: int | None = None  # day of the month (1–28) for a monthly job

    def slot(self, now: datetime.datetime) -> datetime.datetime | None:
        """The start of the slot `now` falls in (local, aware); None before a daily or monthly job's
        first time in its period."""
        local = clock.local(now)
        if self.every is not None:
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            step = self.every.total_seconds()
            return midnight + datetime.timedelta(seconds=((local - midnight).total_seconds() // step) * step)
        start = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if self.day is not None:
            start = start.replace(day=self.day)
        return start if local >= start else None


NOT_CONFIGURED = "未设置 GONGZHI_SCHEDULE_AS，跳过 / GONGZHI_SCHEDULE_AS is not set; skipped"


def acting_user():
    """Who a scheduled job acts as where the work is done in a person's name (publishing statements,
    making reports): the login named by GONGZHI_SCHEDULE_AS (an administrator or an officer whose roles
    cover the places), or None when it is not set or not an active login."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    username = settings.GONGZHI_SCHEDULE_AS
    return get_user_model().objects.filter(username=username, is_active=True).first() if username else None


_periodic: dict[str, Periodic] = {}


def register_periodic(periodic: Periodic) -> None:
    if (periodic.every is None) == (periodic.at is None):
        raise ValueError(f"{periodic.name}: give either every= or at=")
    _periodic[periodic.name] = periodic


def periodic_jobs() -> list[Periodic]:
    return sorted(_periodic.values(), key=lambda p: p.name)


@task()
def run_periodic(name: str, slot: str) -> str:
    """The task a slot enqueues: run the job and note when it finished and what it said."""
    from gongzhi.core.models import ScheduledRun

    periodic = _periodic[name]
    outcome = str(import_string(periodic.job)())[:500]
    ScheduledRun.objects.filter(name=name, slot=datetime.datetime.fromisoformat(slot)).update(
        finished_at=clock.now(), outcome=outcome)
    return outcome


def tick(now: datetime.datetime | None = None, only: set[str] | None = None) -> list[str]:
    """Enqueue every job (of `only`, if given) whose current slot has not been claimed yet; the names enqueued."""
    from gongzhi.core.models import ScheduledRun

    now = now or clock.now()
    enqueued = []
    for periodic in periodic_jobs():
        if only and periodic.name not in only:
            continue
        slot = periodic.slot(now)
        if slot is None:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=periodic.name, slot=slot, enqueued_at=now)
                run_periodic.enqueue(periodic.name, slot.isoformat())
        except IntegrityError:
            continue  # another scheduler (or an earlier tick) has this slot
        enqueued.append(periodic.name)
        log.info("enqueued %s for %s", periodic.name, slot.isoformat())
    return enqueued
