"""Phone and ID numbers are masked on every output unless the viewer's role needs them."""

import pytest

from gongzhi.core.masking import mask_id_number, mask_phone
from tests.helpers import PACIFIC, YIWU, estate, unit


def test_mask_formats():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("410102198001011234") == "410***********1234"
    assert mask_phone("") == "" and mask_id_number("") == ""
    assert mask_phone("12345") == "*****"


def owner_json(client, estate_name, code):
    person = unit(estate_name, code).ownerships.get().person
    response = client.get(f"/api/v1/people/persons/{person.pk}")
    assert response.status_code == 200
    return person, response.json()


@pytest.mark.parametrize(
    "username, full_phone, full_id",
    [
        ("zhangjingli", True, False),  # property staff: needs to call, not the ID number
        ("shequ", True, True),  # community staff: registration work
        ("yanshuji", True, False),
        ("sunjiancha", False, False),  # discipline supervisor: sees records, not contacts
        ("guanliyuan", True, True),
    ],
)
def test_masking_by_role(login, username, full_phone, full_id):
    person, data = owner_json(login(username), YIWU, "6-1-101")
    assert data["phone"] == (person.phone if full_phone else person.phone[:3] + "****" + person.phone[-4:])
    expected_id = person.id_number if full_id else person.id_number[:3] + "*" * 11 + person.id_number[-4:]
    assert data["id_number"] == expected_id


def test_committee_member_sees_masked_phones(login):
    person, data = owner_json(login("weiyuan"), PACIFIC, "5-1-101")
    assert data["phone"] == person.phone[:3] + "****" + person.phone[-4:]
    assert "*" in data["id_number"]


def test_own_record_is_unmasked(login, persona):
    client = login("wangayi")
    me = persona("wangayi").person
    data = client.get(f"/api/v1/people/persons/{me.pk}").json()
    assert data["phone"] == me.phone and data["id_number"] == me.id_number


def test_building_head_page_shows_building_phones(login):
    client = login("chen")
    owner = unit(PACIFIC, "3-1-102").ownerships.get().person
    page = client.get(f"/buildings/{unit(PACIFIC, '3-1-102').building_id}/").content.decode()
    assert owner.phone in page
    assert owner.id_number not in page


def test_export_is_masked_for_property_staff(login):
    import io

    from openpyxl import load_workbook

    client = login("zhangjingli")
    data = client.get(f"/estates/{estate(YIWU).pk}/ledger.xlsx").content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    ids = [r[10] for r in rows[1:] if r[10]]
    assert ids and all("***********" in i for i in ids)
