"""Ownership transfers keep history, and "who owns the unit on a day" has one answer for every day,
the transfer day included (the new owner). Permission grid, 409 on ending twice, bad dates."""

import datetime

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.people import services
from gongzhi.people.models import Ownership, Person
from gongzhi.people.selectors import owners_on
from tests.helpers import PACIFIC, YIWU, unit

DAY = datetime.timedelta(days=1)


@pytest.fixture
def flat():
    return unit(YIWU, "1-1-102")


def test_transfer_ends_the_old_title_the_day_before_and_keeps_it(persona, clock, flat):
    staff = persona("shequ")
    old = flat.ownerships.get(until__isnull=True)
    on = clock.today - 10 * DAY
    new = services.ownership_transfer(staff, unit_id=flat.pk, on=on, name="钱新业主", phone="13800000000")
    old.refresh_from_db()
    assert old.until == on - DAY and new.since == on and new.until is None
    assert Ownership.objects.filter(unit=flat).count() == 2  # history kept
    assert [t.person_id for t in owners_on(fetched_by=staff, unit_id=flat.pk, day=on - DAY)] == [old.person_id]
    assert [t.person_id for t in owners_on(fetched_by=staff, unit_id=flat.pk, day=on)] == [new.person_id]
    assert [t.person_id for t in Ownership.objects.filter(unit=flat).on(on + DAY)] == [new.person_id]
    entry = AuditEntry.objects.filter(action="ownership.transfer").latest("pk")
    assert entry.before["owners"][0]["person_id"] == old.person_id and entry.estate_id == flat.estate_id


def test_co_owners_all_end_on_transfer(persona, clock, flat):
    staff = persona("shequ")
    co = services.ownership_start(staff, unit_id=flat.pk, since=clock.today - 30 * DAY, name="共有人")
    assert flat.ownerships.filter(until__isnull=True).count() == 2
    new = services.ownership_transfer(staff, unit_id=flat.pk, on=clock.today, name="买家")
    co.refresh_from_db()
    assert co.until == clock.today - DAY
    assert list(flat.ownerships.filter(until__isnull=True)) == [new]


@pytest.mark.parametrize("days_back", [0, 1])
def test_transfer_day_edge(persona, clock, flat, days_back):
    """On the transfer day itself the new owner owns; the day before the old one does."""
    on = clock.today - days_back * DAY
    before = flat.ownerships.get(until__isnull=True).person_id
    new = services.ownership_transfer(persona("guanliyuan"), unit_id=flat.pk, on=on, name="当日新业主")
    assert [t.person_id for t in Ownership.objects.filter(unit=flat).on(on)] == [new.person_id]
    assert [t.person_id for t in Ownership.objects.filter(unit=flat).on(on - DAY)] == [before]


def test_transfer_not_before_the_current_title(persona, clock, flat):
    staff = persona("shequ")
    on = clock.today - 5 * DAY
    services.ownership_transfer(staff, unit_id=flat.pk, on=on, name="甲")
    for day in (on, on - DAY):  # backwards: the new title began on `on`
        with pytest.raises(InvalidInput) as exc:
            services.ownership_transfer(staff, unit_id=flat.pk, on=day, name="乙")
        assert exc.value.field == "on"
    assert not Person.objects.filter(name="乙").exists()


def test_future_date_refused(persona, clock, flat):
    with pytest.raises(InvalidInput) as exc:
        services.ownership_transfer(persona("shequ"), unit_id=flat.pk, on=clock.today + DAY, name="未来")
    assert exc.value.message == services.OWNERSHIP_FUTURE.format(today=clock.today)
    assert flat.ownerships.filter(until__isnull=True).count() == 1


def test_end_twice_is_409_and_backwards_refused(persona, clock, flat):
    staff = persona("shequ")
    co = services.ownership_start(staff, unit_id=flat.pk, since=clock.today - 10 * DAY, name="短期共有人")
    with pytest.raises(InvalidInput) as exc:
        services.ownership_end(staff, ownership_id=co.pk, until=clock.today - 11 * DAY)
    assert exc.value.message == services.OWNERSHIP_BACKWARDS.format(since=co.since)
    services.ownership_end(staff, ownership_id=co.pk, until=clock.today - 2 * DAY)
    with pytest.raises(WrongState) as exc:
        services.ownership_end(staff, ownership_id=co.pk, until=clock.today)
    assert exc.value.message == services.OWNERSHIP_ENDED.format(until=clock.today - 2 * DAY)


def test_overlapping_title_of_the_same_person_refused(persona, clock, flat):
    owner = flat.ownerships.get(until__isnull=True).person
    with pytest.raises(InvalidInput) as exc:
        services.ownership_start(persona("shequ"), unit_id=flat.pk, since=clock.today, person_id=owner.pk)
    assert exc.value.message.startswith(services.OWNERSHIP_OVERLAP.split("（")[0].format(name=owner.name, since=clock.today))


def test_transfer_to_the_sole_owner_refused(persona, clock, flat):
    owner = flat.ownerships.get(until__isnull=True).person
    with pytest.raises(InvalidInput) as exc:
        services.ownership_transfer(persona("shequ"), unit_id=flat.pk, on=clock.today, person_id=owner.pk)
    assert exc.value.message == services.TRANSFER_TO_SELF.format(name=owner.name)


