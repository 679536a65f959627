"""亮身份 boards: the public board of a building or an estate shows, without login, only what each member
chose (nobody until they choose; a masked mobile stays masked); the printed board is an A4 PDF of the
published notice whose QR code opens its verification page; who may publish, as a permission grid; the
member's own settings page and endpoint, and their refusals (nothing written)."""

import io
from urllib.parse import urlparse

import pytest
from django.test import Client

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.files import Upload
from gongzhi.core.masking import mask_phone
from gongzhi.core.models import AuditEntry
from gongzhi.notices.models import LogLeaf, Notice
from gongzhi.party import services
from gongzhi.party.choices import BoardContact
from gongzhi.party.models import BoardListing, BoardPublication
from gongzhi.people.models import PartyMember, Person
from tests.helpers import PACIFIC, YIWU, estate


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def building(code="3"):
    return estate(PACIFIC).buildings.get(code=code)


def board_url(code="3") -> str:
    return f"/board/estates/{estate(PACIFIC).pk}/buildings/{building(code).pk}/party/"


def chen() -> Person:
    return Person.objects.get(user__username="chen")


def building3_members() -> list[PartyMember]:
    return list(PartyMember.objects.filter(person__ownerships__unit__building=building("3"),
                                           person__ownerships__until__isnull=True).select_related("person")
                .order_by("person__name"))


def silent_member() -> PartyMember:
    """The demo's member of building 3 who never chose to appear (the default)."""
    return next(m for m in building3_members() if not BoardListing.objects.filter(member=m).exists())


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


# --- the public board ---------------------------------------------------------------------------------------------
def test_without_login_the_board_shows_only_what_each_member_chose(world):
    anyone = Client()
    page = anyone.get(board_url())
    assert page.status_code == 200
    text = page.content.decode()
    phone = chen().phone
    assert chen().name in text and mask_phone(phone) in text and phone not in text  # masked stays masked
    assert "楼栋长" in text and "党员中心户" in text  # his posts
    quiet = silent_member()
    assert quiet.person.name not in text  # chose nothing: absent
    body = anyone.get("/api/v1/party/board", {"estate_id": estate(PACIFIC).pk, "building_id": building().pk}).json()
    shown = {m["name"]: m for m in body["members"]}
    assert quiet.person.name not in shown and shown[chen().name]["contact"] == mask_phone(phone)
    assert phone not in str(body)


def test_a_member_off_the_board_is_absent_whatever_contact_they_chose(world):
    quiet = silent_member()
    services.board_listing_set(None, person_id=quiet.person_id, on_board=False, contact=BoardContact.MOBILE)
    text = Client().get(board_url()).content.decode()
    assert quiet.person.name not in text
    services.board_listing_set(None, person_id=quiet.person_id, on_board=True, contact=BoardContact.MOBILE)
    text = Client().get(board_url()).content.decode()
    assert quiet.person.name in text and quiet.person.phone in text  # their own choice: the full mobile


def test_the_office_phone_shows_and_the_mobile_does_not(world):
    services.board_listing_set(None, person_id=chen().pk, on_board=True, contact=BoardContact.OFFICE,
                               office_phone="0372-5920003")
    text = Client().get(board_url()).content.decode()
    assert "0372-5920003" in text and mask_phone(chen().phone) not in text


def test_the_estate_board_lists_its_buildings_members_and_other_buildings_do_not(world):
    text = Client().get(f"/board/estates/{estate(PACIFIC).pk}/party/").content.decode()
    zhao = Person.objects.get(user__username="zhaozhuren")
    assert chen().name in text and zhao.name in text and "0372-5926001" in text
    assert chen().name not in Client().get(board_url("1")).content.decode()


def test_unknown_places_are_not_found(world):
    anyone = Client()
    assert anyone.get(f"/board/estates/{estate(PACIFIC).pk}/buildings/999999/party/").status_code == 404
    assert anyone.get("/board/estates/999999/party/").status_code == 404
    other = estate(YIWU).buildings.order_by("pk").first()
    assert anyone.get(f"/board/estates/{estate(PACIFIC).pk}/buildings/{other.pk}/party/").status_code == 404
    assert anyone.get("/api/v1/party/board", {"estate_id": 999999}).status_code == 404


