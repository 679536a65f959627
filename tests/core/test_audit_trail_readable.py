"""The audit trail as the discipline supervisor reads it (issue 17, item 6): each action and kind of
record in Chinese, the actor by name and role, local time, the estate by name, the change as a
before/after table with field labels and 元; filters by person name, estate, action, record and local
dates (the query the money pages link with); the same rows exported, masked; no N+1."""

import ast
import datetime
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongzhi.core import clock as kernel_clock
from gongzhi.core import services as core
from gongzhi.core.audit import audit_record
from gongzhi.core.models import AuditEntry
from gongzhi.core.registry import audit_action_label, audit_actions
from gongzhi.core.roles import Role
from gongzhi.finance.services import expenses
from gongzhi.people import services as people
from gongzhi.people.models import Person
from tests.helpers import PACIFIC, YIWU, estate

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
CJK = re.compile(r"[\u4e00-\u9fff]")
EDGE_ID = "990017"  # the subject id of the rows these tests write themselves


class _Text(HTMLParser):
    """What a reader sees of a page: its text, not its markup or attribute values."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return "".join(reader.parts)


def rows_of(response) -> list:
    assert response.status_code == 200, response.status_code
    return list(response.context["page"])


def entry(*, at, estate_id, action="case.close", subject_type="finance.accountabilitycase", actor=None,
          before=None, after=None, community_id=None, actor_role="") -> AuditEntry:
    return AuditEntry.objects.create(
        at=at, actor=actor, actor_name=actor.get_username() if actor else "system", actor_role=actor_role,
        action=action, subject_type=subject_type, subject_id=EDGE_ID, subject_repr="边界测试",
        estate_id=estate_id, community_id=community_id, before=before, after=after or {"outcome": "整改"},
    )


def export_rows(response) -> list[tuple]:
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


# --- every action in Chinese ------------------------------------------------------------------------
def _codes_in_source() -> set[str]:
    """Action codes written as text where an audit row is made: the arguments of audit_record and its
    wrappers (any call whose name holds "audit"), AuditAction("…"), and action=… of any call."""
    codes = set()
    for path in (ROOT / "gongzhi").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = [*node.args, *(k.value for k in node.keywords)] if "audit" in name.lower() else []
            args += [k.value for k in node.keywords if k.arg == "action"]
            codes |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                      and CODE.match(a.value)}
    return codes


def _back_office_codes() -> set[str]:
    """What core.services.record_save / record_delete write for each model the project's back office
    edits (the admin classes of gongzhi; a library's own admin does not write the trail)."""
    return {f"{model._meta.model_name}.{verb}" for model, model_admin in admin.site._registry.items()
            if type(model_admin).__module__.startswith("gongzhi.") for verb in ("create", "update", "delete")}


def test_every_action_code_in_the_code_base_and_the_demo_has_a_chinese_name(world):
    declared = set(audit_actions())
    written = _codes_in_source()
    back_office = _back_office_codes()
    recorded = set(AuditEntry.objects.values_list("action", flat=True).distinct())
    assert len(declared) > 100 and back_office and recorded
    unnamed = {code: audit_action_label(code) for code in declared | written | back_office | recorded
               if audit_action_label(code) == code or not CJK.search(audit_action_label(code))}
    assert unnamed == {}
    # a back-office edit names the model in Chinese too (后台修改：网格, not 后台修改：grid)
    english = {code: audit_action_label(code) for code in back_office if re.search(r"[a-z]", audit_action_label(code))}
    assert english == {}
    assert audit_action_label("grid.update") == "后台修改：网格"


def test_every_kind_of_record_has_a_chinese_name(db):
    from gongzhi.core.audit_display import subject_type_label, subject_types

    kinds = dict(subject_types())
    assert "core.approvalsignature" in kinds and "finance.sealuse" in kinds
    assert {code: label for code, label in kinds.items() if not CJK.search(label)} == {}
    assert subject_type_label("core.approvalsignature") == "审批签署"
    assert subject_type_label("finance.sealuse") == "用印申请"  # a model without a Chinese verbose_name


def test_the_page_names_action_and_subject_type_in_chinese_not_in_code(login, persona):
    approval = core.approval_create(persona("weiyuan"), estate_id=estate(PACIFIC).pk, title="换门禁",
                                    roles=[Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY])
    core.approval_sign(persona("zhaozhuren"), approval_id=approval.pk, role=Role.COMMITTEE_CHAIR)
    response = login("sunjiancha").get("/audit/?action=approval.sign")
    [row] = [e for e in rows_of(response) if e.subject_repr.startswith("换门禁")]
    assert row.action_label == "签署审批单" and row.subject_type_label == "审批签署"
    text = visible(response.content.decode())
    assert "签署审批单 · 审批签署" in text
    assert "approval.sign" not in text and "core.approvalsignature" not in text
    # the decision as its label, the time it was signed in local time
    changes = {c.label: (c.before, c.after) for c in row.changes}
    assert changes["意见"] == ("待签", "已签")
    signed_at = approval.signatures.get(role=Role.COMMITTEE_CHAIR).signed_at
    assert changes["签署时间"] == ("—", kernel_clock.stamp(signed_at, "%Y-%m-%d %H:%M:%S"))
    assert changes["签署人"] == ("—", Person.objects.get(user=persona("zhaozhuren")).name)  # a login by name
    # the approval's creation: its estate by name, its kind by label, no empty or id rows
    [created] = rows_of(login("sunjiancha").get(f"/audit/?action=approval.create&subject_id={approval.pk}"))
    changes = {c.label: (c.before, c.after) for c in created.changes}
    assert changes["小区"] == ("—", PACIFIC) and changes["类别"] == ("—", "一般审批")
    assert changes["签署角色"] == ("—", "业委会主任；社区党组织书记")
    assert "ID" not in changes and "说明" not in changes and all(c.after != "—" for c in created.changes)


# --- who, as what, when, where ----------------------------------------------------------------------
def test_actor_by_name_and_the_role_recorded_at_the_time(login, persona, clock):
    zhao = persona("zhaozhuren")
    approval = core.approval_create(persona("weiyuan"), estate_id=estate(PACIFIC).pk, title="角色测试",
                                    roles=[Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY])
    core.approval_sign(zhao, approval_id=approval.pk, role=Role.COMMITTEE_CHAIR)
    [row] = [e for e in rows_of(login("sunjiancha").get("/audit/?action=approval.sign"))
             if e.subject_repr.startswith("角色测试")]
    assert row.actor_display == Person.objects.get(user=zhao).name and row.actor_display != "zhaozhuren"
    assert row.roles_recorded and "业委会主任" in row.roles_label and row.place_name == PACIFIC

    # a staff member of 明福社区 who also works for a property company elsewhere: the row of an estate of
    # 明福 names the community role only, and still does after the role ends
    user = get_user_model().objects.create_user("audit-role", password="x", first_name="钱多多")
    admin_user = persona("guanliyuan")
    staff = people.role_assign(admin_user, user_id=user.pk, role=Role.COMMUNITY_STAFF, anchor_field="community",
                               anchor_id=estate(PACIFIC).community_id)
    elsewhere = estate("文昌花园")
    people.role_assign(admin_user, user_id=user.pk, role=Role.PROPERTY_STAFF, anchor_field="estate",
                       anchor_id=elsewhere.pk)
    user = get_user_model().objects.get(pk=user.pk)
    written = audit_record(user, "estate.update", estate(PACIFIC), after={"household_count": 1})
    assert written.actor_role == Role.COMMUNITY_STAFF
    people.role_revoke(admin_user, assignment_id=staff.pk)
    clock.set(clock.now + datetime.timedelta(days=1))
    old = entry(at=clock.now, estate_id=estate(PACIFIC).pk, actor=user, actor_role=None)  # before roles were kept
    seen = {e.pk: e for e in rows_of(login("guanliyuan").get("/audit/?person=钱多多"))}
    assert seen[written.pk].roles_label == "社区工作人员" and seen[written.pk].roles_recorded
    # an older row: the roles held now, said to be today's
    assert seen[old.pk].roles_label == "物业人员" and not seen[old.pk].roles_recorded
    page = visible(login("guanliyuan").get("/audit/?person=钱多多").content.decode())
    assert "钱多多（社区工作人员）" in page and "钱多多（物业人员，现任角色）" in page


def test_time_is_local(login, world):
    entry(at=datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC), estate_id=estate(PACIFIC).pk)
    response = login("sunjiancha").get(f"/audit/?subject_id={EDGE_ID}")
    [row] = rows_of(response)
    assert row.at_local == "2026-03-02 00:30:00"
    text = visible(response.content.decode())
    assert "2026-03-02 00:30" in text and "2026-03-01 16:30" not in text and "T16:30" not in text
    assert "太平洋花园" in text  # the estate by name


