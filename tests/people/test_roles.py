"""Role assignments from a page and the API: administrators grant any role where they administer;
a community's secretary grants the community's roles in her community only."""

import pytest
from django.contrib.auth import get_user_model

from gongzhi.core.errors import PermissionDenied, WrongState
from gongzhi.core.roles import Role
from gongzhi.people import rules, services
from gongzhi.people.models import RoleAssignment
from gongzhi.places.models import Community
from tests.factories import UserFactory
from tests.helpers import PACIFIC, YIWU, unit


def building(estate_name):
    return unit(estate_name, "1-1-101").building


# persona × (role, estate) → status
GRID = {
    ("yanshuji", Role.BUILDING_HEAD, YIWU): 201, ("yanshuji", Role.ADMINISTRATOR, YIWU): 403,
    ("yanshuji", Role.SUBDISTRICT_OFFICER, YIWU): 403, ("lijing", Role.BUILDING_HEAD, YIWU): 404,
    ("wangayi", Role.BUILDING_HEAD, YIWU): 403, ("wuganbu", Role.BUILDING_HEAD, YIWU): 403,
    ("guanliyuan", Role.ADMINISTRATOR, YIWU): 201, ("shequ", Role.BUILDING_HEAD, YIWU): 403,
    ("wangayi", Role.BUILDING_HEAD, PACIFIC): 404, ("lijing", Role.GRID_WORKER, PACIFIC): 404,
}


@pytest.mark.parametrize("who, role, estate_name", list(GRID))
def test_role_assign_grid(login, who, role, estate_name):
    target = UserFactory()
    response = login(who).post("/api/v1/people/roles", {
        "user_id": target.pk, "role": role, "anchor_field": "building", "anchor_id": building(estate_name).pk,
    }, content_type="application/json")
    assert response.status_code == GRID[(who, role, estate_name)]
    assert target.role_assignments.exists() == (response.status_code == 201)


def test_secretary_is_told_which_role_she_cannot_grant(persona):
    with pytest.raises(PermissionDenied) as exc:
        services.role_assign(persona("yanshuji"), user_id=UserFactory().pk, role=Role.ADMINISTRATOR,
                             anchor_field="community", anchor_id=Community.objects.get(name="明福社区").pk)
    assert exc.value.message == rules.ROLE_NOT_GRANTABLE.format(role=Role.ADMINISTRATOR.label)


def test_revoke_twice_is_409(persona):
    admin = persona("guanliyuan")
    made = services.role_assign(admin, user_id=UserFactory().pk, role=Role.GRID_WORKER, anchor_field="community",
                                anchor_id=Community.objects.get(name="明福社区").pk)
    services.role_revoke(admin, assignment_id=made.pk)
    with pytest.raises(WrongState):
        services.role_revoke(admin, assignment_id=made.pk)


def test_role_cannot_end_before_it_starts(login):
    response = login("guanliyuan").post("/api/v1/people/roles", {
        "user_id": UserFactory().pk, "role": "grid_worker", "anchor_field": "community",
        "anchor_id": Community.objects.get(name="明福社区").pk, "valid_from": "2026-05-01",
        "valid_until": "2026-04-30"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"] == services.ROLE_DATES_ORDER


def test_roles_page_for_the_secretary(login):
    community = Community.objects.get(name="明福社区")
    client = login("yanshuji")
    page = client.get(f"/communities/{community.pk}/roles/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-api="role_assign"' in body and 'data-api="role_revoke"' in body
    assert f'value="{Role.ADMINISTRATOR}"' not in body.split('name="role"')[1].split("</select>")[0]
    target = UserFactory(username="new-grid-worker")
    done = client.post(f"/communities/{community.pk}/roles/", {
        "action": "assign", "username": target.username, "role": Role.GRID_WORKER,
        "anchor": f"community:{community.pk}"})
    assert done.status_code == 302
    made = RoleAssignment.objects.get(user=target)
    assert made.role == Role.GRID_WORKER and made.community == community
    assert client.post(f"/communities/{community.pk}/roles/", {"action": "revoke", "assignment": made.pk}
                       ).status_code == 302
    made.refresh_from_db()
    assert made.valid_until is not None


@pytest.mark.parametrize("who, status", [("wangayi", 404), ("lijing", 404), ("shequ", 403), ("guanliyuan", 200)])
def test_roles_page_refusals(login, who, status):
    community = Community.objects.get(name="明福社区")
    assert login(who).get(f"/communities/{community.pk}/roles/").status_code == status


def test_unknown_username_on_the_page_is_404(login):
    community = Community.objects.get(name="明福社区")
    response = login("yanshuji").post(f"/communities/{community.pk}/roles/", {
        "action": "assign", "username": "nobody-here", "role": Role.GRID_WORKER,
        "anchor": f"community:{community.pk}"})
    assert response.status_code == 404
    assert not get_user_model().objects.filter(username="nobody-here").exists()


@pytest.mark.parametrize("who, community_name, status", [
    ("lijing", "明福社区", 404),  # another community's secretary: the role is out of her sight, as a missing one
    ("wangayi", "明福社区", 404),  # a resident: no role of the community is hers to see
    ("shequ", "明福社区", 403),  # her own community's staff: she sees it, but may not revoke
    ("yanshuji", "安和苑社区", 404),
    ("yanshuji", "明福社区", 200),
])
def test_revoking_a_role_out_of_sight_answers_as_a_missing_one(login, persona, who, community_name, status):
    admin = persona("guanliyuan")
    made = services.role_assign(admin, user_id=UserFactory().pk, role=Role.GRID_WORKER, anchor_field="community",
                                anchor_id=Community.objects.get(name=community_name).pk)
    client = login(who)
    missing = client.post("/api/v1/people/roles/987654321/revoke", content_type="application/json")
    assert missing.status_code == 404
    response = client.post(f"/api/v1/people/roles/{made.pk}/revoke", content_type="application/json")
    assert response.status_code == status
    made.refresh_from_db()
    assert (made.valid_until is not None) == (status == 200)
    if status == 404:
        assert response.json()["detail"] == missing.json()["detail"]
