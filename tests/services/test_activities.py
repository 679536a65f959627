"""Activities: who publishes one (its space booked with it), sign-up and the waiting list at the exact
capacity, promotion on cancellation, check-in by the organiser's QR code (its validity, a past activity
refused) or by ticks, attendance and person-times, the report, the day-before reminders (idempotent)."""

import datetime

import pytest

from gongzhi.core.audit import AuditEntry
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import Notification
from gongzhi.notices.models import Notice
from gongzhi.services import jobs, selectors, services
from gongzhi.services.choices import BookingStatus, SignupStatus
from gongzhi.services.models import Activity, Signup
from gongzhi.services.services import activities as act
from tests.helpers import PACIFIC, YIWU, estate, race, run_command
from tests.services.helpers import at_ten, next_saturday, slot, space, zh

PEOPLE = ["lixiansheng", "chen", "weiyuan", "zhaozhuren"]


@pytest.fixture
def day(world, clock):
    return next_saturday(at_ten(clock))


def publish(persona, day, *, capacity=2, who="yanshuji", **kw):
    args = {"estate_id": estate(PACIFIC).pk, "title": "健康义诊", "kind": "health", "capacity": capacity,
            "place": "中心广场"} | slot(day, "09:00", "11:00") | kw
    return services.activity_create(persona(who), **args)


# --- publishing ---------------------------------------------------------------------------------------
PUBLISH_GRID = {"yanshuji": None, "zhaozhuren": None, "weiyuan": None, "wangjingli": None,
                "lixiansheng": PermissionDenied, "chen": PermissionDenied, "wangayi": NotFound, "lijing": NotFound}


@pytest.mark.parametrize("who", list(PUBLISH_GRID))
def test_who_publishes_an_activity(persona, day, who):
    if PUBLISH_GRID[who] is None:
        activity = publish(persona, day, who=who)
        assert activity.organiser.username == who
        assert AuditEntry.objects.filter(action="activity.create", subject_id=str(activity.pk)).exists()
    else:
        with pytest.raises(PUBLISH_GRID[who]):
            publish(persona, day, who=who)
        assert not Activity.objects.filter(title="健康义诊", starts_at__date__gte=day).exists()


def test_an_activity_in_a_space_books_it_and_the_space_rules_hold(persona, day):
    activity = publish(persona, day, space_id=space("多功能厅").pk, capacity=40, place="")
    assert activity.booking.status == BookingStatus.CONFIRMED and activity.place == "多功能厅"
    with pytest.raises(WrongState, match="已被预约"):
        services.booking_create(persona("lixiansheng"), space_id=space("多功能厅").pk, purpose="x",
                                **slot(day, "10:00", "10:30"))
    with pytest.raises(InvalidInput, match="名额超过“阅读角”的容纳人数 20 人"):
        publish(persona, day, space_id=space("阅读角").pk, capacity=21)
    with pytest.raises(WrongState, match="booking|活动“健康义诊”"):
        services.booking_cancel(persona("yanshuji"), booking_id=activity.booking_id)


def test_an_activity_cannot_start_in_the_past_and_needs_a_place(persona, clock, day):
    today = clock.today
    with pytest.raises(InvalidInput, match=zh(act.STARTS_IN_PAST)):
        publish(persona, today, **slot(today, "09:00", "11:00"))
    with pytest.raises(InvalidInput, match=zh(act.PLACE_REQUIRED)):
        publish(persona, day, place="")


