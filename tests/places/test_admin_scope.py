"""The back office checks a row's new parent as well as the row: a district administrator cannot
move an estate into another district's community (nor a community into another district's
subdistrict, nor a building into another district's estate); the dropdowns and raw-id lookups
offer only what the administrator administers; a move within the district still works."""

import json

import pytest

from gongzhi.core.admin_base import PARENT_OUT_OF_SCOPE
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.places.models import Building, Community, Estate, Subdistrict
from tests.factories import BuildingFactory, EstateFactory, RoleAssignmentFactory
from tests.helpers import YIWU, estate

ADMIN = "guanliyuan"  # 系统管理员: ADMINISTRATOR of the demo district, staff


def estate_form(obj: Estate, **changes) -> dict:
    data = {"community": obj.community_id, "grid": obj.grid_id or "", "name": obj.name, "address": obj.address,
            "household_count": obj.household_count, "property_service": obj.property_service,
            "aliases": json.dumps(obj.aliases, ensure_ascii=False),
            "latitude": obj.latitude if obj.latitude is not None else "",
            "longitude": obj.longitude if obj.longitude is not None else "", "_save": "保存"}
    return {**data, **changes}


@pytest.fixture
def elsewhere(persona):
    """A community, with an estate, in a district of its own: the demo administrator does not
    administer it, but sees its places there as a department officer (a role that is not the
    administrator's, so it must not widen what the back office lets them pick)."""
    other = EstateFactory()
    RoleAssignmentFactory(user=persona(ADMIN), role=Role.DEPARTMENT_OFFICER,
                          anchor=other.community.subdistrict.district)
    return other.community, other


def form_error(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return " ".join(str(e) for e in response.context["adminform"].form.errors.values())


def test_moving_an_estate_into_another_districts_community_is_refused(login, elsewhere):
    community, _ = elsewhere
    yiwu = estate(YIWU)
    before, audits = yiwu.community_id, AuditEntry.objects.count()
    client = login(ADMIN)
    answer = client.post(f"/admin/places/estate/{yiwu.pk}/change/", estate_form(yiwu, community=community.pk))
    assert PARENT_OUT_OF_SCOPE.format(label="社区") in form_error(answer)
    assert PARENT_OUT_OF_SCOPE.format(label="社区") in answer.content.decode()
    assert Estate.objects.get(pk=yiwu.pk).community_id == before
    assert AuditEntry.objects.count() == audits


def test_the_dropdown_lists_only_the_administrators_communities(login, elsewhere):
    community, _ = elsewhere
    yiwu = estate(YIWU)
    page = login(ADMIN).get(f"/admin/places/estate/{yiwu.pk}/change/")
    assert page.status_code == 200
    choices = {c.pk for c in page.context["adminform"].form.fields["community"].queryset}
    district = yiwu.community.subdistrict.district_id
    assert community.pk not in choices and community.name not in page.content.decode()
    assert choices == set(Community.objects.filter(subdistrict__district_id=district).values_list("pk", flat=True))
    assert yiwu.community_id in choices


def test_a_move_within_the_administrators_district_still_works(login, elsewhere):
    yiwu = estate(YIWU)
    target = Community.objects.filter(subdistrict__district=yiwu.community.subdistrict.district).exclude(
        pk=yiwu.community_id).first()
    assert target is not None
    answer = login(ADMIN).post(f"/admin/places/estate/{yiwu.pk}/change/",
                               estate_form(yiwu, community=target.pk, grid=""))
    assert answer.status_code == 302, answer.context and answer.context["adminform"].form.errors
    assert Estate.objects.get(pk=yiwu.pk).community_id == target.pk
    assert AuditEntry.objects.filter(action="estate.update", subject_id=str(yiwu.pk)).exists()


def test_moving_a_community_into_another_districts_subdistrict_is_refused(login, elsewhere):
    other_community, _ = elsewhere
    mine = estate(YIWU).community
    before = mine.subdistrict_id
    client = login(ADMIN)
    page = client.get(f"/admin/places/community/{mine.pk}/change/")
    assert other_community.subdistrict_id not in {s.pk for s in page.context["adminform"].form.fields["subdistrict"].queryset}
    answer = client.post(f"/admin/places/community/{mine.pk}/change/",
                         {"subdistrict": other_community.subdistrict_id, "name": mine.name, "_save": "保存"})
    assert PARENT_OUT_OF_SCOPE.format(label="街道") in form_error(answer)
    assert Community.objects.get(pk=mine.pk).subdistrict_id == before
    assert Subdistrict.objects.filter(pk=other_community.subdistrict_id).exists()


def test_a_raw_id_field_refuses_another_districts_estate(login, elsewhere):
    _, other_estate = elsewhere
    building = BuildingFactory(estate=estate(YIWU)) if not estate(YIWU).buildings.exists() else estate(YIWU).buildings.first()
    client = login(ADMIN)
    page = client.get(f"/admin/places/building/{building.pk}/change/")
    data = {name: (value.pk if hasattr(value, "pk") else ("" if value is None else value))
            for name, value in page.context["adminform"].form.initial.items()}
    answer = client.post(f"/admin/places/building/{building.pk}/change/", {**data, "estate": other_estate.pk,
                                                                          "_save": "保存"})
    assert PARENT_OUT_OF_SCOPE.format(label="小区") in form_error(answer)
    assert Building.objects.get(pk=building.pk).estate_id == estate(YIWU).pk


def test_the_raw_id_lookup_lists_only_administered_estates(login, elsewhere):
    _, other_estate = elsewhere
    page = login(ADMIN).get("/admin/places/estate/", {"_to_field": "id", "_popup": "1"})
    assert page.status_code == 200
    shown = {e.pk for e in page.context["cl"].result_list}
    assert other_estate.pk not in shown and estate(YIWU).pk in shown
