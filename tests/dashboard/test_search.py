"""One box finds a request by number, a person by name or phone digits, a flat or building by address, a
notice or matter by title — only among what the user may open, masked as the user's role requires."""

import pytest

from gongzhi.core.search import QUERY_REQUIRED, QUERY_TOO_LONG, search
from gongzhi.notices.models import Notice
from gongzhi.people.models import Person
from gongzhi.requests.models import Request
from tests.helpers import PACIFIC, YIWU, estate, unit

pytestmark = pytest.mark.usefixtures("world")


def found(user, query) -> dict[str, list]:
    return {g.key: g.hits for g in search(fetched_by=user, query=query)}


def test_a_request_by_its_number_for_whoever_may_open_it(persona):
    mine = Request.objects.filter(requester=persona("wangayi")).first()
    for query in (mine.number, mine.number.lower(), f"SQ{mine.pk}", f"ＳＱ{mine.pk}"):
        hits = found(persona("wangayi"), query)["requests"]
        assert [h.url for h in hits] == [f"/requests/{mine.pk}/"], query
    assert "requests" not in found(persona("lixiansheng"), mine.number)  # another owner's request


def test_a_person_by_name_and_by_phone_digits_masked_per_role(persona):
    wang = Person.objects.get(user__username="wangayi")
    for_staff = found(persona("shequ"), wang.name)["people"]
    assert any(wang.phone in h.detail for h in for_staff), "community staff read the phone"
    assert any("义乌城小区 5-1-302" in h.detail for h in for_staff)
    by_digits = found(persona("shequ"), wang.phone[-4:])["people"]
    assert wang.name in [h.title for h in by_digits]
    # the subdistrict officer sees her but not her phone: her name finds her, masked; digits find nobody
    officer = persona("wuganbu")
    masked = found(officer, wang.name)["people"]
    assert wang.name in [h.title for h in masked] and not any(wang.phone in h.detail for h in masked)
    assert "people" not in found(officer, wang.phone[-4:])
    assert "people" not in found(persona("lixiansheng"), wang.name)  # not in his scope


def test_an_address_finds_the_flat_and_the_building(persona):
    flat = unit(YIWU, "5-1-302")
    hits = found(persona("shequ"), "义乌城 5-1-302")["places"]
    assert [h.url for h in hits] == [f"/units/{flat.pk}/ownership/"]
    building = found(persona("shequ"), "义乌城 5号楼")["places"]
    assert [h.url for h in building] == [f"/buildings/{flat.building_id}/"]
    assert "places" not in found(persona("wangayi"), "太平洋 1-1-101")  # not her flat


def test_a_notice_and_a_matter_by_title_only_where_visible(persona):
    notice = Notice.objects.filter(estate=estate(PACIFIC), audience="public").first()
    assert notice.title in [h.title for h in found(persona("lixiansheng"), notice.title[:8])["notices"]]
    resident_only = Notice.objects.filter(estate=estate(PACIFIC)).exclude(audience="public").first()
    if resident_only is not None:
        assert resident_only.title not in [h.title for h in found(persona("wangayi"), resident_only.title).get("notices", [])]


@pytest.mark.parametrize("query, message", [(" ", QUERY_REQUIRED), ("x" * 51, QUERY_TOO_LONG)])
def test_an_empty_or_long_query_is_refused_with_a_message(login, query, message):
    answer = login("shequ").get("/api/v1/search", {"q": query})
    assert answer.status_code == 400 and answer.json()["detail"] == str(message)
    page = login("shequ").get("/search/", {"q": query})
    assert page.status_code in (200, 400)


def test_the_page_and_the_api(login, persona):
    mine = Request.objects.filter(requester=persona("wangayi")).first()
    api = login("wangayi").get("/api/v1/search", {"q": mine.number}).json()
    assert api[0]["kind"] == "requests" and api[0]["hits"][0]["url"] == f"/requests/{mine.pk}/"
    page = login("wangayi").get("/search/", {"q": mine.number}).content.decode()
    assert f'href="/requests/{mine.pk}/"' in page
    assert 'data-testid="no-results"' in login("wangayi").get("/search/", {"q": "不存在的东西"}).content.decode()
    assert login("wangayi").get("/api/v1/search", {"q": "a\u202eb"}).status_code == 400


def test_a_name_is_found_past_people_out_of_scope_and_an_address_is_not_a_phone(persona, monkeypatch):
    from gongzhi.people import selectors as people

    wang = Person.objects.get(user__username="wangayi")
    monkeypatch.setattr(people, "NAME_CHUNK", 1)  # one candidate a round: the scope is checked chunk by chunk
    monkeypatch.setattr(people, "NAME_CHUNKS", Person.objects.count())
    assert wang.name in [h.title for h in found(persona("shequ"), wang.name[:2])["people"]]
    assert "people" not in found(persona("shequ"), "5-1-302"), "an address is not four digits of a phone"
