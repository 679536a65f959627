"""The transparency log end to end: HTTP endpoints, proofs checked by the verifier, the `gongzhi
verify` CLI, `verify --all` catching edits made behind the application's back, signed-head
rotation, and the printed notice's QR code round trip."""

import datetime
import io
import json
import re
from urllib.parse import urlparse

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import DatabaseError, transaction

from gongzhi.core import services as core
from gongzhi.core.files import Upload
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.notices import documents, log, merkle, printing, rebuild, services, verification
from gongzhi.notices.formats import head_message
from gongzhi.notices.models import LogKey, LogLeaf, LogNode, Notice, NoticeAttachment, SignedTreeHead
from gongzhi.notices.rebuild import verify_all
from tests.helpers import PACIFIC, behind_the_applications_back, estate, run_command

pytestmark = pytest.mark.usefixtures("world")


def keys_json(client) -> str:
    return json.dumps(client.get("/api/v1/log/keys").json())


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False))
    return str(path)


def run_verify(*args) -> tuple[int, str]:
    code, out, err = run_command("verify", *args)
    return code, out + err


# --- HTTP endpoints ------------------------------------------------------------------------------
def test_head_proofs_and_entries_over_http_verify_independently(client):
    head = client.get("/api/v1/log/head").json()
    keys = verification.load_keys(keys_json(client))
    size, root = verification.check_head(head, keys)
    assert size == LogLeaf.objects.count()
    for index in range(size):
        proof = client.get(f"/api/v1/log/proof/inclusion?index={index}").json()
        assert verification.check_inclusion(proof, head, keys) == index
    entries = client.get(f"/api/v1/log/entries?start=0&end={size}").json()
    assert [e["index"] for e in entries] == list(range(size))
    tree = merkle.CompactTree()
    for e in entries:
        tree.append(bytes.fromhex(e["leaf_hash"]))
        if e["entry"] is not None:
            assert merkle.leaf_hash(e["entry"].encode()).hex() == e["leaf_hash"]
    assert tree.root() == root


def test_entries_show_text_only_to_those_who_may_see_the_record(client, login):
    anonymous = {e["index"]: e for e in client.get("/api/v1/log/entries?start=0&end=6").json()}
    private = LogLeaf.objects.get(kind="notice", ref_id=Notice.objects.get(title__startswith="关于续聘").pk)
    approval = LogLeaf.objects.get(kind="approval", index__lt=6)
    public = LogLeaf.objects.get(kind="notice", ref_id=Notice.objects.get(title="明福社区红色物业联席会议公告").pk)
    assert anonymous[private.index]["entry"] is None and anonymous[private.index]["leaf_hash"]
    assert anonymous[approval.index]["entry"] is None
    assert anonymous[public.index]["entry"] == public.entry
    owner = {e["index"]: e for e in login("lixiansheng").get("/api/v1/log/entries?start=0&end=6").json()}
    assert owner[private.index]["entry"] == private.entry
    assert owner[approval.index]["entry"] is None  # approvals are for the estate's staff
    staff = {e["index"]: e for e in login("yanshuji").get("/api/v1/log/entries?start=0&end=6").json()}
    assert staff[approval.index]["entry"] == approval.entry


def test_log_endpoints_refuse_bad_ranges(client):
    size = LogLeaf.objects.count()
    assert client.get(f"/api/v1/log/proof/inclusion?index={size}").status_code == 400
    assert client.get(f"/api/v1/log/proof/inclusion?index=0&tree_size={size + 1}").status_code == 400
    assert client.get("/api/v1/log/proof/inclusion?index=-1").status_code == 422
    assert client.get("/api/v1/log/proof/consistency?first=3&second=2").status_code == 400
    assert client.get("/api/v1/log/entries?start=5&end=5").status_code == 400
    assert client.get("/api/v1/log/entries?start=0&end=5000").status_code == 400
    assert client.put("/api/v1/log/head").status_code == 405
    assert client.delete("/api/v1/log/heads").status_code == 405


@pytest.mark.parametrize("who, status", [(None, 401), ("wangayi", 403), ("sunjiancha", 201)])
def test_on_demand_head_needs_a_staff_role(client, login, who, status):
    before = SignedTreeHead.objects.count()
    response = (login(who) if who else client).post("/api/v1/log/heads")
    assert response.status_code == status
    assert SignedTreeHead.objects.count() == before + (status == 201)