# --- the change as a table ---------------------------------------------------------------------------
def test_before_after_table_has_field_labels_and_yuan(login, persona):
    expense = expenses.expense_request(persona("weiyuan"), estate_id=estate(PACIFIC).pk, amount="1234.5",
                                       purpose="更换单元门", payee="某五金店", category="repair")
    response = login("sunjiancha").get(f"/audit/?action=expense.request&subject_id={expense.pk}")
    [row] = rows_of(response)
    changes = {c.label: (c.before, c.after) for c in row.changes}
    assert changes["金额"] == ("—", "1,234.50 元")
    assert changes["类别"] == ("—", "维修") and changes["用途"] == ("—", "更换单元门")
    assert changes["疑似拆分"] == ("—", "否")
    text = visible(response.content.decode())
    assert "1,234.50 元" in text and "123450" not in text and "{'" not in text and "repair" not in text


def test_an_edit_shows_only_the_fields_it_changed(login, persona):
    from gongzhi.places import services as places

    places.estate_update(persona("guanliyuan"), estate_id=estate(YIWU).pk, household_count=2999)
    [row, *_] = rows_of(login("guanliyuan").get(f"/audit/?action=estate.update&subject_id={estate(YIWU).pk}"))
    assert [(c.label, c.before, c.after) for c in row.changes] == [("户数", "3000", "2999")]


