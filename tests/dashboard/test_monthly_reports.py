"""The scheduled run (`monthly_reports`, daily from cron) makes last month's report of every district,
subdistrict and community once: on the 1st just after midnight (local) it makes November's; a second
run makes nothing; on the 15th with November made, nothing; a report claimed by another run is not made
again; a claim whose run died is taken over."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.core.models import AuditEntry
from gongzhi.core.scoping import scope_for
from gongzhi.dashboard import jobs, services
from gongzhi.dashboard.models import MonthlyReport
from gongzhi.dashboard.rules import DASHBOARD_ROLES
from tests.helpers import YIWU, estate

pytestmark = pytest.mark.usefixtures("world")


def expected(user) -> set[tuple[str, int]]:
    scope = scope_for(user)
    levels = {"district": scope.districts, "subdistrict": scope.subdistricts, "community": scope.communities}
    return {(level, pk) for level, places in levels.items()
            for pk in places(DASHBOARD_ROLES).values_list("pk", flat=True)}


def test_on_the_first_it_makes_last_months_reports_once(persona, clock):
    admin = persona("guanliyuan")
    clock.set("2026-12-01 00:05")  # local: still 30 November in UTC
    out = io.StringIO()
    call_command("monthly_reports", username="guanliyuan", stdout=out)
    made = set(MonthlyReport.objects.values_list("level", "place_pk"))
    assert made == expected(admin) and len(made) >= 4
    assert set(MonthlyReport.objects.values_list("month", flat=True)) == {datetime.date(2026, 11, 1)}
    assert all(r.is_made and r.pdf.read(5) == b"%PDF-" for r in MonthlyReport.objects.all())
    assert f"made {len(made)} reports" in out.getvalue()
    assert AuditEntry.objects.filter(action="report.make").count() == len(made)

    again = jobs.monthly_reports(admin)  # a second run, or a second machine
    assert again.made == [] and again.errors == []
    assert MonthlyReport.objects.count() == len(made)

    clock.set("2026-12-15 09:00")
    assert jobs.monthly_reports(admin).made == []
    assert MonthlyReport.objects.count() == len(made)


def test_a_missed_first_is_caught_up_and_only_the_missing_is_made(persona, clock):
    secretary = persona("yanshuji")  # her roles cover one community: one report a month
    clock.set("2026-12-03 08:00")
    assert jobs.monthly_reports(secretary).made == [estate(YIWU).community.name], "made on the 3rd, not only the 1st"
    assert jobs.monthly_reports(secretary).made == []
    community = f"community:{estate(YIWU).community_id}"
    assert services.report_keep(secretary, place=community, month="2026-11") is None, "kept once"
    clock.set("2027-01-01 00:00")
    assert jobs.monthly_reports(secretary).made == [estate(YIWU).community.name], "December's, on the next 1st"
    assert sorted(MonthlyReport.objects.values_list("month", flat=True)) == [
        datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)]


def test_a_claim_in_progress_is_left_and_a_dead_one_taken_over(persona, clock):
    admin = persona("guanliyuan")
    clock.set("2026-12-01 00:05")
    community = estate(YIWU).community
    claim = MonthlyReport.objects.create(level="community", place_pk=community.pk, place_name=community.name,
                                         month=datetime.date(2026, 11, 1))  # another machine is making it
    assert services.report_keep(admin, place=f"community:{community.pk}", month="2026-11") is None
    clock.set("2026-12-01 02:00")  # that run died: its claim has no files an hour later
    kept = services.report_keep(admin, place=f"community:{community.pk}", month="2026-11")
    assert kept is not None and kept.pk != claim.pk and kept.is_made
    assert MonthlyReport.objects.filter(level="community", place_pk=community.pk).count() == 1


def test_the_run_needs_a_known_user(clock):
    with pytest.raises(CommandError, match="没有这个用户"):
        call_command("monthly_reports", username="nobody")
    assert not MonthlyReport.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_machines_running_at_once_make_each_report_once(world, persona, clock):
    from tests.helpers import race

    clock.set("2026-12-01 00:05")
    community = f"community:{estate(YIWU).community_id}"
    results = race([lambda: services.report_keep(persona("yanshuji"), place=community, month="2026-11"),
                    lambda: services.report_keep(persona("yanshuji"), place=community, month="2026-11")])
    made = [r for r in results if isinstance(r, MonthlyReport)]
    assert len(made) == 1 and results.count(None) == 1, results
    assert MonthlyReport.objects.filter(month=datetime.date(2026, 11, 1)).count() == 1
    assert AuditEntry.objects.filter(action="report.make").count() == 1
