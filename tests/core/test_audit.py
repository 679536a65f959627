"""Every service leaves an audit record (actor, time, action, subject, before/after); the trail
is append-only and can be browsed by administrators and discipline supervisors only."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.utils import DatabaseError

from gongzhi.bodies import services as bodies
from gongzhi.bodies.models import MemberRole, Organisation, OrgKind
from gongzhi.core import services as core
from gongzhi.core.models import AuditEntry
from gongzhi.core.roles import Role
from gongzhi.people import services as people
from gongzhi.places import ledger
from gongzhi.places import services as places
from gongzhi.places.models import Grid
from tests.helpers import PACIFIC, YIWU, estate, unit


def last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-id").first()


def run_each_service(persona):
    admin, yan, zhao = persona("guanliyuan"), persona("yanshuji"), persona("zhaozhuren")
    yiwu, pacific = estate(YIWU), estate(PACIFIC)
    mingfu = yiwu.community
    user = get_user_model().objects.create_user("audit-user", password="x")
    yield "role.assign", lambda: people.role_assign(admin, user_id=user.pk, role=Role.RESIDENT, anchor_field="unit",
                                                    anchor_id=unit(YIWU, "1-1-102").pk)
    yield "role.revoke", lambda: people.role_revoke(admin, assignment_id=user.role_assignments.get().pk)
    yield "grid.create", lambda: places.place_create(admin, kind="grid", name="第三网格", parent_id=mingfu.pk)
    yield "estate.update", lambda: places.estate_update(admin, estate_id=yiwu.pk, household_count=3010)
    person = {}
    yield "person.create", lambda: person.setdefault("p", people.person_create(admin, name="新人",
                                                                               community_id=mingfu.pk))
    yield "residency.add", lambda: people.residency_add(admin, person_id=person["p"].pk,
                                                        unit_id=unit(YIWU, "1-1-102").pk, relation="tenant")
    yield "person.link_user", lambda: people.person_link_user(admin, person_id=person["p"].pk, user_id=user.pk)
    yield "party_member.register", lambda: people.party_member_register(admin, person_id=person["p"].pk,
                                                                        status="retired", community_id=mingfu.pk)
    org = {}
    yield "organisation.create", lambda: org.setdefault("o", bodies.organisation_create(
        yan, kind=OrgKind.SUPERVISORY_COMMITTEE, name="义乌城业主监督委员会", estate_id=yiwu.pk))
    owners = [unit(YIWU, c).ownerships.get().person for c in ("1-1-103", "1-1-104", "1-1-105")]
    yield "organisation.seat", lambda: bodies.committee_seat(
        yan, organisation_id=org["o"].pk, term_start=datetime.date(2025, 1, 1), term_end=datetime.date(2028, 1, 1),
        members=[(owners[0].pk, MemberRole.CHAIR)] + [(p.pk, MemberRole.MEMBER) for p in owners[1:]])
    party = Organisation.objects.get(name="明福社区党总支")
    yield "agreement.sign", lambda: bodies.agreement_sign(yan, party_organisation_id=party.pk, partner_id=org["o"].pk,
                                                          signed_on=datetime.date(2025, 1, 1))
    company = Organisation.objects.get(name="太平洋物业服务有限公司")
    yield "service_contract.create", lambda: bodies.service_contract_create(yan, estate_id=pacific.pk,
                                                                            company_id=company.pk)
    approval = {}
    yield "approval.create", lambda: approval.setdefault("a", core.approval_create(
        persona("weiyuan"), estate_id=pacific.pk, title="审计测试", roles=[Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY]))
    yield "approval.sign", lambda: core.approval_sign(zhao, approval_id=approval["a"].pk, role=Role.COMMITTEE_CHAIR)
    yield "approval.reject", lambda: core.approval_reject(yan, approval_id=approval["a"].pk, comment="不同意")
    yield "approval.rejected", lambda: None
    yield "grid.update", lambda: core.record_save(admin, Grid.objects.get(name="第三网格"), scope_ids=(None, mingfu.pk))
    yield "grid.delete", lambda: core.record_delete(admin, Grid.objects.get(name="第三网格"), scope_ids=(None, mingfu.pk))
    rows = ledger.parse_rows([["小区", "楼栋", "房号", "建筑面积", "业主姓名"], ["审计苑", "1", "1-101", "50", "某"]],
                             community_name="明福社区")
    yield "ledger.import", lambda: ledger.ledger_import(persona("shequ"), rows=rows)
    yield "api_token.create", lambda: core.api_token_create(admin, name="t")


def test_every_service_leaves_an_audit_record(persona):
    for action, call in run_each_service(persona):
        before = AuditEntry.objects.filter(action=action).count()
        call()
        entry = last(action)
        assert entry is not None and AuditEntry.objects.filter(action=action).count() >= max(before, 1), action
        assert entry.subject_type and entry.subject_id, action
        assert entry.before is not None or entry.after is not None, action


def test_audit_has_before_and_after(persona):
    yiwu = estate(YIWU)
    places.estate_update(persona("guanliyuan"), estate_id=yiwu.pk, household_count=2999)
    entry = last("estate.update")
    assert entry.before["household_count"] == 3000 and entry.after["household_count"] == 2999
    assert entry.actor_name == "guanliyuan" and entry.estate_id == yiwu.pk


def test_failed_service_leaves_nothing(persona):
    count = AuditEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 — any refusal; what matters is that nothing was written
        places.estate_update(persona("wangayi"), estate_id=estate(YIWU).pk, household_count=1)
    assert AuditEntry.objects.count() == count
    assert estate(YIWU).household_count == 3000


def test_audit_rows_cannot_be_changed(world):
    entry = AuditEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()


def test_audit_page_for_supervisor_filtered_to_scope(login):
    client = login("sunjiancha")
    response = client.get("/audit/?action=approval")
    assert response.status_code == 200
    entries = list(response.context["page"])
    assert entries and all(e.action.startswith("approval") for e in entries)
    in_scope = {estate(YIWU).pk, estate(PACIFIC).pk} | set(
        estate(YIWU).community.subdistrict.communities.get(name="安和苑社区").estates.values_list("pk", flat=True))
    assert all(e.estate_id in in_scope for e in entries if e.estate_id)


@pytest.mark.parametrize("url", ["/audit/", "/api/v1/audit"])
@pytest.mark.parametrize("username", ["wangayi", "zhangjingli", "yanshuji"])
def test_audit_hidden_from_other_roles(login, username, url):
    assert login(username).get(url).status_code == 403


def test_supervisor_of_other_community_sees_none_of_its_trail(login, persona):
    other = get_user_model().objects.create_user("sup-wenchang", password="x")
    wenchang = estate("文昌花园").community
    people.role_assign(None, user_id=other.pk, role=Role.DISCIPLINE_SUPERVISOR, anchor_field="community",
                       anchor_id=wenchang.pk)
    client = login("sup-wenchang")
    data = client.get(f"/api/v1/audit?estate_id={estate(PACIFIC).pk}").json()
    assert data["count"] == 0


def test_audit_output_masks_personal_data(login, persona):
    person = people.person_create(persona("guanliyuan"), name="审计遮蔽", phone="13812345678",
                                  id_number="11010519491231002X", community_id=estate(YIWU).community_id)
    people.residency_add(persona("guanliyuan"), person_id=person.pk, unit_id=unit(YIWU, "1-1-102").pk,
                         relation="tenant")
    # the discipline supervisor sees that the record was made, not the phone or the ID number
    page = login("sunjiancha").get("/audit/?action=person.create").content.decode()
    assert "审计遮蔽" in page and "13812345678" not in page and "138****5678" in page
    assert "11010519491231002X" not in page
    api = login("sunjiancha").get("/api/v1/audit?action=person.create").json()["items"]
    assert api and api[0]["after"]["phone"] == "138****5678"
    # the administrator, whose role needs them, sees them
    assert "13812345678" in login("guanliyuan").get("/audit/?action=person.create").content.decode()


def test_audit_export_is_filtered_and_masked(login, persona):
    import io

    from openpyxl import load_workbook

    people.person_create(persona("guanliyuan"), name="导出遮蔽", phone="13912345678",
                         community_id=estate(YIWU).community_id)
    response = login("sunjiancha").get("/audit/export.xlsx?action=person.create")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "角色", "操作")
    assert rows[1:] and all(r[3] == "新建人员" for r in rows[1:])
    phone = next(r for r in rows[1:] if r[8] == "联系电话")
    assert phone[10] == "139****5678" and not any("13912345678" in str(c) for r in rows for c in r)
    assert login("wangayi").get("/audit/export.xlsx").status_code == 403