def test_masking_is_kept_in_the_table_and_a_changed_phone_still_shows(login, persona):
    admin_user = persona("guanliyuan")
    person = people.person_create(admin_user, name="改号人", phone="13812345678",
                                  community_id=estate(YIWU).community_id)
    entry(at=kernel_clock.now(), estate_id=None, community_id=estate(YIWU).community_id, action="person.update",
          subject_type="people.person", actor=admin_user,
          before={"name": "改号人", "phone": "13812345678"}, after={"name": "改号人", "phone": "13899995678"})
    [row] = rows_of(login("sunjiancha").get(f"/audit/?subject_id={EDGE_ID}"))
    assert [(c.label, c.before, c.after) for c in row.changes] == [("联系电话", "138****5678", "138****5678")]
    page = login("sunjiancha").get(f"/audit/?subject_id={person.pk}&action=person.create").content.decode()
    assert "138****5678" in page and "13812345678" not in page


# --- filters -----------------------------------------------------------------------------------------
def test_person_filter_finds_by_name_fragment_not_by_login(login, persona):
    yan = persona("yanshuji")  # 燕娇, a person linked to the login
    core.approval_create(yan, estate_id=estate(PACIFIC).pk, title="按姓名筛选",
                         roles=[Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY])
    client = login("sunjiancha")
    found = rows_of(client.get("/audit/?person=燕"))
    assert found and all(e.actor_id == yan.pk for e in found)
    assert any(e.subject_repr == "按姓名筛选" for e in found)
    assert rows_of(client.get("/audit/?person=yanshuji")) == []  # the login is not a name
    # a login without a person: its full name
    from gongzhi.places import services as places

    places.estate_update(persona("guanliyuan"), estate_id=estate(YIWU).pk, household_count=3001)
    admin_rows = rows_of(login("guanliyuan").get("/audit/?person=管理员"))
    assert admin_rows and all(e.actor_id == persona("guanliyuan").pk for e in admin_rows)
    api = client.get("/api/v1/audit?person=燕&limit=1000").json()
    assert api["count"] == len(found) or api["count"] > 0
    assert all(item["actor_display"] == "燕娇" for item in api["items"])
    assert client.get("/api/v1/audit?person=yanshuji").json()["count"] == 0


def test_date_range_is_inclusive_in_local_days(login, world):
    pacific = estate(PACIFIC).pk
    last = entry(at=kernel_clock.at(datetime.date(2026, 3, 1), datetime.time(23, 59, 59)), estate_id=pacific)
    first = entry(at=kernel_clock.at(datetime.date(2026, 3, 2)), estate_id=pacific)
    before = entry(at=kernel_clock.at(datetime.date(2026, 2, 28), datetime.time(23, 59, 59)), estate_id=pacific)
    client = login("sunjiancha")

    def ids(query):
        return {e.pk for e in rows_of(client.get(f"/audit/?subject_id={EDGE_ID}&{query}"))}

    assert ids("until=2026-03-01") == {last.pk, before.pk}
    assert ids("since=2026-03-01&until=2026-03-01") == {last.pk}
    assert ids("since=2026-03-02") == {first.pk}
    assert ids("since=2026-03-01&until=2026-03-02") == {last.pk, first.pk}
    api = client.get(f"/api/v1/audit?subject_id={EDGE_ID}&since=2026-03-01&until=2026-03-01").json()
    assert [item["id"] for item in api["items"]] == [last.pk]


