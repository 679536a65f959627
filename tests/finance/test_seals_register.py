"""Seals in custody: registering a seal with its custodian (and whether it is in the community's 代管箱),
handing it over with both parties signing — the giver asks, only the receiver completes it, never
while the seal is out — and the community's register of every seal and who has it out now. Each
permission cell is one test; another estate's id answers 404 like a missing one."""

import datetime

import pytest

from gongzhi.core import clock
from gongzhi.core import services as core
from gongzhi.core.api_schema import CONTROL_CHARACTERS
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.roles import Role
from gongzhi.finance.choices import HandoverStatus
from gongzhi.finance.models import Seal, SealHandover, SealUse
from gongzhi.finance.services import seals
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")
MISSING = 987654321
OTHER = "育才新村"  # 安和苑社区


def call(client, method, path, body=None):
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", body if body is not None else {}, content_type="application/json")


# --- registering ---------------------------------------------------------------------------------------
# 义乌城小区 has no seal yet; its custodian will be 燕娇 (the community secretary).
REGISTER = [
    ("yanshuji", 201), ("shequ", 201), ("guanliyuan", 201),
    ("zhangjingli", 403), ("wangayi", 403), ("zuhu", 403), ("sunjiancha", 403),
    ("lixiansheng", 404), ("zhaozhuren", 404), ("lijing", 404),
]


@pytest.mark.parametrize(("username", "status"), REGISTER)
def test_who_registers_a_seal(login, persona, username, status):
    yiwu = estate(YIWU)
    answer = call(login(username), "post", f"/estates/{yiwu.pk}/seals",
                  {"kind": "finance", "custodian_id": persona("yanshuji").pk, "kept_by_community": True})
    assert answer.status_code == status, answer.content
    assert Seal.objects.filter(estate=yiwu).exists() == (status == 201)


def test_a_missing_estate_and_another_communitys_estate_answer_alike(login, persona):
    client = login("yanshuji")
    body = {"kind": "finance", "custodian_id": persona("yanshuji").pk}
    other = call(client, "post", f"/estates/{estate(OTHER).pk}/seals", body)
    missing = call(client, "post", f"/estates/{MISSING}/seals", body)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_a_seal_is_registered_once_per_estate_and_kind(persona):
    yan, yiwu = persona("yanshuji"), estate(YIWU)
    seal = seals.seal_register(yan, estate_id=yiwu.pk, kind="committee", custodian_id=yan.pk)
    assert (seal.custodian, seal.kept_by_community) == (yan, True)
    with pytest.raises(WrongState) as exc:
        seals.seal_register(yan, estate_id=yiwu.pk, kind="committee", custodian_id=persona("shequ").pk)
    assert exc.value.message == seals.ALREADY_REGISTERED


@pytest.mark.parametrize(("kind", "custodian", "box", "message"), [
    ("stamp", "yanshuji", True, seals.UNKNOWN_KIND),
    ("finance", "wangayi", False, seals.NOT_A_KEEPER),  # an owner keeps no seal
    ("finance", "lijing", True, seals.NOT_A_KEEPER),  # another community's secretary
    ("finance", "zhaozhuren", True, seals.NOT_A_KEEPER),  # 太平洋花园's chair, not this estate's
])
def test_a_seal_needs_a_known_kind_and_a_keeper_of_the_estate(persona, kind, custodian, box, message):
    with pytest.raises(InvalidInput) as exc:
        seals.seal_register(persona("yanshuji"), estate_id=estate(YIWU).pk, kind=kind,
                            custodian_id=persona(custodian).pk, kept_by_community=box)
    assert exc.value.message == message
    assert not Seal.objects.filter(estate__name=YIWU).exists()


def test_the_committee_keeps_a_seal_only_outside_the_community_box(persona):
    pacific, yan, chair = estate(PACIFIC), persona("yanshuji"), persona("zhaozhuren")
    Seal.objects.filter(estate=pacific, kind="finance").delete()
    with pytest.raises(InvalidInput) as exc:
        seals.seal_register(yan, estate_id=pacific.pk, kind="finance", custodian_id=chair.pk, kept_by_community=True)
    assert exc.value.message == seals.BOX_NEEDS_COMMUNITY
    seal = seals.seal_register(yan, estate_id=pacific.pk, kind="finance", custodian_id=chair.pk,
                               kept_by_community=False)
    assert seal.custodian == chair