# --- sign-up and the waiting list ---------------------------------------------------------------------
def test_over_capacity_goes_to_the_waiting_list_and_is_promoted_in_order(persona, day):
    activity = publish(persona, day, capacity=2)
    got = [services.activity_signup(persona(who), activity_id=activity.pk) for who in PEOPLE]
    assert [s.status for s in got] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [act.waiting_position(s) for s in got[2:]] == [1, 2]
    with pytest.raises(WrongState, match="您已报名“健康义诊”"):
        services.activity_signup(persona("chen"), activity_id=activity.pk)
    services.signup_cancel(persona("lixiansheng"), activity_id=activity.pk)  # a place frees up
    statuses = dict(Signup.objects.filter(activity=activity).values_list("user__username", "status"))
    assert statuses == {"lixiansheng": "cancelled", "chen": "confirmed", "weiyuan": "confirmed",
                        "zhaozhuren": "waiting"}
    assert Notification.objects.filter(user__username="weiyuan", title="候补成功：健康义诊").exists()
    services.signup_cancel(persona("zhaozhuren"), activity_id=activity.pk)  # a waiting one leaves: nobody moves
    assert selectors.attendance(activity).signed_up == 2
    again = services.activity_signup(persona("lixiansheng"), activity_id=activity.pk)
    assert again.status == SignupStatus.WAITING


def test_sign_up_closes_when_the_activity_starts(persona, clock, day):
    activity = publish(persona, day)
    clock.set(activity.starts_at - datetime.timedelta(seconds=1))
    services.activity_signup(persona("chen"), activity_id=activity.pk)
    clock.set(activity.starts_at)
    with pytest.raises(WrongState, match="已开始或已结束"):
        services.activity_signup(persona("lixiansheng"), activity_id=activity.pk)
    with pytest.raises(WrongState, match=zh(act.CANCEL_TOO_LATE)):
        services.signup_cancel(persona("chen"), activity_id=activity.pk)


SIGN_GRID = {"lixiansheng": None, "chen": None, "liukezhang": PermissionDenied, "wangayi": NotFound,
             "lijing": NotFound}


@pytest.mark.parametrize("who", list(SIGN_GRID))
def test_who_signs_up(persona, day, who):
    activity = publish(persona, day)
    if SIGN_GRID[who] is None:
        assert services.activity_signup(persona(who), activity_id=activity.pk).status == "confirmed"
    else:
        with pytest.raises(SIGN_GRID[who]):
            services.activity_signup(persona(who), activity_id=activity.pk)
        assert not Signup.objects.filter(activity=activity).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_for_the_last_place_at_once_get_one_place_and_one_waiting(world, persona, clock):
    day = next_saturday(at_ten(clock))
    activity = publish(persona, day, capacity=1)
    results = race([lambda: services.activity_signup(persona("lixiansheng"), activity_id=activity.pk),
                    lambda: services.activity_signup(persona("chen"), activity_id=activity.pk)])
    assert sorted(r.status for r in results) == ["confirmed", "waiting"], results


# --- check-in -----------------------------------------------------------------------------------------
def test_check_in_by_the_qr_code_at_the_door(persona, clock, day):
    activity = publish(persona, day)
    services.activity_signup(persona("chen"), activity_id=activity.pk)
    clock.set(activity.starts_at - datetime.timedelta(hours=1, seconds=1))
    code = act.checkin_code(activity)
    with pytest.raises(WrongState, match="签到将于"):
        services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code)
    clock.set(activity.starts_at - datetime.timedelta(minutes=5))
    code = act.checkin_code(activity)
    signup = services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code)
    assert signup.checked_in_at == clock.now
    with pytest.raises(WrongState, match="您已签到"):
        services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code)
    # one who came without signing up is counted too
    services.activity_checkin(persona("lixiansheng"), activity_id=activity.pk, code=code)
    assert selectors.attendance(activity).attended == 2


def test_the_code_is_valid_for_ten_minutes_and_for_its_own_activity(persona, clock, day):
    activity, other = publish(persona, day), publish(persona, day, title="法律咨询")
    clock.set(activity.starts_at)
    code = act.checkin_code(activity)
    with pytest.raises(InvalidInput, match=zh(act.CODE_BAD)):
        services.activity_checkin(persona("chen"), activity_id=other.pk, code=code)
    with pytest.raises(InvalidInput, match=zh(act.CODE_BAD)):
        services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code[:-1] + "x")
    clock.set(activity.starts_at + datetime.timedelta(minutes=10, seconds=1))
    with pytest.raises(InvalidInput, match=zh(act.CODE_EXPIRED)):
        services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code)
    clock.set(activity.starts_at + datetime.timedelta(minutes=10))
    assert services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code).checked_in_at


