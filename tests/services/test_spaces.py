"""Spaces and booking: who registers a space, who books; overlapping bookings impossible (the service's
locked check everywhere, the exclusion constraint on PostgreSQL, two residents racing for one slot);
opening hours, the past, the longest booking at their edges; approval; cancellation; the week's page and
its API twin with the permission grid."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core.audit import AuditEntry
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.services import services
from gongzhi.services.choices import BookingStatus
from gongzhi.services.models import Booking, Space
from gongzhi.services.services import spaces as sp
from tests.helpers import PACIFIC, estate, race
from tests.services.helpers import at_ten, next_saturday, slot, space, zh


@pytest.fixture
def saturday(world, clock):
    return next_saturday(at_ten(clock))


def book(persona, who, day, start="09:00", end="11:00", name="红色议事厅", purpose="楼栋议事"):
    return services.booking_create(persona(who), space_id=space(name).pk, purpose=purpose, **slot(day, start, end))


# --- registering a space ------------------------------------------------------------------------------
SPACE_GRID = {"zhaozhuren": None, "yanshuji": None, "wangjingli": None, "lixiansheng": PermissionDenied,
              "weiyuan": PermissionDenied, "wangayi": NotFound, "lijing": NotFound}


@pytest.mark.parametrize("who", list(SPACE_GRID))
def test_who_registers_a_space(persona, who):
    call = lambda: services.space_create(persona(who), estate_id=estate(PACIFIC).pk, name="乒乓球室", capacity=8,  # noqa: E731
                                         opens=datetime.time(8), closes=datetime.time(20))
    if SPACE_GRID[who] is None:
        assert call().name == "乒乓球室"
        assert AuditEntry.objects.filter(action="space.create", subject_repr="乒乓球室").exists()
    else:
        with pytest.raises(SPACE_GRID[who]):
            call()
        assert not Space.objects.filter(name="乒乓球室").exists()


def test_a_space_closes_after_it_opens_and_its_name_is_unique(persona):
    zhao = persona("zhaozhuren")
    with pytest.raises(InvalidInput, match=zh(sp.HOURS_ORDER)):
        services.space_create(zhao, estate_id=estate(PACIFIC).pk, name="乒乓球室", capacity=8,
                              opens=datetime.time(20), closes=datetime.time(20))
    with pytest.raises(WrongState, match="已有名为“阅读角”"):
        services.space_create(zhao, estate_id=estate(PACIFIC).pk, name="阅读角", capacity=8,
                              opens=datetime.time(8), closes=datetime.time(20))


# --- booking ------------------------------------------------------------------------------------------
def test_the_second_resident_is_told_the_slot_is_taken_and_nothing_is_written(persona, saturday):
    first = book(persona, "lixiansheng", saturday)
    assert first.status == BookingStatus.PENDING  # 红色议事厅 needs the committee's approval, and holds the slot
    count = Booking.objects.count()
    with pytest.raises(WrongState) as refused:
        book(persona, "chen", saturday, "10:00", "12:00")
    assert refused.value.message.startswith("“红色议事厅”") and "09:00–11:00 已被预约" in refused.value.message
    assert Booking.objects.count() == count
    # touching is not overlapping: 11:00 to 12:00 is free
    assert book(persona, "chen", saturday, "11:00", "12:00").status == BookingStatus.PENDING


@pytest.mark.parametrize("start, end, ok", [
    ("07:59", "09:00", False), ("08:00", "12:00", True), ("08:00", "12:01", False),
    ("17:00", "21:00", True), ("17:00", "21:01", False),
])
def test_opening_hours_and_the_longest_booking_at_their_edges(persona, saturday, start, end, ok):
    """红色议事厅: open 08:00–21:00, at most 4 hours at a time."""
    if ok:
        assert book(persona, "lixiansheng", saturday, start, end).pk
    else:
        with pytest.raises(InvalidInput):
            book(persona, "lixiansheng", saturday, start, end)


def test_a_booking_cannot_start_in_the_past_nor_end_before_it_starts(persona, clock):
    today = at_ten(clock)
    with pytest.raises(InvalidInput, match=zh(sp.IN_THE_PAST)):
        book(persona, "lixiansheng", today, "09:59", "10:30", name="阅读角")
    with pytest.raises(InvalidInput, match=zh(sp.ENDS_BEFORE_START)):
        book(persona, "lixiansheng", today, "12:00", "11:00", name="阅读角")
    assert book(persona, "lixiansheng", today, "10:00", "10:30", name="阅读角").status == BookingStatus.CONFIRMED
    with pytest.raises(InvalidInput, match="最多可提前 90 天"):
        book(persona, "lixiansheng", today + datetime.timedelta(days=91), name="阅读角")


BOOK_GRID = {"lixiansheng": None, "chen": None, "weiyuan": None, "wangjingli": None, "yanshuji": None,
             "liukezhang": PermissionDenied, "zhoushenji": PermissionDenied, "wangayi": NotFound,
             "zuhu": NotFound, "lijing": NotFound}


@pytest.mark.parametrize("who", list(BOOK_GRID))
def test_who_may_book(persona, saturday, who):
    """The estate's residents and staff book; departments and auditors see places only; other estates see nothing."""
    if BOOK_GRID[who] is None:
        assert book(persona, who, saturday, name="阅读角").booked_by.username == who
    else:
        with pytest.raises(BOOK_GRID[who]):
            book(persona, who, saturday, name="阅读角")


