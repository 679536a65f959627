"""What anyone may read without logging in — the public request board and Open311 — shows no phone
or ID number a handler or requester typed, in any form, and an anonymous request's own words not at
all; the rest of the note stays readable."""

import pytest

from gongzhi.requests import services
from gongzhi.requests.models import Request
from tests.helpers import YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
BASE = "/open311/v2"
J = {"jurisdiction_id": "guanghualu"}
NOTE = "已联系业主王秀兰 {phone}（5-1-302），身份证{id}，已更换灯具"
PHONES = ["13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678", "+86 138 1234 5678",
          "１３８１２３４５６７８"]
IDS = ["410502196302187215", "410502 19630218 7215"]
LEAKS = ["12345678", "1234 5678", "1234-5678", "１２３４５６７８", "196302187215", "19630218 7215", "19630218"]
READABLE = ["已联系业主王秀兰", "138****5678", "（5-1-302），身份证", "410***********7215"]


def resolved(persona, phone, id_number, *, anonymous=False, description="楼道灯不亮"):
    req = services.request_submit(persona("wangayi"), services.Intake(
        estate_id=estate(YIWU).pk, category="lighting", description=description, anonymous=anonymous,
        building_id=estate(YIWU).buildings.get(code="5").pk))
    services.request_resolve(persona("zhangjingli"), request_id=req.pk, note=NOTE.format(phone=phone, id=id_number))
    return Request.objects.get(pk=req.pk)


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize("id_number", IDS)
def test_the_public_board_masks_the_resolution_note(client, persona, phone, id_number):
    resolved(persona, phone, id_number)
    page = client.get(f"/board/estates/{estate(YIWU).pk}/requests/")
    assert page.status_code == 200
    html = page.content.decode()
    for leak in LEAKS:
        assert leak not in html, leak
    assert phone not in html and id_number not in html
    for text in READABLE[:3]:
        assert text in html, text


@pytest.mark.parametrize("phone", PHONES)
def test_open311_masks_status_notes_and_descriptions(client, persona, phone):
    req = resolved(persona, phone, "410502 19630218 7215", description=f"灯坏了，请打{phone}")
    rows = client.get(f"{BASE}/requests/{req.pk}.json", J).json()
    text = str(rows)
    for leak in LEAKS:
        assert leak not in text, leak
    row = rows[0]
    assert row["status_notes"] == "已联系业主王秀兰 " + ("+86 " if "+86 " in phone else "+86" if "+86" in phone
                                                        else "") + "138****5678（5-1-302），身份证410***********7215，已更换灯具"
    assert row["description"] == "灯坏了，请打" + ("+86 " if "+86 " in phone else "+86" if "+86" in phone else "") \
        + "138****5678"
    updates = client.get(f"{BASE}/servicerequestupdates.json", J).json()
    assert updates and not any(leak in str(updates) for leak in LEAKS)
    xml = client.get(f"{BASE}/requests/{req.pk}.xml", J).content.decode()
    assert not any(leak in xml for leak in LEAKS) and "138****5678" in xml


def test_open311_never_publishes_an_anonymous_requesters_words(client, persona):
    words = "我家楼上漏水三天了，打我电话"
    req = resolved(persona, "13812345678", "410502196302187215", anonymous=True, description=words)
    row = client.get(f"{BASE}/requests/{req.pk}.json", J).json()[0]
    assert row["description"] is None
    assert row["status_notes"].startswith("已联系业主王秀兰 138****5678")
    listed = client.get(f"{BASE}/requests.json", {**J, "service_request_id": str(req.pk)}).content.decode()
    assert "漏水" not in listed
    xml = client.get(f"{BASE}/requests/{req.pk}.xml", J).content.decode()
    assert "漏水" not in xml
