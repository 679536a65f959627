"""The cheap ways of reading a scope give the same answers as the plain ones (issue 24): people gathered
for a narrow scope or checked row by row for a wide one; a page of requests merged from the user's
index walks; a total counted, or estimated and marked so."""

import pytest
from django.db import connection

from gongzhi.core import paging, scoping
from gongzhi.core.scoping import Scope
from gongzhi.demo import PERSONA_USERNAMES
from gongzhi.requests.selectors import requests_filtered, requests_listed


def _person_ids(user) -> set[int]:
    return set(Scope(user).persons().values_list("pk", flat=True))


@pytest.mark.parametrize("username", PERSONA_USERNAMES)
def test_a_wide_scope_sees_the_same_people_as_a_narrow_one(persona, username, monkeypatch):
    user = persona(username)
    narrow = _person_ids(user)
    monkeypatch.setattr(scoping, "WIDE_HOUSEHOLDS", -1)  # every staff scope is wide now
    assert _person_ids(user) == narrow
    some = sorted(narrow)[:5]
    assert set(Scope(user).persons_among([*some, 10**9]).values_list("pk", flat=True)) == set(some)


def test_an_estates_people_are_the_owners_the_user_may_see(persona):
    from gongzhi.people.selectors import person_list
    from gongzhi.places.models import Estate

    pacific = Estate.objects.get(name="太平洋花园")
    head = persona("chen")  # a building head: only his building's owners, and himself if he owns there
    listed = set(person_list(fetched_by=head, estate_id=pacific.pk).values_list("pk", flat=True))
    seen = _person_ids(head)
    owners = set(pacific.units.filter(ownerships__until__isnull=True).values_list("ownerships__person_id", flat=True))
    assert listed == seen & owners
    assert 0 < len(listed) < len(owners)


@pytest.mark.parametrize("username", ["wangayi", "chen", "wanggeyuan", "zhangjingli", "yanshuji", "wuganbu",
                                      "liukezhang", "guanliyuan"])
@pytest.mark.parametrize("sort", ["new", "oldest", "deadline"])
def test_a_page_of_requests_is_the_same_page_of_the_whole_list(persona, username, sort):
    user = persona(username)
    whole = [r.pk for r in requests_filtered(fetched_by=user, sort=sort)]
    listed = requests_listed(fetched_by=user, sort=sort)
    assert listed.count() == len(whole)
    assert listed.count_estimated is False
    for start, stop in ((0, 7), (7, 30), (len(whole) - 3, len(whole) + 5)):
        assert [r.pk for r in listed[max(start, 0):stop]] == whole[max(start, 0):stop]
    open_ones = [r.pk for r in requests_filtered(fetched_by=user, status="open", sort=sort)]
    assert [r.pk for r in requests_listed(fetched_by=user, status="open", sort=sort)[0:30]] == open_ones[:30]


def test_a_large_total_is_an_estimate_and_says_so(login, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_BELOW", 3)
    body = login("wuganbu").get("/api/v1/requests?limit=5").json()
    page = login("wuganbu").get("/requests/").content.decode()
    if connection.vendor == "postgresql":
        assert body["count_estimated"] is True and body["count"] > 3
        assert 'data-testid="total-estimated"' in page
    else:  # SQLite has no planner estimate to give: counted
        assert body["count_estimated"] is False
        assert 'data-testid="total-estimated"' not in page
    assert len(body["items"]) == 5


@pytest.mark.parametrize("username", ["wangayi", "zhangjingli", "wuganbu", "guanliyuan"])
def test_walking_the_request_list_by_cursor_gives_every_row_once_in_order(login, persona, username):
    client = login(username)
    whole = [r.pk for r in requests_filtered(fetched_by=persona(username))]
    seen, url, pages = [], "/api/v1/requests?limit=7", 0
    while url:
        body = client.get(url).json()
        assert body["count"] == len(whole)  # each page names the whole list's total, not what is left
        seen += [item["id"] for item in body["items"]]
        pages += 1
        url = f"/api/v1/requests?limit=7&after={body['next']}" if body["next"] else None
    assert seen == whole
    assert pages == len(whole) // 7 + 1  # a full last page still points on, to an empty one


def test_a_cursor_walks_past_rows_filed_at_the_same_instant(login):
    from gongzhi.requests.models import Request

    rows = list(Request.objects.order_by("-created_at", "-pk")[:6])
    Request.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=rows[0].created_at)
    client = login("guanliyuan")
    first = client.get("/api/v1/requests?limit=3").json()
    second = client.get(f"/api/v1/requests?limit=3&after={first['next']}").json()
    assert [i["id"] for i in first["items"] + second["items"]] == sorted((r.pk for r in rows), reverse=True)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", "WyJ4Il0", "WzEsMl0", "W3sidCI6IjIwMjYtMDEtMDEifSwxXQ",
                                    "W3sidCI6IngifSwxXQ", "W251bGwsMV0", "%00",
                                    "W3sidCI6IjIwMjYtMDEtMDFUMDA6MDA6MDArMDg6MDAifSwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"])
def test_a_broken_cursor_is_refused_with_a_message(login, cursor):
    response = login("wuganbu").get(f"/api/v1/requests?after={cursor}")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("翻页标记无效")
    assert response.json()["field"] == "after"