def test_completed_approval_is_published_rejected_one_is_not(persona):
    pacific = estate(PACIFIC)
    roles = [Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY]
    done = core.approval_create(persona("weiyuan"), estate_id=pacific.pk, title="维修基金使用", roles=roles)
    core.approval_sign(persona("zhaozhuren"), approval_id=done.pk, role=Role.COMMITTEE_CHAIR)
    assert not LogLeaf.objects.filter(kind="approval", ref_id=done.pk).exists()  # not complete yet
    core.approval_sign(persona("yanshuji"), approval_id=done.pk)
    leaf = LogLeaf.objects.get(kind="approval", ref_id=done.pk)
    entry = json.loads(leaf.entry)["content"]
    assert entry["status"] == "approved" and [s["decision"] for s in entry["signatures"]] == ["signed", "signed"]
    rejected = core.approval_create(persona("zhaozhuren"), estate_id=pacific.pk, title="不合规支出", roles=roles)
    core.approval_reject(persona("yanshuji"), approval_id=rejected.pk, comment="票据不全")
    assert not LogLeaf.objects.filter(kind="approval", ref_id=rejected.pk).exists()
    assert verify_all().ok


# --- the CLI -------------------------------------------------------------------------------------
def test_cli_verifies_a_notice_file_and_catches_a_one_character_change(client, tmp_path):
    notice = Notice.objects.get(title="明福社区红色物业联席会议公告")
    document = client.get(f"/notices/{notice.pk}/notice.json").json()
    pem = client.get(f"/log/keys/{LogKey.objects.get().key_id}.pem").content.decode()
    key = write(tmp_path, "key.pem", pem)
    code, output = run_verify(write(tmp_path, "notice.json", document), "--key", key)
    assert code == 0, output
    assert "已验证" in output and notice.title in output

    altered = dict(document, entry=document["entry"].replace("25 日", "26 日"))
    code, output = run_verify(write(tmp_path, "altered.json", altered), "--key", key)
    assert code == 1 and merkle.INCLUSION_MISMATCH in output

    spaced = dict(document, entry=document["entry"].replace(":", ": ", 1))
    code, output = run_verify(write(tmp_path, "spaced.json", spaced), "--key", key)
    assert code == 1 and verification.NOT_CANONICAL in output

    truncated = dict(document, inclusion={**document["inclusion"], "proof": document["inclusion"]["proof"][:-1]})
    code, output = run_verify(write(tmp_path, "truncated.json", truncated), "--key", key)
    assert code == 1 and merkle.PROOF_INCOMPLETE in output

    code, output = run_verify(write(tmp_path, "garbage.json", "{not json"), "--key", key)
    assert code == 1 and "不是 JSON" in output


def test_cli_rejects_a_head_signed_with_another_key(client, tmp_path):
    notice = Notice.objects.get(title="明福社区红色物业联席会议公告")
    document = client.get(f"/notices/{notice.pk}/notice.json").json()
    head = document["head"]
    forger = Ed25519PrivateKey.generate()
    forged = dict(head, signature=forger.sign(head_message(head["tree_size"], head["timestamp"],
                                                           bytes.fromhex(head["root_hash"]))).hex())
    key = write(tmp_path, "keys.json", keys_json(client))
    code, output = run_verify(write(tmp_path, "forged.json", dict(document, head=forged)), "--key", key)
    assert code == 1 and verification.BAD_SIGNATURE in output
    # the forger's own key, offered as if published, is not the log's key
    from gongzhi.notices.formats import key_id_of
    from gongzhi.notices.keys import public_raw

    forged_raw = public_raw(forger.public_key())
    forged_head = dict(forged, key_id=key_id_of(forged_raw))
    code, output = run_verify(write(tmp_path, "forged2.json", dict(document, head=forged_head)), "--key", key)
    assert code == 1 and verification.UNKNOWN_KEY.split("（")[0] in output


