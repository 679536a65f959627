"""挂点结对 (五进小区): the community pairs a partner unit or department with an estate, with dates, duties,
the services it brings and its co-construction agreement; the services are scheduled as activities
naming the pairing (its kind, its dates, its estate checked); what was delivered and to how many comes
from their attendance; the permission grid, the pages and the API twins; the demo's 6 partner services."""

import datetime

import pytest

from gongzhi.bodies.models import CoConstructionAgreement, Organisation, OrgKind
from gongzhi.core import clock as source
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.notices.models import Notice
from gongzhi.services import selectors, services
from gongzhi.services.models import Pairing
from gongzhi.services.services import activities as act
from gongzhi.services.services import partners as pa
from tests.helpers import PACIFIC, YIWU, estate, race
from tests.services.helpers import at_ten, next_saturday, slot, zh

JSON = "application/json"


@pytest.fixture
def today(world, clock):
    return at_ten(clock)


def power():
    return Organisation.objects.get(name="国网文峰供电服务中心")


def pair(persona, who="yanshuji", estate_name=YIWU, **kw):
    args = {"estate_id": estate(estate_name).pk, "partner_id": power().pk, "starts_on": source.today(),
            "duties": "安全用电检查、便民维修", "services": ["repairs", "volunteering"]} | kw
    return services.pairing_create(persona(who), **args)


PAIR_GRID = {"yanshuji": None, "shequ": None, "zhaozhuren": NotFound, "chen": NotFound, "wangayi": PermissionDenied,
             "lijing": NotFound}


@pytest.mark.parametrize("who", list(PAIR_GRID))
def test_who_pairs_a_unit_with_an_estate(persona, today, who):
    if PAIR_GRID[who] is None:
        pairing = pair(persona, who)
        assert pairing.created_by.username == who and pairing.services == ["repairs", "volunteering"]
        assert Notice.objects.filter(title="挂点结对：国网文峰供电服务中心", estate__name=YIWU).exists()
    else:
        with pytest.raises(PAIR_GRID[who]):
            pair(persona, who)
        assert not Pairing.objects.filter(estate__name=YIWU).exists()


def test_bad_pairings_are_refused_and_nothing_is_written(persona, today):
    committee = Organisation.objects.filter(kind=OrgKind.OWNERS_COMMITTEE, estate__name=PACIFIC).first()
    other = CoConstructionAgreement.objects.exclude(partner=power()).first()
    cases = [({"services": []}, pa.SERVICES_REQUIRED), ({"services": ["karaoke"]}, pa.UNKNOWN_SERVICE),
             ({"duties": " "}, pa.DUTIES_REQUIRED), ({"partner_id": committee.pk}, pa.NOT_A_PARTNER),
             ({"ends_on": today - datetime.timedelta(days=1)}, pa.ENDS_BEFORE_START),
             ({"agreement_id": other.pk}, pa.AGREEMENT_ELSEWHERE)]
    for change, message in cases:
        with pytest.raises(InvalidInput, match=zh(message)):
            pair(persona, **change)
    assert not Pairing.objects.filter(estate__name=YIWU).exists()
    agreement = CoConstructionAgreement.objects.get(partner=power())
    first = pair(persona, agreement_id=agreement.pk, ends_on=today + datetime.timedelta(days=30))
    assert first.agreement == agreement
    with pytest.raises(WrongState, match="已与本小区挂点结对"):  # overlapping the first
        pair(persona, starts_on=today + datetime.timedelta(days=30))
    after = pair(persona, starts_on=today + datetime.timedelta(days=31))  # the day after the first ends
    assert Pairing.objects.filter(estate__name=YIWU).count() == 2 and after.ends_on is None


def test_services_scheduled_as_activities_and_what_they_delivered(persona, clock, today):
    pairing = pair(persona)
    day = next_saturday(today)
    base = {"estate_id": estate(YIWU).pk, "title": "安全用电进小区", "capacity": 10, "place": "中心广场"} | slot(
        day, "09:00", "10:30")
    with pytest.raises(InvalidInput, match="结对承诺的服务不含“健康义诊”"):
        services.activity_create(persona("yanshuji"), kind="health", pairing_id=pairing.pk, **base)
    pacific = Pairing.objects.filter(estate__name=PACIFIC).first()
    with pytest.raises(InvalidInput, match=zh(act.PAIRING_ELSEWHERE)):
        services.activity_create(persona("yanshuji"), kind="volunteering", pairing_id=pacific.pk, **base)
    services.pairing_end(persona("yanshuji"), pairing_id=pairing.pk, ends_on=day - datetime.timedelta(days=1))
    with pytest.raises(InvalidInput, match="挂点结对在活动当天不在有效期内"):
        services.activity_create(persona("yanshuji"), kind="repairs", pairing_id=pairing.pk, **base)
    services.pairing_end(persona("yanshuji"), pairing_id=pairing.pk, ends_on=day)
    activity = services.activity_create(persona("yanshuji"), kind="repairs", pairing_id=pairing.pk, **base)
    assert list(activity.partners.all()) == [power()]  # the unit is among the activity's partners
    for who in ("wangayi", "dangyuan", "zuhu"):
        services.activity_signup(persona(who), activity_id=activity.pk)
    clock.set(activity.starts_at)
    services.attendance_mark(persona("yanshuji"), activity_id=activity.pk,
                             user_ids=[persona("wangayi").pk, persona("dangyuan").pk])
    row = selectors.pairing_list(fetched_by=persona("yanshuji"), estate_id=estate(YIWU).pk).get(pk=pairing.pk)
    assert (row.delivered, row.reach) == (0, 0)  # not delivered until it is over
    clock.set(activity.ends_at)
    row = selectors.pairing_list(fetched_by=persona("yanshuji"), estate_id=estate(YIWU).pk).get(pk=pairing.pk)
    assert (row.delivered, row.reach) == (1, 2)
    assert [(a.title, a.attended) for a in selectors.pairing_services(pairing)] == [("安全用电进小区", 2)]


