"""The pages and their API twins: each shows only the actions its user may take, and the wrong role or
the wrong estate gets 403/404, never data."""

import re

import pytest

from gongzhi.services import services
from gongzhi.services.models import Booking, Signup
from tests.helpers import PACIFIC, estate
from tests.services.helpers import at_ten, next_saturday, slot, space

JSON = "application/json"


@pytest.fixture
def saturday(world, clock):
    return next_saturday(at_ten(clock))


def iso(day, hhmm):
    return slot(day, hhmm, "23:59")["starts_at"].isoformat()


# --- a space's week -----------------------------------------------------------------------------------
SPACE_PAGE = {"lixiansheng": (200, True, False), "chen": (200, True, False), "weiyuan": (200, True, True),
              "liukezhang": (200, False, False), "wangayi": (404, False, False), "lijing": (404, False, False)}


@pytest.mark.parametrize("who", list(SPACE_PAGE))
def test_the_space_page_offers_booking_and_approval_only_to_those_who_may(login, persona, saturday, who):
    status, books, approves = SPACE_PAGE[who]
    response = login(who).get(f"/spaces/{space().pk}/")
    assert response.status_code == status
    html = response.content.decode()
    assert ('data-api="booking_create"' in html) == books
    assert "红色议事厅" in html if status == 200 else "红色议事厅" not in html
    services.booking_create(persona("lixiansheng"), space_id=space().pk, purpose="楼栋议事",
                            **slot(saturday, "09:00", "11:00"))
    week = login(who).get(f"/spaces/{space().pk}/?week={saturday.isoformat()}").content.decode()
    assert ('data-api="booking_decide"' in week) == approves
    assert ("楼栋议事" in week) == (who in ("lixiansheng", "weiyuan"))  # why, only for the booker and approvers


def test_booking_on_the_page_then_the_second_resident_is_told_it_is_taken(login, saturday):
    form = {"action": "book", "day": saturday.isoformat(), "start": "09:00", "end": "11:00", "purpose": "读书分享"}
    response = login("lixiansheng").post(f"/spaces/{space().pk}/", form, follow=True)
    assert "预约成功" in response.content.decode()
    response = login("chen").post(f"/spaces/{space().pk}/", form | {"start": "10:00"}, follow=True)
    html = response.content.decode()
    assert "已被预约，请选择其他时间" in html and Booking.objects.filter(purpose="读书分享").count() == 1


@pytest.mark.parametrize("who, status", [("liukezhang", 403), ("wangayi", 404), ("lijing", 404)])
def test_booking_posted_by_the_wrong_role_or_estate(login, saturday, who, status):
    form = {"action": "book", "day": saturday.isoformat(), "start": "09:00", "end": "11:00", "purpose": "x"}
    assert login(who).post(f"/spaces/{space().pk}/", form).status_code == status
    assert not Booking.objects.filter(purpose="x").exists()


# --- the API twins ------------------------------------------------------------------------------------
def test_booking_by_api_with_its_answers(login, saturday):
    url = f"/api/v1/spaces/{space().pk}/bookings"
    body = {"starts_at": iso(saturday, "09:00"), "ends_at": slot(saturday, "09:00", "11:00")["ends_at"].isoformat(),
            "purpose": "议事"}
    first = login("lixiansheng").post(url, body, content_type=JSON)
    assert first.status_code == 201 and first.json()["status"] == "pending"
    second = login("chen").post(url, body, content_type=JSON)
    assert second.status_code == 409 and "已被预约" in second.json()["detail"]
    assert login("liukezhang").post(url, body, content_type=JSON).status_code == 403
    assert login("wangayi").post(url, body, content_type=JSON).status_code == 404
    late = body | {"ends_at": slot(saturday, "09:00", "21:30")["ends_at"].isoformat()}
    assert login("chen").post(url, late, content_type=JSON).status_code == 400
    week = login("chen").get(f"{url}?start={saturday.isoformat()}").json()
    assert [(b["purpose"], b["mine"]) for b in week] == [(None, False)]
    week = login("lixiansheng").get(f"{url}?start={saturday.isoformat()}").json()
    assert [(b["purpose"], b["mine"]) for b in week] == [("议事", True)]
    decided = login("zhaozhuren").post(f"/api/v1/bookings/{first.json()['id']}/decide", {"approve": True},
                                       content_type=JSON)
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    assert login("chen").post(f"/api/v1/bookings/{first.json()['id']}/cancel").status_code == 403
    assert login("lixiansheng").post(f"/api/v1/bookings/{first.json()['id']}/cancel").status_code == 200


def test_activity_by_api_sign_up_check_in(login, clock, saturday):
    body = {"estate_id": estate(PACIFIC).pk, "title": "反诈宣传", "kind": "anti_fraud", "capacity": 1,
            "place": "中心广场", "starts_at": iso(saturday, "09:00"),
            "ends_at": slot(saturday, "09:00", "11:00")["ends_at"].isoformat()}
    assert login("lixiansheng").post("/api/v1/activities", body, content_type=JSON).status_code == 403
    created = login("yanshuji").post("/api/v1/activities", body, content_type=JSON)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert login("chen").post(f"/api/v1/activities/{pk}/signup").json()["status"] == "confirmed"
    waiting = login("lixiansheng").post(f"/api/v1/activities/{pk}/signup").json()
    assert waiting["status"] == "waiting" and waiting["waiting_position"] == 1
    assert login("wangayi").post(f"/api/v1/activities/{pk}/signup").status_code == 404
    assert login("chen").get(f"/api/v1/activities/{pk}/checkin-code").status_code == 403
    clock.set(slot(saturday, "09:00", "11:00")["starts_at"])
    code = login("yanshuji").get(f"/api/v1/activities/{pk}/checkin-code").json()["code"]
    done = login("chen").post(f"/api/v1/activities/{pk}/checkin", {"code": code}, content_type=JSON)
    assert done.status_code == 200 and done.json()["checked_in_at"]
    assert login("chen").post(f"/api/v1/activities/{pk}/checkin", {"code": "x"}, content_type=JSON).status_code == 400
    assert login("yanshuji").get(f"/api/v1/activities/{pk}").json()["attended"] == 1