def test_the_api_refuses_a_string_id_and_an_unknown_kind(login, persona):
    client, yiwu = login("yanshuji"), estate(YIWU)
    assert call(client, "post", f"/estates/{yiwu.pk}/seals",
                {"kind": "finance", "custodian_id": str(persona("yanshuji").pk)}).status_code == 422
    assert call(client, "post", f"/estates/{yiwu.pk}/seals",
                {"kind": "玉玺", "custodian_id": persona("yanshuji").pk}).status_code == 422
    assert not Seal.objects.filter(estate=yiwu).exists()


def test_the_page_registers_a_seal(login, persona):
    yiwu = estate(YIWU)
    client = login("yanshuji")
    page = client.get(f"/finance/estates/{yiwu.pk}/seals/").content.decode()
    assert 'data-api="seal_register"' in page
    client.post(f"/finance/estates/{yiwu.pk}/seals/", {"action": "seal_register", "kind": "owners_assembly",
                                                       "custodian": persona("shequ").pk, "kept_by_community": "on"})
    seal = Seal.objects.get(estate=yiwu)
    assert (seal.kind, seal.custodian.username, seal.kept_by_community) == ("owners_assembly", "shequ", True)


def test_the_register_form_is_not_offered_to_the_property_company(login):
    page = login("zhangjingli").get(f"/finance/estates/{estate(YIWU).pk}/seals/").content.decode()
    assert 'data-api="seal_register"' not in page


# --- handing over ----------------------------------------------------------------------------------------
def _seal(kind="committee"):
    return Seal.objects.get(estate__name=PACIFIC, kind=kind)  # kept by 燕娇 in the community's box


def test_a_handover_needs_the_receiver_the_giver_alone_cannot_complete_it(persona):
    yan, shequ, seal = persona("yanshuji"), persona("shequ"), _seal()
    handover = seals.seal_handover_request(yan, seal_id=seal.pk, receiver_id=shequ.pk, note="调岗交接")
    seal.refresh_from_db()
    assert seal.custodian == yan and handover.status == HandoverStatus.PENDING  # nothing passed yet
    for not_the_receiver in (yan, persona("guanliyuan"), persona("zhaozhuren")):
        with pytest.raises(PermissionDenied) as exc:
            seals.seal_handover_confirm(not_the_receiver, handover_id=handover.pk)
        assert exc.value.message == seals.ONLY_RECEIVER
    seal.refresh_from_db()
    assert seal.custodian == yan
    seals.seal_handover_confirm(shequ, handover_id=handover.pk)
    seal.refresh_from_db()
    handover.refresh_from_db()
    assert seal.custodian == shequ and handover.status == HandoverStatus.CONFIRMED
    with pytest.raises(WrongState):
        seals.seal_handover_confirm(shequ, handover_id=handover.pk)  # once


def test_only_the_custodian_hands_a_seal_over(persona):
    with pytest.raises(PermissionDenied) as exc:
        seals.seal_handover_request(persona("shequ"), seal_id=_seal().pk, receiver_id=persona("shequ").pk)
    assert exc.value.message == seals.NOT_CUSTODIAN


def _out(persona, seal):
    [use] = seals.seal_use_request(persona("weiyuan"), seal_id=seal.pk, document="物业合同", purpose="续签")
    signers = {Role.COMMITTEE_CHAIR: "zhaozhuren", Role.COMMUNITY_SECRETARY: "yanshuji",
               Role.DISCIPLINE_SUPERVISOR: "sunjiancha"}
    for s in core.Approval.objects.get(pk=use.approval_id).signatures.all():
        core.approval_sign(persona(signers[s.role]), approval_id=use.approval_id, role=s.role)
    return seals.seal_release(persona("yanshuji"), use_id=use.pk)