def test_ending_a_pairing(persona, today):
    pairing = pair(persona)
    with pytest.raises(PermissionDenied):
        services.pairing_end(persona("wangayi"), pairing_id=pairing.pk, ends_on=today)
    with pytest.raises(InvalidInput, match="结束日期不能早于结对开始日期"):
        services.pairing_end(persona("yanshuji"), pairing_id=pairing.pk, ends_on=today - datetime.timedelta(days=1))
    services.pairing_end(persona("yanshuji"), pairing_id=pairing.pk, ends_on=today - datetime.timedelta(days=0))
    assert Pairing.objects.get(pk=pairing.pk).ends_on == today


def test_the_demo_has_six_partner_services_in_pacific_garden(world):
    pairings = Pairing.objects.filter(estate__name=PACIFIC)
    assert pairings.count() == 6
    assert {p.partner.kind for p in pairings} == {OrgKind.PARTNER_UNIT, OrgKind.DEPARTMENT}
    assert pairings.filter(agreement__isnull=False).exists()
    assert pairings.filter(activities__isnull=False).distinct().count() >= 4


# --- pages and API ------------------------------------------------------------------------------------
PAGE_GRID = {"yanshuji": (200, True), "chen": (200, False), "liukezhang": (200, False), "wangayi": (404, False),
             "lijing": (404, False)}


@pytest.mark.parametrize("who", list(PAGE_GRID))
def test_the_partners_page_offers_pairing_only_to_the_community(login, world, who):
    status, pairs = PAGE_GRID[who]
    pacific = estate(PACIFIC).pk
    response = login(who).get(f"/estates/{pacific}/partners/")
    assert response.status_code == status
    html = response.content.decode()
    assert ('data-api="pairing_create"' in html) == pairs
    assert ("太平洋花园社区卫生服务站" in html) == (status == 200)
    pairing = Pairing.objects.filter(estate__name=PACIFIC).first()
    detail = login(who).get(f"/pairings/{pairing.pk}/")
    assert detail.status_code == status
    assert ('data-api="pairing_end"' in detail.content.decode()) == pairs
    posted = login(who).post(f"/pairings/{pairing.pk}/", {"action": "end", "ends_on": "2020-01-01"})
    assert posted.status_code == (200 if pairs else status if status == 404 else 403)
    assert Pairing.objects.get(pk=pairing.pk).ends_on is None  # the bad date changed nothing


def test_pairing_on_the_page(login, today):
    yiwu = estate(YIWU).pk
    form = {"action": "pair", "pair-partner": power().pk, "pair-starts_on": today.isoformat(),
            "pair-duties": "便民维修", "pair-services": ["repairs"]}
    response = login("yanshuji").post(f"/estates/{yiwu}/partners/", form)
    pairing = Pairing.objects.get(estate_id=yiwu)
    assert response.status_code == 302 and pairing.services == ["repairs"]
    assert "便民维修" in login("wangayi").get(f"/pairings/{pairing.pk}/").content.decode()


def test_pairing_by_api(login, today):
    body = {"estate_id": estate(YIWU).pk, "partner_id": power().pk, "starts_on": today.isoformat(),
            "duties": "便民维修", "services": ["repairs"]}
    assert login("wangayi").post("/api/v1/pairings", body, content_type=JSON).status_code == 403
    assert login("lijing").post("/api/v1/pairings", body, content_type=JSON).status_code == 404
    bad = login("yanshuji").post("/api/v1/pairings", body | {"services": ["karaoke"]}, content_type=JSON)
    assert bad.status_code in (400, 422) and not Pairing.objects.filter(estate__name=YIWU).exists()
    made = login("yanshuji").post("/api/v1/pairings", body, content_type=JSON)
    assert made.status_code == 201 and made.json()["partner"] == "国网文峰供电服务中心"
    pk = made.json()["id"]
    assert login("wangayi").get(f"/api/v1/pairings/{pk}").json()["services"] == ["repairs"]
    assert login("lijing").get(f"/api/v1/pairings/{pk}").status_code == 404
    assert login("wangayi").get(f"/api/v1/pairings/{pk}/services").json() == []
    again = login("yanshuji").post("/api/v1/pairings", body, content_type=JSON)
    assert again.status_code == 409 and "已与本小区挂点结对" in again.json()["detail"]
    ended = login("yanshuji").post(f"/api/v1/pairings/{pk}/end", {"ends_on": today.isoformat()}, content_type=JSON)
    assert ended.status_code == 200 and ended.json()["ends_on"] == today.isoformat()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_pairing_the_same_unit_at_once_one_wins(world, persona, clock):
    at_ten(clock)
    results = race([lambda: pair(persona, "yanshuji"), lambda: pair(persona, "shequ")])
    won = [r for r in results if isinstance(r, Pairing)]
    lost = [r for r in results if isinstance(r, WrongState)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Pairing.objects.filter(estate__name=YIWU).count() == 1
