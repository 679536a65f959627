"""The scope filter: one estate's user cannot read another estate's people, units or approvals
through pages, API, admin or export — hidden answers exactly like missing (404)."""

import re

import pytest
from django.contrib.auth import get_user_model

from gongzhi.api import LOG_IN_FIRST
from gongzhi.core.models import Approval
from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.people.services import role_assign
from tests.helpers import PACIFIC, YIWU, estate, unit

MISSING = 999_999_999


def strip_csrf(html: bytes) -> bytes:
    """The page minus what differs per request: the CSRF token and the requested path."""
    html = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", html)  # htmx's header, on <body>
    return re.sub(rb'name="(csrfmiddlewaretoken|next)" value="[^"]+"', b"", html)


def pacific_owner() -> Person:
    return unit(PACIFIC, "2-1-301").ownerships.get().person


@pytest.fixture
def yiwu_admin(persona):
    """A back-office administrator whose scope is 义乌城 only."""
    user = get_user_model().objects.create_user("yiwu-admin", password="x", is_staff=True)
    role_assign(None, user_id=user.pk, role=Role.ADMINISTRATOR, anchor_field="estate", anchor_id=estate(YIWU).pk)
    return user


# --- pages ------------------------------------------------------------------------------------
PACIFIC_PAGES = {
    "estate": lambda pacific: f"/estates/{pacific.pk}/",
    "building": lambda pacific: f"/buildings/{pacific.buildings.first().pk}/",
    "approval": lambda pacific: f"/approvals/{Approval.objects.filter(estate=pacific).first().pk}/",
    "ledger": lambda pacific: f"/estates/{pacific.pk}/ledger.xlsx",
    "community": lambda pacific: f"/communities/{pacific.community_id}/",
}


@pytest.mark.parametrize("page", PACIFIC_PAGES)
@pytest.mark.parametrize("username", ["wangayi", "zhangjingli"])
def test_yiwu_users_cannot_open_pacific_pages(login, username, page):
    url = PACIFIC_PAGES[page](estate(PACIFIC))
    response = login(username).get(url)
    assert response.status_code == 404, url
    assert "李建国" not in response.content.decode()


def test_hidden_and_missing_answer_the_same(login):
    client = login("wangayi")
    hidden = client.get(f"/estates/{estate(PACIFIC).pk}/")
    missing = client.get(f"/estates/{MISSING}/")
    assert hidden.status_code == missing.status_code == 404
    assert strip_csrf(hidden.content) == strip_csrf(missing.content)


def test_resident_sees_own_estate_but_not_neighbours_people(login):
    client = login("wangayi")
    yiwu = estate(YIWU)
    assert client.get(f"/estates/{yiwu.pk}/").status_code == 200
    page = client.get(f"/buildings/{unit(YIWU, '6-1-101').building_id}/").content.decode()
    neighbour = unit(YIWU, "6-1-101").ownerships.get().person
    assert neighbour.name not in page
    assert client.get(f"/estates/{yiwu.pk}/ledger.xlsx").status_code == 404