@pytest.mark.parametrize("kwargs, message", [
    ({}, services.TRANSFER_NO_OWNER),
    ({"name": "  "}, services.TRANSFER_NO_OWNER),
    ({"name": "名" * 101}, services.PERSON_NAME_TOO_LONG.format(n=100)),
    ({"name": "坏\x1b名"}, "文字中含有不可见的控制字符 / the text contains control characters"),
    ({"name": "张三", "phone": "1380000000a"}, services.PHONE_BAD),
    ({"name": "张三", "person_id": 1}, services.TRANSFER_ONE_OWNER),
])
def test_transfer_bad_new_owner(persona, clock, flat, kwargs, message):
    count = Ownership.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.ownership_transfer(persona("shequ"), unit_id=flat.pk, on=clock.today, **kwargs)
    assert exc.value.message == message
    assert Ownership.objects.count() == count and flat.ownerships.get(until__isnull=True).until is None


def test_new_owner_must_be_someone_the_keeper_sees(persona, clock, flat):
    outsider = unit("安和苑1号院", "1-1-101").ownerships.get().person
    with pytest.raises(NotFound):
        services.ownership_transfer(persona("shequ"), unit_id=flat.pk, on=clock.today, person_id=outsider.pk)


# persona × operation → status (API). shequ is 明福社区's staff; wuganbu, a subdistrict officer, does not
# keep the ledger; lijing keeps another community's.
GRID = {
    ("wangayi", YIWU): 403, ("lijing", YIWU): 404, ("wuganbu", YIWU): 403, ("guanliyuan", YIWU): 201,
    ("shequ", YIWU): 201, ("yanshuji", YIWU): 201, ("wangayi", PACIFIC): 404, ("lijing", PACIFIC): 404,
}


@pytest.mark.parametrize("who, estate_name", list(GRID))
def test_transfer_permission_grid(login, clock, who, estate_name):
    target = unit(estate_name, "1-1-103")
    response = login(who).post(f"/api/v1/people/units/{target.pk}/transfer",
                               {"on": clock.today.isoformat(), "name": "网格新业主"}, content_type="application/json")
    assert response.status_code == GRID[(who, estate_name)]
    assert Person.objects.filter(name="网格新业主").exists() == (response.status_code == 201)


def test_api_history_owners_on_and_end(login, clock, flat):
    client = login("shequ")
    on = clock.today - 3 * DAY
    made = client.post(f"/api/v1/people/units/{flat.pk}/transfer", {"on": on.isoformat(), "name": "接口业主"},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["since"] == on.isoformat()
    history = client.get(f"/api/v1/people/units/{flat.pk}/ownerships").json()
    assert history["count"] == 2 and history["items"][0]["name"] == "接口业主"
    then = client.get(f"/api/v1/people/units/{flat.pk}/owners?on={(on - DAY).isoformat()}").json()["items"]
    assert [o["until"] for o in then] == [(on - DAY).isoformat()]
    ended = client.post(f"/api/v1/people/ownerships/{history['items'][1]['id']}/end",
                        {"until": clock.today.isoformat()}, content_type="application/json")
    assert ended.status_code == 409


@pytest.mark.parametrize("body", [
    {"on": "2026-02-30", "name": "x"}, {"on": "20260101", "name": "x"}, {"on": 1700000000, "name": "x"},
    {"on": "2026-01-01", "name": "x", "owner": True}, {"on": "2026-01-01", "name": "x\x00"},
    {"on": "2026-01-01", "name": "x" * 101}, {"on": "2026-01-01", "person_id": "5"},
])
def test_transfer_api_bad_input_is_422(login, flat, body):
    response = login("shequ").post(f"/api/v1/people/units/{flat.pk}/transfer", body,
                                   content_type="application/json")
    assert response.status_code == 422
    assert flat.ownerships.count() == 1


def test_unknown_unit_and_ownership_are_404(login, clock):
    client = login("shequ")
    assert client.post("/api/v1/people/units/999999999/transfer", {"on": clock.today.isoformat(), "name": "x"},
                       content_type="application/json").status_code == 404
    assert client.post("/api/v1/people/ownerships/999999999/end", {"until": clock.today.isoformat()},
                       content_type="application/json").status_code == 404


def test_service_refuses_other_estate_like_missing(persona, clock):
    with pytest.raises(NotFound):
        services.ownership_transfer(persona("lijing"), unit_id=unit(YIWU, "1-1-104").pk, on=clock.today, name="x")
    with pytest.raises(PermissionDenied):
        services.ownership_transfer(persona("wangayi"), unit_id=unit(YIWU, "1-1-104").pk, on=clock.today, name="x")


# --- the page -------------------------------------------------------------------------------------
def test_ownership_page_transfer_and_history(login, clock, flat):
    client = login("shequ")
    page = client.get(f"/units/{flat.pk}/ownership/")
    assert page.status_code == 200 and b'data-api="ownership_transfer"' in page.content
    on = clock.today - 2 * DAY
    done = client.post(f"/units/{flat.pk}/ownership/", {"action": "transfer", "t-on": on.isoformat(),
                                                         "t-name": "页面新业主"})
    assert done.status_code == 302
    page = client.get(f"/units/{flat.pk}/ownership/?on={(on - DAY).isoformat()}").content.decode()
    old = flat.ownerships.filter(until__isnull=False).get().person.name
    assert "页面新业主" in page and old in page.split('data-testid="owners-on"')[1].split("</ul>")[0]


def test_ownership_page_for_a_resident_has_no_forms(login):
    client = login("wangayi")
    own = unit(YIWU, "5-1-302")
    page = client.get(f"/units/{own.pk}/ownership/")
    assert page.status_code == 200 and b"ownership_transfer" not in page.content
    assert client.post(f"/units/{own.pk}/ownership/", {"action": "transfer"}).status_code == 403
    assert client.get(f"/units/{unit(YIWU, '1-1-102').pk}/ownership/").status_code == 404