def test_a_seal_out_with_a_use_cannot_be_handed_over(login, persona):
    seal = _seal()
    _out(persona, seal)
    answer = call(login("yanshuji"), "post", f"/seals/{seal.pk}/handovers", {"receiver_id": persona("shequ").pk})
    assert answer.status_code == 409 and answer.json()["detail"] == seals.SEAL_OUT
    assert not SealHandover.objects.filter(seal=seal).exists()


def test_a_handover_waiting_when_the_seal_went_out_is_confirmed_only_after_it_returns(persona):
    yan, shequ, seal = persona("yanshuji"), persona("shequ"), _seal()
    handover = seals.seal_handover_request(yan, seal_id=seal.pk, receiver_id=shequ.pk)
    use = _out(persona, seal)
    with pytest.raises(WrongState) as exc:
        seals.seal_handover_confirm(shequ, handover_id=handover.pk)
    assert exc.value.message == seals.SEAL_OUT
    seals.seal_return(yan, use_id=use.pk)
    seals.seal_handover_confirm(shequ, handover_id=handover.pk)
    assert Seal.objects.get(pk=seal.pk).custodian == shequ


def test_one_open_handover_per_seal_and_either_party_cancels(persona):
    yan, shequ, seal = persona("yanshuji"), persona("shequ"), _seal()
    first = seals.seal_handover_request(yan, seal_id=seal.pk, receiver_id=shequ.pk)
    with pytest.raises(WrongState) as exc:
        seals.seal_handover_request(yan, seal_id=seal.pk, receiver_id=shequ.pk)
    assert exc.value.message == seals.HANDOVER_OPEN
    with pytest.raises(PermissionDenied):
        seals.seal_handover_cancel(persona("zhaozhuren"), handover_id=first.pk)
    seals.seal_handover_cancel(shequ, handover_id=first.pk)  # the receiver declines
    assert SealHandover.objects.get(pk=first.pk).status == HandoverStatus.CANCELLED
    assert Seal.objects.get(pk=seal.pk).custodian == yan


@pytest.mark.parametrize(("receiver", "box", "message"), [
    ("yanshuji", None, seals.SAME_CUSTODIAN),
    ("zhaozhuren", None, seals.BOX_NEEDS_COMMUNITY),  # the seal stays in the box: community staff keep it
    ("wangayi", False, seals.NOT_A_KEEPER),
    ("lijing", None, seals.NOT_A_KEEPER),
])
def test_a_handover_names_a_keeper_of_the_estate(persona, receiver, box, message):
    with pytest.raises(InvalidInput) as exc:
        seals.seal_handover_request(persona("yanshuji"), seal_id=_seal().pk, receiver_id=persona(receiver).pk,
                                    kept_by_community=box)
    assert exc.value.message == message
    assert not SealHandover.objects.exists()


def test_the_committee_takes_a_seal_out_of_the_box_with_both_signatures(persona):
    yan, chair, seal = persona("yanshuji"), persona("zhaozhuren"), _seal()
    handover = seals.seal_handover_request(yan, seal_id=seal.pk, receiver_id=chair.pk, kept_by_community=False)
    seals.seal_handover_confirm(chair, handover_id=handover.pk)
    seal.refresh_from_db()
    assert (seal.custodian, seal.kept_by_community) == (chair, False)


def test_a_handover_note_refuses_control_characters(persona):
    with pytest.raises(InvalidInput) as exc:
        seals.seal_handover_request(persona("yanshuji"), seal_id=_seal().pk, receiver_id=persona("shequ").pk,
                                    note="交接\x00")
    assert exc.value.message == CONTROL_CHARACTERS


HANDOVER_REQUEST = [("yanshuji", 201), ("shequ", 403), ("zhaozhuren", 403), ("wangayi", 404), ("lijing", 404)]


@pytest.mark.parametrize(("username", "status"), HANDOVER_REQUEST)
def test_who_hands_a_seal_over(login, persona, username, status):
    answer = call(login(username), "post", f"/seals/{_seal().pk}/handovers", {"receiver_id": persona("shequ").pk})
    assert answer.status_code == status, answer.content