def test_approval_by_the_spaces_approver_only(persona, saturday):
    booking = book(persona, "lixiansheng", saturday)
    for who in ("lixiansheng", "wangjingli", "yanshuji"):  # 红色议事厅 is approved by the committee
        with pytest.raises(PermissionDenied):
            services.booking_decide(persona(who), booking_id=booking.pk, approve=True)
    decided = services.booking_decide(persona("weiyuan"), booking_id=booking.pk, approve=True)
    assert decided.status == BookingStatus.CONFIRMED and decided.decided_by.username == "weiyuan"
    with pytest.raises(WrongState, match=zh(sp.NOT_PENDING)):
        services.booking_decide(persona("zhaozhuren"), booking_id=booking.pk, approve=False)
    from gongzhi.core.models import Notification

    assert Notification.objects.filter(user__username="lixiansheng", title__contains="已预约").exists()


def test_a_refused_or_cancelled_booking_frees_its_slot(persona, saturday):
    first = book(persona, "lixiansheng", saturday)
    services.booking_decide(persona("zhaozhuren"), booking_id=first.pk, approve=False)
    second = book(persona, "chen", saturday)
    with pytest.raises(PermissionDenied, match=zh(sp.CANCEL_ONLY_OWN)):
        services.booking_cancel(persona("lixiansheng"), booking_id=second.pk)
    assert services.booking_cancel(persona("chen"), booking_id=second.pk).status == BookingStatus.CANCELLED
    with pytest.raises(WrongState, match=zh(sp.NOT_HOLDING)):
        services.booking_cancel(persona("chen"), booking_id=second.pk)
    assert book(persona, "weiyuan", saturday).pk
    assert AuditEntry.objects.filter(action="booking.cancel", subject_id=str(second.pk)).count() == 1


def test_a_booking_that_is_over_cannot_be_cancelled(persona, clock, saturday):
    booking = book(persona, "lixiansheng", saturday, name="阅读角")
    clock.set(booking.ends_at)
    with pytest.raises(WrongState, match=zh(sp.ALREADY_OVER)):
        services.booking_cancel(persona("lixiansheng"), booking_id=booking.pk)


# --- the database's own guard and the race (PostgreSQL) -----------------------------------------------
@pytest.mark.postgres
def test_the_exclusion_constraint_refuses_an_overlap_written_past_the_service(persona, saturday):
    first = book(persona, "lixiansheng", saturday)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(estate=first.estate, space=first.space, booked_by=first.booked_by, purpose="x",
                               starts_at=first.starts_at + datetime.timedelta(minutes=30), ends_at=first.ends_at,
                               status=BookingStatus.CONFIRMED, created_at=first.created_at)
    # a cancelled booking holds nothing
    Booking.objects.create(estate=first.estate, space=first.space, booked_by=first.booked_by, purpose="x",
                           starts_at=first.starts_at, ends_at=first.ends_at, status=BookingStatus.CANCELLED,
                           created_at=first.created_at)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_residents_booking_the_last_slot_at_once_one_wins(world, persona, clock):
    saturday = next_saturday(at_ten(clock))
    for round_ in range(5):
        start = f"{8 + 2 * round_:02d}:00"
        end = f"{9 + 2 * round_:02d}:00"
        results = race([lambda s=start, e=end: book(persona, "lixiansheng", saturday, s, e),
                        lambda s=start, e=end: book(persona, "chen", saturday, s, e)])
        won = [r for r in results if isinstance(r, Booking)]
        lost = [r for r in results if isinstance(r, WrongState)]
        assert len(won) == 1 and len(lost) == 1, results
        assert "已被预约" in lost[0].message
        assert Booking.objects.filter(space=space(), starts_at=won[0].starts_at).count() == 1