def test_cli_checks_inclusion_and_consistency_proofs_against_given_heads(client, persona, tmp_path):
    key = write(tmp_path, "keys.json", keys_json(client))
    old_head = client.get("/api/v1/log/head").json()
    for i in range(3):
        services.notice_publish(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, kind="announcement",
                                audience="public", title=f"新公示 {i}", body="内容")
    new_head = client.get("/api/v1/log/head").json()
    assert new_head["tree_size"] == old_head["tree_size"] + 3
    old, new = write(tmp_path, "old.json", old_head), write(tmp_path, "new.json", new_head)

    consistency = client.get(
        f"/api/v1/log/proof/consistency?first={old_head['tree_size']}&second={new_head['tree_size']}").json()
    code, output = run_verify(write(tmp_path, "c.json", consistency), "--old-head", old, "--head", new, "--key", key)
    assert code == 0, output
    forged = dict(consistency, proof=[bytes(32).hex()] + consistency["proof"][1:])
    code, output = run_verify(write(tmp_path, "cf.json", forged), "--old-head", old, "--head", new, "--key", key)
    assert code == 1

    inclusion = client.get(f"/api/v1/log/proof/inclusion?index=2&tree_size={new_head['tree_size']}").json()
    code, output = run_verify(write(tmp_path, "i.json", inclusion), "--head", new, "--key", key)
    assert code == 0, output
    code, output = run_verify(write(tmp_path, "i.json", inclusion), "--head", old, "--key", key)
    other_head = verification.HEAD_MISMATCH.format(proof_size=new_head["tree_size"], head_size=old_head["tree_size"])
    assert code == 1 and other_head in output  # a proof for one head, checked against another
    truncated = dict(inclusion, proof=inclusion["proof"][:-1])
    code, output = run_verify(write(tmp_path, "it.json", truncated), "--head", new, "--key", key)
    assert code == 1 and merkle.PROOF_INCOMPLETE in output


# --- verify --all --------------------------------------------------------------------------------
def test_verify_all_passes_on_an_untouched_log():
    code, output = run_verify("--all")
    assert code == 0, output
    assert "日志完整" in output


def test_verify_all_reports_a_notice_edited_in_the_database():
    notice = Notice.objects.get(title="明福社区红色物业联席会议公告")
    index = LogLeaf.objects.get(kind="notice", ref_id=notice.pk).index
    with behind_the_applications_back() as cursor:
        cursor.execute("UPDATE notices_notice SET body = %s WHERE id = %s", ["本月 26 日下午召开。", notice.pk])
    report = verify_all()
    assert [(p.index, p.kind, p.ref_id) for p in report.problems if p.index is not None] == [
        (index, "notice", notice.pk)]
    assert any(rebuild.RECORD_CHANGED in p.message for p in report.problems)
    root_differs = rebuild.HEAD_ROOT.split("）")[1].split(" / ")[0]  # the rebuilt tree no longer matches the heads
    assert any(root_differs in p.message for p in report.problems)
    code, output = run_verify("--all")
    assert code == 1 and f"#{index} notice:{notice.pk}" in output


def test_verify_all_reports_an_edited_log_entry():
    with behind_the_applications_back() as cursor:
        cursor.execute("UPDATE notices_logleaf SET entry = %s WHERE \"index\" = 1", ['{"forged":true}'])
    problems = [str(p) for p in verify_all().problems]
    assert any(p.startswith("#1 ") and rebuild.ENTRY_CHANGED in p for p in problems)
    assert any(p.startswith("#1 ") and rebuild.RECORD_CHANGED in p for p in problems)


def test_verify_all_reports_a_changed_tree_node():
    with behind_the_applications_back() as cursor:
        cursor.execute("UPDATE notices_lognode SET hash = %s WHERE key = %s", [bytes(32), LogNode.key_of(1, 0)])
    problems = [str(p) for p in verify_all().problems]
    assert problems == [f"node — {rebuild.NODE_CHANGED} (level 1, #0)"]


def test_verify_all_reports_a_removed_leaf():
    with behind_the_applications_back() as cursor:
        cursor.execute("DELETE FROM notices_logleaf WHERE \"index\" = 2")
    problems = [str(p) for p in verify_all().problems]
    assert any(rebuild.LEAF_MISSING.split("–")[0].format(start=2) in p for p in problems)


def test_verify_all_reports_an_attachment_file_swapped_on_disk(persona):
    notice = services.notice_publish(
        persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, kind="financial", audience="public",
        title="发票", body="附发票", attachments=[Upload("发票.pdf", b"%PDF-1.4 original")])
    attachment = NoticeAttachment.objects.get(notice=notice)
    assert verify_all().ok
    with open(attachment.file.path, "wb") as handle:
        handle.write(b"%PDF-1.4 swapped")
    problems = [str(p) for p in verify_all().problems]
    assert len(problems) == 1
    assert problems[0].startswith(f"attachment:{notice.pk} — {rebuild.FILE_CHANGED.format(name='发票.pdf')}")