def test_estate_action_and_subject_filters(login, world):
    pacific, yiwu = estate(PACIFIC), estate(YIWU)
    here = entry(at=kernel_clock.now(), estate_id=pacific.pk, action="case.close")
    there = entry(at=kernel_clock.now(), estate_id=yiwu.pk, action="case.open")
    client = login("sunjiancha")

    def ids(query):
        return {e.pk for e in rows_of(client.get(f"/audit/?subject_id={EDGE_ID}&{query}"))}

    assert ids(f"estate={pacific.pk}") == {here.pk}
    assert ids("action=case.open") == {there.pk}
    assert ids("action=case") == {here.pk, there.pk}  # every action on a case
    assert ids("subject_type=finance.accountabilitycase") == {here.pk, there.pk}
    assert ids("subject_type=core.approval") == set()
    # the agreed link from the money pages, every parameter at once
    query = (f"estate={pacific.pk}&subject_type=finance.accountabilitycase&subject_id={EDGE_ID}&action=case.close"
             f"&person=&since={kernel_clock.today()}&until={kernel_clock.today()}")
    assert {e.pk for e in rows_of(client.get(f"/audit/?{query}"))} == {here.pk}
    # the selects offer Chinese labels, a prefix from a link included
    assert '<option value="case" selected>全部操作：问责办结、问责立案</option>' in client.get(
        "/audit/?action=case").content.decode()
    page = client.get("/audit/").content.decode()
    assert '<option value="case.close">问责办结</option>' in page
    assert '<option value="finance.accountabilitycase">' in page and f'<option value="{pacific.pk}">' in page


@pytest.mark.parametrize(("query", "message"), [
    ("since=2026-13-01", "日期须写作 YYYY-MM-DD"),
    ("until=yesterday", "日期须写作 YYYY-MM-DD"),
    ("since=2026-03-02&until=2026-03-01", "起始日期不能晚于截止日期"),
    ("estate=987654321", "没有这个小区，或它不在您的查看范围内"),
    ("estate=99999999999999999999999", "没有这个小区，或它不在您的查看范围内"),
    ("estate=abc", "没有这个小区，或它不在您的查看范围内"),
    ("action=nonsense.verb", "没有这种操作"),
    ("subject_type=auth.permissionx", "没有这种对象类型"),
])
def test_bad_filters_say_why_and_show_nothing(login, query, message):
    client = login("sunjiancha")
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert message in response.content.decode() and "筛选条件有误" in response.content.decode()
    export = client.get(f"/audit/export.xlsx?{query}")
    assert export.status_code == 400 and message in export.content.decode()


def test_api_bad_dates_are_refused_with_a_message(login):
    client = login("sunjiancha")
    answer = client.get("/api/v1/audit?since=2026-03-02&until=2026-03-01")
    assert answer.status_code == 400 and answer.json()["detail"].startswith("起始日期不能晚于截止日期")
    assert client.get("/api/v1/audit?since=20260301").status_code == 422


# --- permissions -------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/audit/", "/audit/export.xlsx", "/api/v1/audit", "/audit/?estate=1"])
@pytest.mark.parametrize("username", ["wangayi", "zhaozhuren", "yanshuji", "zhoushenji", "wuganbu"])
def test_roles_without_the_audit_trail_get_403(login, username, url):
    assert login(username).get(url).status_code == 403


def test_another_communitys_supervisor_never_sees_the_rows(login, persona):
    other = get_user_model().objects.create_user("sup-wenchang2", password="x", first_name="文昌监督")
    wenchang = estate("文昌花园")
    people.role_assign(None, user_id=other.pk, role=Role.DISCIPLINE_SUPERVISOR, anchor_field="community",
                       anchor_id=wenchang.community_id)
    pacific = estate(PACIFIC)
    mine = entry(at=kernel_clock.now(), estate_id=pacific.pk)
    client = login("sup-wenchang2")
    everything = rows_of(client.get("/audit/"))
    assert all(e.estate_id == wenchang.pk or e.community_id == wenchang.community_id for e in everything)
    assert mine.pk not in {e.pk for e in everything}
    # asking for the other community's estate by id: a message, no rows, nothing in the page or the file
    response = client.get(f"/audit/?estate={pacific.pk}")
    assert list(response.context["page"]) == [] and "没有这个小区" in response.content.decode()
    assert f'<option value="{pacific.pk}"' not in response.content.decode()
    assert client.get(f"/api/v1/audit?estate_id={pacific.pk}").json()["count"] == 0
    assert client.get(f"/api/v1/audit?subject_id={EDGE_ID}").json()["count"] == 0
    assert rows_of(client.get(f"/audit/?subject_id={EDGE_ID}")) == []
    rows = export_rows(client.get(f"/audit/export.xlsx?subject_id={EDGE_ID}"))
    assert rows == [rows[0]]  # the headers only