HANDOVER_CONFIRM = [("shequ", 200), ("yanshuji", 403), ("guanliyuan", 403), ("zhaozhuren", 403), ("lijing", 404),
                    ("wangayi", 404)]


@pytest.mark.parametrize(("username", "status"), HANDOVER_CONFIRM)
def test_who_confirms_a_handover(login, persona, username, status):
    handover = seals.seal_handover_request(persona("yanshuji"), seal_id=_seal().pk, receiver_id=persona("shequ").pk)
    answer = call(login(username), "post", f"/seal-handovers/{handover.pk}/confirm")
    assert answer.status_code == status, answer.content
    assert (Seal.objects.get(pk=_seal().pk).custodian.username == "shequ") == (status == 200)


def test_the_page_offers_confirmation_to_the_receiver_only(login, persona):
    handover = seals.seal_handover_request(persona("yanshuji"), seal_id=_seal().pk, receiver_id=persona("shequ").pk)
    url = f"/finance/estates/{estate(PACIFIC).pk}/seals/"
    assert 'data-api="seal_handover_confirm"' not in login("yanshuji").get(url).content.decode()
    client = login("shequ")
    assert 'data-api="seal_handover_confirm"' in client.get(url).content.decode()
    client.post(url, {"action": "handover_confirm", "handover": handover.pk})
    assert Seal.objects.get(pk=_seal().pk).custodian.username == "shequ"


# --- the community's register ----------------------------------------------------------------------------
def test_the_register_lists_every_seal_its_custodian_and_who_has_it_out_since_when(login, persona):
    seal = _seal()
    use = _out(persona, seal)
    mingfu = estate(PACIFIC).community
    page = login("yanshuji").get(f"/finance/communities/{mingfu.pk}/seals/")
    assert page.status_code == 200
    html = page.content.decode()
    for s in Seal.objects.filter(estate__community=mingfu):
        assert s.get_kind_display() in html
    assert use.document in html and clock.local(SealUse.objects.get(pk=use.pk).released_at).strftime("%Y-%m-%d %H:%M") in html
    rows = call(login("yanshuji"), "get", f"/communities/{mingfu.pk}/seals").json()["items"]
    out = next(r for r in rows if r["id"] == seal.pk)
    assert out["out_with_use_id"] == use.pk and out["out_since"] is not None and out["custodian_name"] == "燕娇"


REGISTER_PAGE = [("yanshuji", 200), ("shequ", 200), ("sunjiancha", 200), ("wuganbu", 200), ("guanliyuan", 200),
                 ("zhaozhuren", 403), ("wangjingli", 403), ("wangayi", 403), ("lijing", 404)]


@pytest.mark.parametrize(("username", "status"), REGISTER_PAGE)
def test_who_reads_the_community_register(login, username, status):
    mingfu = estate(PACIFIC).community
    assert login(username).get(f"/finance/communities/{mingfu.pk}/seals/").status_code == status
    assert call(login(username), "get", f"/communities/{mingfu.pk}/seals").status_code == status


def test_a_missing_community_is_like_one_out_of_sight(login):
    client = login("yanshuji")
    assert client.get(f"/finance/communities/{MISSING}/seals/").status_code == 404
    assert client.get(f"/finance/communities/{estate(OTHER).community_id}/seals/").status_code == 404


def test_the_handover_time_is_the_clocks(persona, clock):
    clock.set("2026-06-01 09:30")
    handover = seals.seal_handover_request(persona("yanshuji"), seal_id=_seal().pk, receiver_id=persona("shequ").pk)
    clock.set("2026-06-02 10:00")
    seals.seal_handover_confirm(persona("shequ"), handover_id=handover.pk)
    seal = _seal()
    assert seal.custodian_since == clock.now
    assert SealHandover.objects.get(pk=handover.pk).requested_at < seal.custodian_since
    assert seal.custodian_since - SealHandover.objects.get(pk=handover.pk).requested_at > datetime.timedelta(hours=24)