# --- an activity's page -------------------------------------------------------------------------------
def test_the_organiser_sees_the_qr_and_the_roster_a_resident_neither(login, persona, clock, saturday):
    activity = services.activity_create(persona("yanshuji"), estate_id=estate(PACIFIC).pk, title="健康义诊",
                                        kind="health", capacity=5, place="中心广场", **slot(saturday, "09:00", "11:00"))
    services.activity_signup(persona("chen"), activity_id=activity.pk)
    clock.set(activity.starts_at)
    organiser = login("yanshuji").get(f"/activities/{activity.pk}/").content.decode()
    assert 'data-testid="show-qr"' in organiser and 'data-api="attendance_mark"' in organiser
    resident = login("lixiansheng").get(f"/activities/{activity.pk}/").content.decode()
    assert 'data-testid="show-qr"' not in resident and "roster" not in resident
    assert login("lixiansheng").get(f"/activities/{activity.pk}/qr/").status_code == 403
    assert login("wangayi").get(f"/activities/{activity.pk}/").status_code == 404
    qr = login("yanshuji").get(f"/activities/{activity.pk}/qr/").content.decode()
    assert 'src="data:image/svg+xml' in qr
    link = re.search(r'href="(http://testserver/activities/\d+/checkin/\?code=[^"]+)"', qr).group(1)
    path = link.removeprefix("http://testserver").replace("&amp;", "&")
    page = login("chen").get(path).content.decode()
    code = re.search(r'name="code" value="([^"]+)"', page).group(1)
    login("chen").post(path.split("?")[0], {"code": code})
    assert Signup.objects.get(activity=activity, user__username="chen").checked_in_at == clock.now
    ticked = login("liukezhang").post(f"/activities/{activity.pk}/", {"action": "tick", "user": [persona("chen").pk]})
    assert ticked.status_code == 403


@pytest.mark.parametrize("who", ["wangayi", "lixiansheng", "yanshuji", "liukezhang", "zhoushenji", "guanliyuan"])
def test_the_hub_and_volunteering_pages_open_for_everyone(login, world, who):
    assert login(who).get("/community-life/").status_code == 200
    assert login(who).get("/volunteering/").status_code == 200
    assert login(who).get("/activities/").status_code == 200


def test_estate_pages_for_the_wrong_estate_are_not_found(login, world):
    pacific = estate(PACIFIC).pk
    for url in (f"/estates/{pacific}/spaces/", f"/estates/{pacific}/activities/"):
        assert login("wangayi").get(url).status_code == 404
        assert login("lixiansheng").get(url).status_code == 200
    assert login("lixiansheng").post(f"/estates/{pacific}/spaces/", {"action": "space"}).status_code == 403
    assert login("lixiansheng").post(f"/estates/{pacific}/activities/", {"action": "activity"}).status_code == 403
    assert 'data-api="space_create"' in login("zhaozhuren").get(f"/estates/{pacific}/spaces/").content.decode()


def test_an_activity_with_a_partner_unit_published_on_the_page(login, saturday):
    from gongzhi.bodies.models import Organisation
    from gongzhi.services.models import Activity

    partner = Organisation.objects.get(name="国网文峰供电服务中心")
    pacific = estate(PACIFIC).pk
    page = login("yanshuji").get(f"/estates/{pacific}/activities/").content.decode()
    assert "国网文峰供电服务中心" in page and 'data-api="activity_create"' in page
    form = {"action": "activity", "act-title": "安全用电进小区", "act-kind": "legal", "act-capacity": "30",
            "act-starts_at": f"{saturday}T09:00", "act-ends_at": f"{saturday}T10:30", "act-place": "中心广场",
            "act-partners": [partner.pk]}
    response = login("yanshuji").post(f"/estates/{pacific}/activities/", form)
    activity = Activity.objects.get(title="安全用电进小区")
    assert response.status_code == 302 and list(activity.partners.all()) == [partner]
    assert "国网文峰供电服务中心" in login("lixiansheng").get(f"/activities/{activity.pk}/").content.decode()


def test_the_back_office_lists_only_the_administrators_estates(persona):
    """The read-only admin lists of community life are scoped like every other back-office list: the
    committee chair of 太平洋花园 sees its spaces and bookings, another community's secretary none of them."""
    from django.contrib import admin
    from django.test import RequestFactory

    from gongzhi.core.scoping import scope_for
    from gongzhi.services.models import Booking, Space

    def listed(username, model):
        request = RequestFactory().get("/admin/")
        request.user = persona(username)
        return admin.site._registry[model].get_queryset(request), scope_for(request.user).estate_ids()

    spaces, mine = listed("zhaozhuren", Space)
    assert spaces.exists() and set(spaces.values_list("estate_id", flat=True)) <= mine
    elsewhere, theirs = listed("lijing", Space)
    assert not set(Space.objects.values_list("estate_id", flat=True)) <= theirs, "the demo's spaces are not hers"
    assert set(elsewhere.values_list("estate_id", flat=True)) <= theirs
    bookings, theirs = listed("lijing", Booking)
    assert set(bookings.values_list("space__estate_id", flat=True)) <= theirs
    assert Booking.objects.exists()