# --- signed heads over time ---------------------------------------------------------------------
def test_key_rotation_old_heads_stay_verifiable_new_heads_use_the_new_key(client, persona):
    old_key = LogKey.objects.get()
    old_head = client.get("/api/v1/log/head").json()
    with pytest.raises(Exception, match=re.escape(services.NOT_ADMINISTRATOR)):
        services.log_key_rotate(persona("guanliyuan"))
    head = services.log_key_rotate(None)
    assert head.key_id != old_key.key_id
    old_key.refresh_from_db()
    assert old_key.retired_at is not None
    keys = verification.load_keys(keys_json(client))
    assert set(keys) == {old_key.key_id, head.key_id}
    verification.check_head(old_head, keys)  # the retired key still checks the heads it signed
    new_head = client.get("/api/v1/log/head").json()
    assert new_head["key_id"] == head.key_id
    verification.check_head(new_head, keys)
    with pytest.raises(verification.VerificationError, match=re.escape(verification.BAD_SIGNATURE)):
        verification.check_head(dict(old_head, key_id=head.key_id), keys)
    consistency = client.get(
        f"/api/v1/log/proof/consistency?first={old_head['tree_size']}&second={new_head['tree_size']}").json()
    verification.check_consistency(consistency, old_head, new_head, keys)
    services.notice_publish(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, kind="announcement",
                            audience="public", title="轮换后", body="内容")
    assert SignedTreeHead.objects.order_by("-timestamp").first().key_id == head.key_id
    assert verify_all().ok
    assert AuditEntry.objects.filter(action="log.key_rotate").count() == 1


