"""Periodic work as scheduled tasks: each job's slot in local time (its edges), a slot enqueued once however
many ticks or schedulers see it, the worker running what was queued, and every registered job importable."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from gongzhi.core import schedule
from gongzhi.core.models import ScheduledRun

pytestmark = pytest.mark.usefixtures("world")
RUNS = []
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def count_run():
    RUNS.append(1)
    return f"ran {len(RUNS)}"


@pytest.fixture
def only_test_jobs(monkeypatch):
    RUNS.clear()
    jobs = {}
    monkeypatch.setattr(schedule, "_periodic", jobs)
    schedule.register_periodic(schedule.Periodic("test.every5", "tests.core.test_schedule.count_run", "每 5 分钟",
                                                 every=datetime.timedelta(minutes=5)))
    return jobs


def local(text: str) -> datetime.datetime:
    from gongzhi.core import clock

    return clock.aware(datetime.datetime.fromisoformat(text))


@pytest.mark.parametrize("now, slot", [
    ("2026-12-07 10:04:59", "2026-12-07 10:00"), ("2026-12-07 10:05:00", "2026-12-07 10:05"),
    ("2026-12-07 00:00:00", "2026-12-07 00:00"), ("2026-12-31 23:59:59", "2026-12-31 23:55")])
def test_a_job_every_five_minutes_has_local_five_minute_slots(now, slot):
    job = schedule.Periodic("x", "x", "x", every=datetime.timedelta(minutes=5))
    assert job.slot(local(now)) == local(slot)


def test_a_daily_job_waits_for_its_time_of_day_in_local_time():
    job = schedule.Periodic("x", "x", "x", at=datetime.time(1, 30))
    assert job.slot(local("2026-12-07 01:29:59")) is None
    assert job.slot(local("2026-12-07 01:30:00")) == local("2026-12-07 01:30")
    # 17:30 UTC on the 6th is already 01:30 on the 7th in Shanghai
    assert job.slot(datetime.datetime(2026, 12, 6, 17, 30, tzinfo=datetime.UTC)) == local("2026-12-07 01:30")


def test_a_monthly_job_runs_from_its_day_of_the_month():
    job = schedule.Periodic("x", "x", "x", at=datetime.time(0, 5), day=1)
    assert job.slot(local("2027-01-01 00:04:59")) is None
    assert job.slot(local("2027-01-01 00:05:00")) == local("2027-01-01 00:05")
    assert job.slot(local("2027-01-31 23:00:00")) == local("2027-01-01 00:05")


def test_a_job_needs_either_an_interval_or_a_time():
    with pytest.raises(ValueError):
        schedule.register_periodic(schedule.Periodic("bad", "x", "x"))


def test_a_slot_is_run_once_however_often_the_scheduler_ticks(only_test_jobs):
    assert schedule.tick(local("2026-12-07 10:01")) == ["test.every5"]
    assert schedule.tick(local("2026-12-07 10:04:59")) == []
    assert RUNS == [1], "the immediate backend ran the job once"
    run = ScheduledRun.objects.get(name="test.every5")
    assert run.slot == local("2026-12-07 10:00") and run.finished_at is not None and run.outcome == "ran 1"
    assert schedule.tick(local("2026-12-07 10:05")) == ["test.every5"]
    assert len(RUNS) == 2


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection between tasks
def test_the_worker_runs_what_the_scheduler_queued(only_test_jobs, settings):
    settings.TASKS = DATABASE_TASKS
    from django_tasks_db.models import DBTaskResult

    schedule.tick(local("2026-12-07 10:01"))
    assert RUNS == [] and DBTaskResult.objects.count() == 1, "queued, not run, until a worker takes it"
    call_command("worker", batch=True, verbosity=0)
    assert RUNS == [1]
    assert ScheduledRun.objects.get(name="test.every5").outcome == "ran 1"
    call_command("worker", batch=True, verbosity=0)
    assert RUNS == [1], "a finished task is not run again"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_enqueue_a_slot_once(only_test_jobs, settings):
    settings.TASKS = DATABASE_TASKS
    from django_tasks_db.models import DBTaskResult

    barrier, results = threading.Barrier(4), []

    def scheduler():
        try:
            barrier.wait()
            results.append(schedule.tick(local("2026-12-07 10:01")))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(len, results)) == [0, 0, 0, 1]
    assert DBTaskResult.objects.count() == 1 and ScheduledRun.objects.count() == 1


def test_every_registered_job_exists(capsys):
    jobs = schedule.periodic_jobs()
    assert {"requests.sweep", "meetings.reminders", "votes.reminders", "notices.head_sign",
            "core.logins_prune"} <= {j.name for j in jobs}
    for job in jobs:
        assert callable(import_string(job.job)), job.name
    call_command("scheduler", list=True)
    assert "requests.sweep" in capsys.readouterr().out


@pytest.mark.parametrize("username", ["", "no-such-login"])
def test_jobs_in_a_persons_name_are_skipped_and_say_so_without_one(settings, username):
    from gongzhi.dashboard.jobs import scheduled_monthly_reports
    from gongzhi.finance.jobs import scheduled_statements

    settings.GONGZHI_SCHEDULE_AS = username
    assert scheduled_statements() == schedule.NOT_CONFIGURED
    assert scheduled_monthly_reports() == schedule.NOT_CONFIGURED


def test_the_monthly_statements_are_published_in_the_named_persons_name(settings, clock):
    from gongzhi.core.models import AuditEntry
    from gongzhi.finance.jobs import scheduled_statements

    clock.set("2026-12-01 01:00")
    settings.GONGZHI_SCHEDULE_AS = "yanshuji"
    published, errors = scheduled_statements()
    assert published >= 1 and errors == []
    assert AuditEntry.objects.filter(actor__username="yanshuji", action="notice.publish").exists()