def test_check_in_to_a_past_activity_is_refused_and_nothing_written(persona, clock, day):
    activity = publish(persona, day)
    services.activity_signup(persona("chen"), activity_id=activity.pk)
    clock.set(activity.ends_at)
    code = act.checkin_code(activity)
    with pytest.raises(WrongState, match="“健康义诊”已结束，不能签到"):
        services.activity_checkin(persona("chen"), activity_id=activity.pk, code=code)
    with pytest.raises(WrongState, match="已结束"):
        services.attendance_mark(persona("yanshuji"), activity_id=activity.pk,
                                 user_ids=[persona("chen").pk])
    assert not Signup.objects.filter(activity=activity, checked_in_at__isnull=False).exists()


def test_the_organiser_ticks_names_and_only_the_organiser(persona, clock, day):
    activity = publish(persona, day, capacity=1)
    for who in ("chen", "lixiansheng"):
        services.activity_signup(persona(who), activity_id=activity.pk)
    clock.set(activity.starts_at)
    with pytest.raises(PermissionDenied):
        services.attendance_mark(persona("chen"), activity_id=activity.pk, user_ids=[persona("chen").pk])
    with pytest.raises(InvalidInput, match=zh(act.TICK_UNKNOWN)):
        services.attendance_mark(persona("yanshuji"), activity_id=activity.pk, user_ids=[persona("weiyuan").pk])
    ticked = services.attendance_mark(persona("yanshuji"), activity_id=activity.pk,
                                      user_ids=[persona("chen").pk, persona("lixiansheng").pk])
    assert {s.status for s in ticked} == {"confirmed"}  # the waiting one came anyway: attendance is who came
    assert selectors.attendance(activity).attended == 2


def test_the_report_after_the_activity(persona, clock, day):
    activity = publish(persona, day)
    with pytest.raises(WrongState, match=zh(act.REPORT_TOO_EARLY)):
        services.activity_report(persona("yanshuji"), activity_id=activity.pk, report="顺利")
    clock.set(activity.ends_at)
    with pytest.raises(PermissionDenied):
        services.activity_report(persona("chen"), activity_id=activity.pk, report="顺利")
    assert services.activity_report(persona("yanshuji"), activity_id=activity.pk, report="顺利，20人参加").report
    assert not Notice.objects.filter(title="活动小结：健康义诊").exists()
    services.activity_report(persona("yanshuji"), activity_id=activity.pk, report="顺利", publish=True)
    assert Notice.objects.get(title="活动小结：健康义诊").body.endswith("参加 0 人次。顺利")


# --- reminders ----------------------------------------------------------------------------------------
def test_reminders_the_day_before_once(persona, clock, day):
    activity = publish(persona, day)
    services.activity_signup(persona("chen"), activity_id=activity.pk)
    services.activity_signup(persona("lixiansheng"), activity_id=activity.pk)
    services.signup_cancel(persona("lixiansheng"), activity_id=activity.pk)
    clock.set(activity.starts_at - datetime.timedelta(days=2))
    assert jobs.send_reminders() == 0
    clock.set(datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(18), activity.starts_at.tzinfo))
    code, out, _err = run_command("activity_reminders")
    assert code == 0 and "活动提醒 1 条" in out
    assert jobs.send_reminders() == 0  # claimed once
    assert list(Notification.objects.filter(title="活动提醒：健康义诊").values_list("user__username", flat=True)) == ["chen"]


def test_the_demo_health_check_is_open_to_wang_ayi(persona, world):
    found = [a.title for a in selectors.open_activities_for(persona("wangayi"))]
    assert "健康义诊·量血压测血糖" in found
    assert Activity.objects.filter(estate__name=YIWU).count() >= 1
    partnered = Activity.objects.filter(estate__name=PACIFIC, partners__isnull=False).distinct()
    assert partnered.count() >= 6  # the partner units' services brought into the estate (五进小区)