def test_a_retired_key_row_cannot_be_revived():
    key = LogKey.objects.get()
    LogKey.objects.filter(pk=key.pk).update(retired_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(DatabaseError), transaction.atomic():
        LogKey.objects.filter(pk=key.pk).update(retired_at=None)


def test_heads_are_signed_when_due(settings, persona):
    settings.GONGZHI_LOG_HEAD_INTERVAL_SECONDS = 3600
    log.head_sign()
    assert log.head_sign_if_due() is None  # fresh, and the log has not grown
    latest = log.latest_head()
    settings.GONGZHI_LOG_HEAD_INTERVAL_SECONDS = 0
    due = log.head_sign_if_due()
    assert due is not None and due.timestamp > latest.timestamp and due.tree_size == latest.tree_size
    settings.GONGZHI_LOG_HEAD_INTERVAL_SECONDS = 3600
    services.notice_publish(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, kind="announcement",
                            audience="public", title="增长", body="内容")
    out = io.StringIO()
    call_command("log_sign_head", stdout=out)
    assert "树头仍然新鲜" in out.getvalue()  # publishing signed a head already
    assert log.latest_head().tree_size == LogLeaf.objects.count()


# --- the printed notice and its QR code ----------------------------------------------------------
def test_pdf_qr_code_opens_the_verification_page(client):
    import pypdfium2
    import zxingcpp

    notice = Notice.objects.get(title="【更正】太平洋花园2026年第三季度公共收益收支公示")
    leaf = LogLeaf.objects.get(kind="notice", ref_id=notice.pk)
    response = client.get(f"/notices/{notice.pk}/print.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    page = pdf[0]
    assert page.get_size() == pytest.approx((595.3, 841.9), abs=1)  # A4 in points
    text = page.get_textpage().get_text_range()
    assert notice.title in text and "绿化补植" in text and f"#{leaf.index}" in text  # Chinese, the table, the index
    image = page.render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    url = urlparse(codes[0].text)
    assert url.path == f"/v/{leaf.index}/"
    verified = client.get(f"{url.path}?{url.query}").content.decode()
    assert "已验证" in verified and notice.title in verified
    assert bytes(leaf.leaf_hash).hex() in verified


def test_pdf_refuses_clearly_without_a_chinese_font(client, monkeypatch):
    monkeypatch.setattr(printing, "cjk_font_families", lambda: ())
    notice = Notice.objects.get(title="明福社区红色物业联席会议公告")
    response = client.get(f"/notices/{notice.pk}/print.pdf")
    assert response.status_code == 409
    assert printing.NO_CJK_FONT in response.content.decode()


def test_verification_page_rejects_a_forged_fingerprint_and_a_tampered_record(client):
    notice = Notice.objects.get(title="明福社区红色物业联席会议公告")
    leaf = LogLeaf.objects.get(kind="notice", ref_id=notice.pk)
    good = client.get(f"/v/{leaf.index}/?h={bytes(leaf.leaf_hash).hex()}").content.decode()
    assert "已验证" in good and "验证失败" not in good
    forged = client.get(f"/v/{leaf.index}/?h={'0' * 64}").content.decode()
    assert "验证失败" in forged and documents.PRINT_MISMATCH.split(" /")[0] in forged
    with behind_the_applications_back() as cursor:
        cursor.execute("UPDATE notices_notice SET title = %s WHERE id = %s", ["改过的公告", notice.pk])
    tampered = client.get(f"/v/{leaf.index}/?h={bytes(leaf.leaf_hash).hex()}").content.decode()
    assert "验证失败" in tampered and documents.RECORD_ALTERED.split("，")[0] in tampered
    assert client.get("/v/99999/").status_code == 404


def test_verification_page_of_a_private_notice_hides_its_content(client, login):
    notice = Notice.objects.get(title__startswith="关于续聘")
    leaf = LogLeaf.objects.get(kind="notice", ref_id=notice.pk)
    page = client.get(f"/v/{leaf.index}/").content.decode()
    assert "已验证" in page and notice.title not in page and "登录后查看" in page
    assert notice.title in login("lixiansheng").get(f"/v/{leaf.index}/").content.decode()


def test_verification_page_warns_that_a_notice_was_corrected(client):
    original = Notice.objects.get(title="太平洋花园2026年第三季度公共收益收支公示")
    leaf = LogLeaf.objects.get(kind="notice", ref_id=original.pk)
    page = client.get(f"/v/{leaf.index}/").content.decode()
    assert "已验证" in page and "已被更正" in page


def test_public_log_page_and_key_download(client):
    page = client.get("/log/").content.decode()
    head = SignedTreeHead.objects.order_by("-tree_size", "-timestamp").first()
    assert bytes(head.root_hash).hex() in page
    assert "内容不公开" in page
    key = LogKey.objects.get()
    pem = client.get(f"/log/keys/{key.key_id}.pem").content
    assert verification.load_keys(pem) == {key.key_id: bytes(key.public_key)}
    assert client.get("/log/keys/nokey.pem").status_code == 404


# --- the stored log against the reference ---------------------------------------------------------
def _ref_root(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split_point(len(leaves))
    return merkle.node_hash(_ref_root(leaves[:k]), _ref_root(leaves[k:]))


def test_stored_log_answers_every_proof_up_to_64_leaves(persona):
    chair = persona("zhaozhuren")
    existing = LogLeaf.objects.count()
    notices = [Notice.objects.create(
        kind="announcement", audience="public", title=f"第 {i} 号", body="正文", issuer="业委会",
        estate=estate(PACIFIC), community_id=estate(PACIFIC).community_id, published_by=chair,
    ) for i in range(max(0, 64 - existing))]  # the demo may already hold more
    log.publish_many("notice", notices)
    hashes = [bytes(h) for h in LogLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)]
    assert len(hashes) >= 64
    for size in range(1, 65):
        root = _ref_root(hashes[:size])
        assert log.root_at(size) == root
        for index in range(size):
            merkle.verify_inclusion(index, size, hashes[index], log.inclusion_proof(index, size), root)
        for first in range(1, size + 1):
            merkle.verify_consistency(first, size, _ref_root(hashes[:first]), root, log.consistency_proof(first, size))


def test_a_rolled_back_change_leaves_no_leaf(persona):
    size, heads = LogLeaf.objects.count(), SignedTreeHead.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notice_publish(persona("zhaozhuren"), estate_id=estate(PACIFIC).pk, kind="announcement",
                                audience="public", title="撤回的", body="内容")
        raise RuntimeError("the caller's own change failed after publishing")
    assert LogLeaf.objects.count() == size and SignedTreeHead.objects.count() == heads
    assert log.log_size() == size
    assert verify_all().ok