def test_page_requires_login(client, world):
    response = client.get(f"/estates/{estate(YIWU).pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- API ----------------------------------------------------------------------------------------
PACIFIC_API = {
    "estate": lambda pacific: f"/api/v1/places/estates/{pacific.pk}",
    "unit": lambda pacific: f"/api/v1/places/units/{unit(PACIFIC, '2-1-301').pk}",
    "person": lambda pacific: f"/api/v1/people/persons/{pacific_owner().pk}",
    "approval": lambda pacific: f"/api/v1/approvals/{Approval.objects.filter(estate=pacific).first().pk}",
    "buildings": lambda pacific: f"/api/v1/places/estates/{pacific.pk}/buildings",
}


@pytest.mark.parametrize("endpoint", PACIFIC_API)
def test_api_hides_other_estate(login, endpoint):
    client = login("zhangjingli")  # property staff of 义乌城
    url = PACIFIC_API[endpoint](estate(PACIFIC))
    response = client.get(url)
    assert response.status_code == 404, url
    assert response.json()["code"] == "not_found"


def test_api_lists_only_own_estate(login):
    client = login("zhangjingli")  # property staff of 义乌城
    pacific = estate(PACIFIC)
    listed = client.get("/api/v1/places/units?limit=1000").json()
    assert listed["count"] == estate(YIWU).units.count() and listed["count_estimated"] is False
    last_page = client.get("/api/v1/places/units?limit=1000&offset=2500").json()["items"]
    assert {u["estate_id"] for u in listed["items"] + last_page} == {estate(YIWU).pk}
    people = client.get(f"/api/v1/people/persons?estate_id={pacific.pk}").json()
    assert people["count"] == 0
    approvals = client.get("/api/v1/approvals").json()["items"]
    assert all(a["estate_id"] == estate(YIWU).pk for a in approvals)


def test_api_unauthenticated_is_401(client, world):
    response = client.get("/api/v1/places/estates")
    assert response.status_code == 401
    assert response.json()["detail"] == LOG_IN_FIRST


# --- admin -------------------------------------------------------------------------------------
def test_admin_lists_only_own_estate(client, yiwu_admin):
    client.force_login(yiwu_admin)
    response = client.get("/admin/places/unit/?q=2-1-301")
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown and {u.estate.name for u in shown} == {YIWU}
    persons = client.get("/admin/people/person/?q=李建国")
    assert persons.context["cl"].result_count == 0


@pytest.mark.parametrize("wide", [False, True], ids=["narrow", "wide"])
def test_admin_lists_people_by_name_and_flats_by_estate_and_code(client, yiwu_admin, monkeypatch, wide):
    """The orders the admin lists walk (issue 24): the same rows, in scope, for a few households and for a
    district's (a wide scope checks each row of the walk against the scope)."""
    if wide:
        monkeypatch.setattr("gongzhi.core.scoping.WIDE_HOUSEHOLDS", 0)
    client.force_login(yiwu_admin)
    people = list(client.get("/admin/people/person/").context["cl"].result_list)
    assert people and [(p.name, p.pk) for p in people] == sorted((p.name, p.pk) for p in people)
    assert "李建国" not in {p.name for p in people}
    flats = list(client.get("/admin/places/unit/").context["cl"].result_list)
    assert flats and {u.estate.name for u in flats} == {YIWU}
    assert [u.code for u in flats] == sorted(u.code for u in flats)


def test_admin_change_page_of_other_estate_is_like_missing(client, yiwu_admin):
    client.force_login(yiwu_admin)
    hidden = client.get(f"/admin/places/unit/{unit(PACIFIC, '2-1-301').pk}/change/")
    missing = client.get(f"/admin/places/unit/{MISSING}/change/")
    assert hidden.status_code == missing.status_code == 302
    assert hidden["Location"] == missing["Location"]
    own = client.get(f"/admin/places/unit/{unit(YIWU, '5-1-302').pk}/change/")
    assert own.status_code == 200


def test_admin_closed_to_non_administrators(login):
    client = login("yanshuji")
    assert client.get("/admin/places/unit/").status_code == 302  # to the admin login, no data


# --- export -------------------------------------------------------------------------------------
def test_export_only_for_own_estate(login):
    client = login("zhangjingli")
    own = client.get(f"/estates/{estate(YIWU).pk}/ledger.xlsx")
    assert own.status_code == 200
    assert own["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"/estates/{estate(PACIFIC).pk}/ledger.xlsx").status_code == 404


def test_department_officer_sees_places_but_no_people(login):
    client = login("liukezhang")
    yiwu = estate(YIWU)
    assert client.get(f"/api/v1/places/estates/{yiwu.pk}").status_code == 200
    people = client.get("/api/v1/people/persons").json()
    assert [p["name"] for p in people["items"]] == ["刘建军"]  # his own record, nobody else's
    assert client.get(f"/api/v1/places/units/{unit(YIWU, '5-1-302').pk}").status_code == 404


def test_cadre_sees_only_responsible_estates(login):
    client = login("zhengbaobao")
    names = {e["name"] for e in client.get("/api/v1/places/estates").json()["items"]}
    assert names == {"育才新村", "老纺织厂家属院"}


def test_building_head_sees_own_building_only(login):
    client = login("chen")
    own = client.get(f"/buildings/{unit(PACIFIC, '3-1-101').building_id}/").content.decode()
    assert unit(PACIFIC, "3-1-101").ownerships.get().person.name in own
    other = client.get(f"/buildings/{unit(PACIFIC, '4-1-101').building_id}/").content.decode()
    assert unit(PACIFIC, "4-1-101").ownerships.get().person.name not in other


def pacific_seal_approval() -> Approval:
    return Approval.objects.get(estate=estate(PACIFIC), status="pending", kind="seal_use", title__contains="续签")


def pacific_committee():
    from gongzhi.bodies.models import Organisation

    return Organisation.objects.get(estate=estate(PACIFIC), kind="owners_committee")


def test_every_api_endpoint_refuses_the_other_estate(login, persona):
    """A 义乌城 resident against each 太平洋花园 endpoint: 404/403 or an empty list, never data."""
    client = login("wangayi")
    pacific = estate(PACIFIC)
    for url in (f"/api/v1/organisations/estates/{pacific.pk}/autonomy", f"/api/v1/organisations/{pacific_committee().pk}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/places/communities").json() == []
    assert client.get("/api/v1/places/subdistricts").json() == []
    coverage = client.get("/api/v1/organisations/coverage").json()
    assert [(r["name"], r["estates"]) for r in coverage] == [("明福社区", 1)]  # her own estate only
    assert {r["user_id"] for r in client.get("/api/v1/people/roles").json()} == {persona("wangayi").pk}


def zhao_role():
    return get_user_model().objects.get(username="zhaozhuren").role_assignments.first()


# The writes a 义乌城 resident tries on 太平洋花园: (what, url, body) → status.
PACIFIC_WRITES = {
    "sign": (lambda: f"/api/v1/approvals/{pacific_seal_approval().pk}/sign", lambda: {}, 404),
    "reject": (lambda: f"/api/v1/approvals/{pacific_seal_approval().pk}/reject", lambda: {"comment": "不同意"}, 404),
    "raise": (lambda: "/api/v1/approvals",
              lambda: {"estate_id": estate(PACIFIC).pk, "title": "x", "roles": ["auditor"]}, 404),
    "seat": (lambda: f"/api/v1/organisations/{pacific_committee().pk}/seat",
             lambda: {"members": [], "term_start": "2025-01-01", "term_end": "2026-01-01"}, 404),
    "revoke": (lambda: f"/api/v1/people/roles/{zhao_role().pk}/revoke", lambda: {}, 404),  # as a missing one
}


@pytest.mark.parametrize("write", PACIFIC_WRITES)
def test_every_api_write_refuses_the_other_estate(login, write):
    url, body, status = PACIFIC_WRITES[write]
    response = login("wangayi").post(url(), body(), content_type="application/json")
    assert response.status_code == status, url()
    assert "赵丽华" not in response.content.decode()
    assert pacific_seal_approval().signatures.filter(decision="pending").count() == 3


def test_covers_answers_in_memory_what_estates_answers_in_sql(persona, world):
    """Scope.covers (used on hot paths such as request intake) agrees with the SQL scope filter for
    every demo login and every estate."""
    from django.contrib.auth import get_user_model

    from gongzhi.core.scoping import Scope
    from gongzhi.places.models import Estate

    estates = list(Estate.objects.select_related("community__subdistrict"))
    for user in get_user_model().objects.all():
        scope = Scope(user)
        visible = set(scope.estates().values_list("pk", flat=True))
        assert {e.pk for e in estates if scope.covers(e)} == visible, user.username


def test_scope_reads_the_assignments_in_force_like_the_orm(persona, world):
    """The hand-written reads behind Scope follow RoleAssignment.objects.current(): the same rows as
    the ORM's rule, for every login."""
    from gongzhi.core.scoping import Scope
    from gongzhi.people.models import RoleAssignment

    for user in get_user_model().objects.all():
        orm = set(RoleAssignment.objects.current().filter(user=user).values_list("pk", flat=True))
        assert {a.pk for a in Scope(user).assignments} == orm, user.username


@pytest.mark.parametrize("window, starts, ends, in_force", [
    ("ends_today", -3, 0, True),
    ("ended_yesterday", -3, -1, False),
    ("starts_today", 0, None, True),
    ("starts_tomorrow", 1, None, False),
])
def test_scope_and_holders_read_the_assignments_in_force_on_their_first_and_last_day(clock, db, window, starts,
                                                                                        ends, in_force):
    """Scope and holders() count a grant from its first day through its last day, and not a day outside."""
    import datetime

    from gongzhi.core.scoping import Scope, holders
    from tests.factories import BuildingFactory, RoleAssignmentFactory, UserFactory

    def day(offset):
        return None if offset is None else clock.today + datetime.timedelta(days=offset)

    user, building = UserFactory(), BuildingFactory()
    RoleAssignmentFactory(user=user, role=Role.BUILDING_HEAD, anchor=building, valid_from=day(starts),
                          valid_until=day(ends))
    assert (Role.BUILDING_HEAD in Scope(user).roles) is in_force, window
    assert (user.pk in holders({Role.BUILDING_HEAD}, building.estate, building_id=building.pk)) is in_force, window
    assert (user.pk in holders({Role.BUILDING_HEAD}, building.estate)) is in_force, window


def test_every_role_has_exactly_one_reach_decided_by_hand():
    """A role added to Role without a decision fails here instead of silently seeing personal data."""
    from gongzhi.core.roles import BUILDING_ROLES, FULL_ROLES, PERSONAL_ROLES, PLACES_ONLY_ROLES, STAFF_ROLES

    reaches = [PERSONAL_ROLES, BUILDING_ROLES, PLACES_ONLY_ROLES, FULL_ROLES]
    placed = [role for reach in reaches for role in reach]
    assert sorted(placed) == sorted(Role), "each role in exactly one of the reach sets"
    assert STAFF_ROLES == frozenset(Role) - PERSONAL_ROLES


def test_a_list_empty_by_construction_counts_zero_not_a_server_error(login):
    """A department official anchored at no estate has no units: the estimated total of an empty scope is
    0 (the database is not asked: `pk__in=[]` has no SQL), not a 500."""
    from gongzhi.core.paging import estimated_count
    from gongzhi.places.models import Unit

    assert estimated_count(Unit.objects.none()) == (0, False)
    assert estimated_count(Unit.objects.filter(pk__in=[])) == (0, False)
    listed = login("liukezhang").get("/api/v1/places/units?limit=100")
    assert listed.status_code == 200
    assert (listed.json()["count"], listed.json()["items"]) == (0, [])
