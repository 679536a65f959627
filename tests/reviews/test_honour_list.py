"""红黑榜 with due process: recorded with evidence by a named role, the household told, objection up to and
including the window's last day, the branch's review, listed only after it for a set period and then off
the board by itself; published by building and entrance, never a name. Nothing is listed without review."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from gongzhi.core import clock as source
from gongzhi.core.errors import NotFound, PermissionDenied, WrongState
from gongzhi.core.models import Notification
from gongzhi.notices.models import Notice
from gongzhi.reviews import selectors, services
from gongzhi.reviews.choices import EntryStatus
from gongzhi.reviews.models import ListEntry
from tests.helpers import YIWU, estate, unit


def record(persona, who="shequ", code="5-1-302", kind="warning"):
    return services.entry_record(persona(who), unit_id=unit(YIWU, code).pk, kind=kind,
                                 article="第七条 不得高空抛物", evidence="2026年监控录像显示从该户窗口抛出杂物")


def at_noon(clock, day: datetime.date):
    clock.set(source.at(day, datetime.time(12)))


def notices_about(entry):
    return Notice.objects.filter(kind="honour_list", estate_id=entry.estate_id, published_at__gte=entry.recorded_at)


def test_the_household_is_told_and_the_role_named(persona, world, clock):
    entry = record(persona)
    assert entry.recorded_role == "community_staff" and entry.status == EntryStatus.NOTIFIED
    assert entry.objection_until == source.today() + datetime.timedelta(days=7)
    told = Notification.objects.get(user=persona("wangayi"), title__startswith="红黑榜告知")
    assert str(entry.objection_until) in told.body
    assert not notices_about(entry).exists()


@pytest.mark.parametrize("who, error", [("wangayi", PermissionDenied), ("zhangjingli", PermissionDenied),
                                        ("lijing", NotFound)])
def test_who_records(persona, world, clock, who, error):
    with pytest.raises(error):
        record(persona, who=who)
    assert not ListEntry.objects.filter(estate=estate(YIWU)).exists()


def test_objection_on_the_windows_last_day_and_not_after(persona, world, clock):
    first, second = record(persona), record(persona, kind="honour")
    clock.set(source.at(first.objection_until, datetime.time(23, 59)))
    objected = services.entry_object(persona("wangayi"), entry_id=first.pk, text="不是我家扔的")
    assert objected.status == EntryStatus.OBJECTED
    at_noon(clock, second.objection_until + datetime.timedelta(days=1))
    with pytest.raises(WrongState) as exc:
        services.entry_object(persona("wangayi"), entry_id=second.pk, text="晚了")
    assert exc.value.message == services.OBJECTION_CLOSED.format(day=second.objection_until)
    second.refresh_from_db()
    assert second.status == EntryStatus.NOTIFIED and second.objection == ""


def test_only_the_household_objects(persona, world, clock):
    entry = record(persona)
    with pytest.raises(NotFound):
        services.entry_object(persona("zuhu"), entry_id=entry.pk, text="我替他说")
    with pytest.raises(PermissionDenied):
        services.entry_object(persona("yanshuji"), entry_id=entry.pk, text="代提")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOTIFIED


def test_nothing_is_listed_before_the_window_ends_and_the_branch_reviews(persona, world, clock):
    entry = record(persona)
    yan = persona("yanshuji")
    at_noon(clock, entry.objection_until)  # the last day: still open
    with pytest.raises(WrongState) as exc:
        services.entry_review(yan, entry_id=entry.pk, upheld=True)
    assert exc.value.message == services.WINDOW_OPEN.format(day=entry.objection_until)
    assert selectors.board(fetched_by=yan, estate_id=entry.estate_id) == []
    assert not notices_about(entry).exists()
    at_noon(clock, entry.objection_until + datetime.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.entry_review(persona("shequ"), entry_id=entry.pk, upheld=True)  # records, does not review
    listed = services.entry_review(yan, entry_id=entry.pk, upheld=True)
    assert listed.status == EntryStatus.LISTED and listed.listed_from == source.today()
    notice = notices_about(entry).get()
    assert notice.title == "黑榜：5号楼1单元"
    text = notice.title + notice.body + str(notice.table)
    assert "302" not in text and persona("wangayi").first_name not in text
    board = selectors.board(fetched_by=persona("wangayi"), estate_id=entry.estate_id)
    assert [(e.pk, e.shown) for e in board] == [(entry.pk, "5号楼1单元")]


def test_an_objection_is_reviewed_with_reasons(persona, world, clock):
    entry = record(persona)
    services.entry_object(persona("wangayi"), entry_id=entry.pk, text="不是我家扔的")
    with pytest.raises(Exception):  # noqa: B017 — InvalidInput: reasons needed
        services.entry_review(persona("yanshuji"), entry_id=entry.pk, upheld=False, note="")
    dismissed = services.entry_review(persona("yanshuji"), entry_id=entry.pk, upheld=False, note="监控角度无法确认")
    assert dismissed.status == EntryStatus.DISMISSED and dismissed.listed_from is None
    assert not notices_about(entry).exists()
    with pytest.raises(WrongState):
        services.entry_review(persona("yanshuji"), entry_id=entry.pk, upheld=True, note="改判")
    assert Notification.objects.filter(user=persona("wangayi"), title="红黑榜审查结果：不上榜").exists()


def test_a_listing_leaves_the_board_by_itself_after_its_period(persona, world, clock, settings):
    settings.GONGZHI_LIST_DAYS = 30
    entry = record(persona, kind="honour")
    at_noon(clock, entry.objection_until + datetime.timedelta(days=1))
    entry = services.entry_review(persona("yanshuji"), entry_id=entry.pk, upheld=True)
    assert entry.listed_until == entry.listed_from + datetime.timedelta(days=29)
    at_noon(clock, entry.listed_until)
    assert len(selectors.board(fetched_by=persona("wangayi"), estate_id=entry.estate_id)) == 1
    assert services.entries_expire() == 0
    at_noon(clock, entry.listed_until + datetime.timedelta(days=1))
    assert selectors.board(fetched_by=persona("wangayi"), estate_id=entry.estate_id) == []
    assert services.entries_expire() == 1 and services.entries_expire() == 0
    entry.refresh_from_db()
    assert entry.status == EntryStatus.EXPIRED


def test_the_database_refuses_a_listing_without_review(persona, world, clock):
    entry = record(persona)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.LISTED, listed_from=source.today())
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NOTIFIED
    assert estate(YIWU).pk == entry.estate_id