# --- export ------------------------------------------------------------------------------------------
def test_export_has_the_pages_rows_in_chinese_masked(login, persona):
    person = people.person_create(persona("guanliyuan"), name="导出核对", phone="13712345678",
                                  id_number="11010519491231002X", community_id=estate(YIWU).community_id)
    entry(at=datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC), estate_id=estate(PACIFIC).pk,
          action="expense.request", subject_type="finance.expense", actor=persona("weiyuan"),
          after={"amount": 1234560, "category": "repair"}, actor_role="committee_member")
    client = login("sunjiancha")
    rows = export_rows(client.get(f"/audit/export.xlsx?subject_id={EDGE_ID}"))
    assert rows[0] == ("时间", "操作人", "角色", "操作", "对象类型", "对象编号", "对象", "小区", "字段", "修改前", "修改后")
    weiyuan = Person.objects.get(user=persona("weiyuan")).name
    assert rows[1:] == [
        ("2026-03-02 00:30:00", weiyuan, "业委会委员", "申请支出", "支出申请", EDGE_ID, "边界测试", PACIFIC, "金额", "—",
         "12,345.60 元"),
        ("2026-03-02 00:30:00", weiyuan, "业委会委员", "申请支出", "支出申请", EDGE_ID, "边界测试", PACIFIC, "类别", "—",
         "维修"),
    ]
    # a person's phone and ID number: masked for the supervisor as on the page, in full for the administrator
    query = f"/audit/export.xlsx?action=person.create&subject_id={person.pk}"
    seen = {r[8]: r[10] for r in export_rows(client.get(query))[1:]}
    assert seen["联系电话"] == "137****5678" and seen["证件号码"] == "110***********002X"
    page = rows_of(client.get(query.replace("export.xlsx", "")))
    assert {(c.label, c.after) for c in page[0].changes} >= {("联系电话", "137****5678")}
    full = {r[8]: r[10] for r in export_rows(login("guanliyuan").get(query))[1:]}
    assert full["联系电话"] == "13712345678"


def test_export_rows_match_the_page(login, world):
    client = login("sunjiancha")
    page = rows_of(client.get("/audit/?action=approval"))
    rows = export_rows(client.get("/audit/export.xlsx?action=approval"))[1:]
    assert page
    expected = [(e.at_local, e.action_label, e.subject_id) for e in page for _c in (e.changes or [None])]
    assert [(r[0], r[3], r[5]) for r in rows][: len(expected)] == expected


# --- no N+1 ------------------------------------------------------------------------------------------
def test_the_page_reads_a_fixed_number_of_queries_whatever_its_rows(login, persona, world):
    users = [persona(name) for name in ("yanshuji", "zhaozhuren", "weiyuan", "shequ", "guanliyuan")]
    estates = [estate(PACIFIC), estate(YIWU)]
    community = estates[0].community_id
    now = kernel_clock.now()
    for i in range(60):  # every kind of row: estate and community rows, roles kept or not, the system
        entry(at=now - datetime.timedelta(minutes=i), estate_id=None if i % 5 == 0 else estates[i % 2].pk,
              community_id=community if i % 5 == 0 else None, actor=None if i % 7 == 0 else users[i % 5],
              actor_role=None if i % 3 == 0 else "community_staff",
              before={"phone": f"1381234{i:04d}", "amount": i}, after={"phone": f"1381235{i:04d}", "amount": i + 1})
    client = login("sunjiancha")

    def queries(page):
        with CaptureQueriesContext(connection) as seen:
            response = client.get(f"/audit/?subject_id={EDGE_ID}&page={page}")
        assert response.status_code == 200
        return len(seen), len(response.context["page"])

    many, shown_many = queries(1)
    few, shown_few = queries(2)
    assert (shown_many, shown_few) == (50, 10)
    assert many == few and many <= 20, (many, few)