# --- the member's own choice -------------------------------------------------------------------------------------------
def test_the_member_sets_their_choice_with_a_photo_public_only_while_on_the_board(login):
    client = login("chen")
    assert client.get("/party/board/").status_code == 200
    photo = io.BytesIO(PNG)
    photo.name = "me.png"
    client.post("/party/board/", {"on_board": "on", "contact": "masked", "office_phone": "", "photo": photo})
    listing = BoardListing.objects.get(member__person=chen())
    assert listing.on_board and listing.photo_type == "image/png"
    name = listing.photo.name.rsplit("/", 1)[-1]
    assert f"/board/party/photos/{name}" in Client().get(board_url()).content.decode()
    assert b"".join(Client().get(f"/board/party/photos/{name}").streaming_content) == PNG
    assert AuditEntry.objects.filter(action="board_listing.set", subject_id=str(listing.pk)).exists()
    got = client.put("/api/v1/party/board-listing", {"on_board": False, "contact": "none"},
                     content_type="application/json")
    assert got.status_code == 200 and got.json() == {"on_board": False, "contact": "none", "office_phone": "",
                                                     "has_photo": True}
    assert Client().get(f"/board/party/photos/{name}").status_code == 404
    assert chen().name not in Client().get(board_url()).content.decode()


REFUSALS = {
    "unknown contact": ({"contact": "email"}, services.UNKNOWN_CONTACT),
    "office without a phone": ({"contact": "office"}, services.OFFICE_PHONE_REQUIRED),
    "office phone not digits": ({"contact": "office", "office_phone": "找王书记"}, services.OFFICE_PHONE_BAD),
    "office phone too short": ({"contact": "none", "office_phone": "12-4"}, services.OFFICE_PHONE_BAD),
    "photo not an image": ({"photo": Upload("me.pdf", b"%PDF-1.4 x")}, services.PHOTO_TYPE.format(name="me.pdf")),
    "photo too big": ({"photo": Upload("me.png", PNG + b"0" * services.PHOTO_MAX_BYTES)},
                      services.PHOTO_TOO_BIG.format(name="me.png", mb=2)),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_listing_refusals_change_nothing(persona, case):
    kw, message = REFUSALS[case]
    before = BoardListing.objects.get(member__person=chen())
    with pytest.raises(InvalidInput) as exc:
        services.board_listing_set(persona("chen"), **{"on_board": False, "contact": "none", **kw})
    assert exc.value.message == message
    after = BoardListing.objects.get(pk=before.pk)
    assert (after.on_board, after.contact, after.office_phone) == (before.on_board, before.contact,
                                                                   before.office_phone)


def test_a_mobile_needs_one_on_record(persona):
    quiet = silent_member()
    Person.objects.filter(pk=quiet.person_id).update(phone="")
    with pytest.raises(InvalidInput) as exc:
        services.board_listing_set(None, person_id=quiet.person_id, on_board=True, contact=BoardContact.MASKED)
    assert exc.value.message == services.NO_MOBILE
    assert not BoardListing.objects.filter(member=quiet).exists()


MINE = {"chen": 200, "dangyuan": 200, "shequ": 404, "zuhu": 404}


@pytest.mark.parametrize("who", list(MINE))
def test_own_settings_grid(login, who):
    client = login(who)
    assert client.get("/party/board/").status_code == MINE[who]
    assert client.get("/api/v1/party/board-listing").status_code == MINE[who]
    if MINE[who] == 404:
        put = client.put("/api/v1/party/board-listing", {"on_board": True, "contact": "none"},
                         content_type="application/json")
        assert put.status_code == 403 and zh(services.NOT_A_MEMBER_BOARD) in put.json()["detail"]


def test_settings_page_needs_login(client):
    assert client.get("/party/board/").status_code == 302


# --- publishing, and the printed board ---------------------------------------------------------------------------------
def test_the_printed_board_names_its_members_and_its_qr_opens_the_verification_page(world):
    import pypdfium2
    import zxingcpp

    anyone = Client()
    publication = BoardPublication.objects.get(estate=estate(PACIFIC), building=building("3"))
    leaf = LogLeaf.objects.get(kind="notice", ref_id=publication.notice_id)
    page = anyone.get(board_url()).content.decode()
    assert f"/board/party/{publication.notice_id}/print.pdf" in page and f"/v/{leaf.index}/" in page
    response = anyone.get(f"/board/party/{publication.notice_id}/print.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    assert pdf[0].get_size() == pytest.approx((595.3, 841.9), abs=1)  # A4
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    assert chen().name in text and mask_phone(chen().phone) in text and silent_member().person.name not in text
    codes = zxingcpp.read_barcodes(pdf[len(pdf) - 1].render(scale=3).to_pil())
    assert len(codes) == 1
    url = urlparse(codes[0].text)
    assert url.path == f"/v/{leaf.index}/"
    verified = anyone.get(f"{url.path}?{url.query}")
    assert verified.status_code == 200
    body = verified.content.decode()
    assert "已验证" in body, body[body.find('data-testid="verdict"'):][:300]
    assert publication.notice.title in body
    full = anyone.get(f"/notices/{publication.notice_id}/").content.decode()  # the verified notice, in full
    assert chen().name in full and mask_phone(chen().phone) in full


def test_an_other_notice_has_no_printed_board(world):
    other = Notice.objects.exclude(pk__in=BoardPublication.objects.values("notice_id")).filter(
        audience="public").first()
    assert Client().get(f"/board/party/{other.pk}/print.pdf").status_code == 404
    assert Client().get("/board/party/999999/print.pdf").status_code == 404


# Who may publish 太平洋花园's board: its party branch secretary (赵) and the community; a property
# manager publishes notices but not the party's board; another estate's resident does not see it.
PUBLISH = {"zhaozhuren": 201, "yanshuji": 201, "shequ": 201, "guanliyuan": 201, "chen": 403, "weiyuan": 403,
           "wangjingli": 403, "wuganbu": 403, "zuhu": 404, "lijing": 404}


@pytest.mark.parametrize("who", list(PUBLISH))
def test_publish_grid(login, who, clock):
    client = login(who)
    notices, publications = Notice.objects.count(), BoardPublication.objects.count()
    got = client.post("/api/v1/party/boards", {"estate_id": estate(PACIFIC).pk, "building_id": building().pk},
                      content_type="application/json")
    assert got.status_code == PUBLISH[who]
    page = client.get(board_url()).content.decode()
    assert ('data-api="board_publish"' in page) == (PUBLISH[who] == 201)
    posted = client.post(board_url(), {"building": building().pk})
    if PUBLISH[who] == 201:
        assert posted.status_code == 302 and posted["Location"] == board_url()
        assert Notice.objects.count() == notices + 2 and BoardPublication.objects.count() == publications + 2
        body = got.json()
        assert body["verify_url"].endswith(f"/v/{body['log_index']}/?h=" + body["verify_url"].split("?h=")[1])
        assert AuditEntry.objects.filter(action="board.publish").count() >= 2
    else:
        assert posted.status_code == 403
        assert Notice.objects.count() == notices and BoardPublication.objects.count() == publications


def test_the_published_notice_holds_only_the_chosen_fields(persona, clock):
    publication = services.board_publish(persona("shequ"), estate_id=estate(PACIFIC).pk, building_id=building().pk)
    notice = publication.notice
    assert notice.audience == "public" and notice.table["columns"] == services.BOARD_COLUMNS
    rows = {r[0]: r for r in notice.table["rows"]}
    assert rows[chen().name][3] == mask_phone(chen().phone) and silent_member().person.name not in rows
    assert LogLeaf.objects.filter(kind="notice", ref_id=notice.pk).exists()


def test_an_empty_board_is_not_published(persona, clock):
    empty = next(b for b in estate(PACIFIC).buildings.order_by("code") if b.code not in ("1", "3"))
    notices = Notice.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.board_publish(persona("shequ"), estate_id=estate(PACIFIC).pk, building_id=empty.pk)
    assert exc.value.message == services.BOARD_EMPTY.format(place=str(empty))
    assert Notice.objects.count() == notices


def test_publishing_refusals(persona, clock):
    with pytest.raises(NotFound):
        services.board_publish(persona("shequ"), estate_id=estate(PACIFIC).pk, building_id=999999)
    with pytest.raises(PermissionDenied) as exc:
        services.board_publish(persona("chen"), estate_id=estate(PACIFIC).pk)
    assert exc.value.message == services.rules.NOT_BOARD_PUBLISHER


def test_a_branch_secretary_who_holds_no_publisher_role_publishes_the_board(login, clock):
    """义乌城's branch secretary is an owner there and nothing more (no committee or staff role, which the
    notices' own rule asks of a publisher): the party's rule lets them publish the estate's board."""
    from gongzhi.bodies.choices import MemberRole
    from gongzhi.bodies.models import Membership, Organisation
    from gongzhi.people import services as people
    from gongzhi.people.choices import MemberStatus

    wang = Person.objects.get(user__username="wangayi")
    Membership.objects.create(organisation=Organisation.objects.get(name="义乌城小区党支部"), person=wang,
                              role=MemberRole.SECRETARY)
    people.party_member_register(None, person_id=wang.pk, status=MemberStatus.RETIRED)
    services.board_listing_set(None, person_id=wang.pk, on_board=True, contact=BoardContact.NONE)
    client = login("wangayi")
    url = f"/board/estates/{estate(YIWU).pk}/party/"
    assert 'data-api="board_publish"' in client.get(url).content.decode()
    posted = client.post(url, {"building": ""})
    assert posted.status_code == 302
    publication = BoardPublication.objects.get(estate=estate(YIWU), building=None)
    assert publication.notice.published_by.username == "wangayi" and wang.name in str(publication.notice.table)
    assert LogLeaf.objects.filter(kind="notice", ref_id=publication.notice_id).exists()
    # The notices' own rule is unchanged: the same owner may not publish an ordinary notice.
    refused = client.post("/api/v1/notices", {"estate_id": estate(YIWU).pk, "kind": "announcement",
                                              "audience": "public", "title": "x", "body": "y"},
                          content_type="application/json")
    assert refused.status_code in (403, 422)
