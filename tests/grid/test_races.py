"""Races on PostgreSQL: a checkpoint scanned by ten taps at once is marked once; a finding raised by two
taps at once becomes one request; the missed-patrol sweep run three times at once flags each period once."""

import datetime

import pytest

from gongzhi.core import clock as source
from gongzhi.core.errors import WrongState
from gongzhi.grid import services
from gongzhi.grid.models import MissedPatrol, PatrolMark
from gongzhi.requests.models import Request
from tests.grid.helpers import grid_plan, user
from tests.helpers import YIWU, estate, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_scans_of_one_checkpoint_at_once_mark_it_once(world):
    checkpoint = grid_plan().checkpoints.order_by("position").first()
    results = race([lambda: services.checkpoint_scan(user("wanggeyuan"), checkpoint_id=checkpoint.pk)] * 10)
    marks = PatrolMark.objects.filter(checkpoint=checkpoint, patrol__finished_at__isnull=True)
    assert marks.count() == 1
    assert all(r is not None and not isinstance(r, Exception) and r.pk == marks.get().pk for r in results), results


def test_two_taps_raising_one_finding_make_one_request(world):
    patrol = services.patrol_start(user("wanggeyuan"), patrol_plan_id=grid_plan().pk)
    finding = services.finding_record(user("wanggeyuan"), patrol_id=patrol.pk, note="东门路灯杆倾斜，有倒塌危险")
    results = race([lambda: services.finding_raise(user("wanggeyuan"), finding_id=finding.pk,
                                                   category="lighting")] * 2)
    assert sum(isinstance(r, Request) for r in results) == 1
    assert sum(isinstance(r, WrongState) for r in results) == 1
    assert Request.objects.filter(description="东门路灯杆倾斜，有倒塌危险").count() == 1


def test_three_sweeps_at_once_flag_each_missed_period_once(world):
    today = source.today()
    plan = services.patrol_plan_create(user("shequ"), estate_id=estate(YIWU).pk, title="并发巡查", every_days=1,
                                       patroller="grid", starts_on=today - datetime.timedelta(days=5),
                                       checkpoints=["东门"])
    race([lambda: services.missed_patrols_flag(None)] * 3)
    assert MissedPatrol.objects.filter(plan=plan).count() == 5
