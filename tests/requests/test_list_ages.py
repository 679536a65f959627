"""Staff lists show how long each request has waited and the time left, sort by either, and filter by
the level a request reached; a resident's list stays simple."""

import re

import pytest

from gongzhi.requests.models import Request
from gongzhi.requests.selectors import requests_filtered

pytestmark = pytest.mark.usefixtures("world")
NUMBERS = re.compile(r'href="/requests/(\d+)/"')


def listed(client, **query) -> list[int]:
    page = client.get("/requests/", query)
    assert page.status_code == 200
    html = page.content.decode()
    return [int(pk) for pk in NUMBERS.findall(html[html.index('data-testid="total"'):])]


def test_the_property_manager_sees_age_and_time_left_and_sorts_by_them(login, persona):
    client = login("zhangjingli")
    html = client.get("/requests/", {"status": "open"}).content.decode()
    assert 'data-testid="request-age"' in html and "已等待" in html and 'data-testid="remaining"' in html
    visible = requests_filtered(fetched_by=persona("zhangjingli"))
    assert visible.count() >= 3
    oldest = listed(client, sort="oldest")
    assert oldest[:10] == list(visible.order_by("created_at", "pk").values_list("pk", flat=True)[:10])
    nearest = listed(client, sort="deadline")
    assert nearest[:10] == list(visible.order_by("resolve_by", "pk").values_list("pk", flat=True)[:10])
    assert nearest != oldest or len(set(visible.values_list("resolve_by", flat=True))) == 1
    assert listed(client, sort="nonsense")[:10] == list(visible.order_by("-created_at", "-pk").values_list("pk", flat=True)[:10])


def test_the_officer_filters_by_the_level_reached(login, persona):
    client = login("wuganbu")
    shown = set(listed(client, level=3))
    assert shown, "the demo has requests that reached the subdistrict"
    assert all(level >= 3 for level in Request.objects.filter(pk__in=shown).values_list("level", flat=True))
    assert shown == set(requests_filtered(fetched_by=persona("wuganbu"), level=3).values_list("pk", flat=True)[:30])


def test_a_resident_sees_no_ages_or_sorting(login):
    html = login("wangayi").get("/requests/").content.decode()
    assert 'data-testid="request-age"' not in html and 'name="sort"' not in html and 'name="level"' not in html
