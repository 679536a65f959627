"""The staff requests list and the dispatchers' orders list download as Excel: the list's rows for its
filters (every page, in its order), Chinese headers, local times, and the requester, the phone and the
numbers typed into the text exactly as the viewer reads them on the request's page; only for those who
work from the list, and only what their scope holds."""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook

from gongzhi.core.scoping import scope_for
from gongzhi.requests import services
from gongzhi.requests.choices import Category
from gongzhi.requests.models import Order, Request
from gongzhi.requests.selectors import order_list_for, requests_filtered
from tests.helpers import PACIFIC, YIWU, estate

pytestmark = pytest.mark.usefixtures("world")

HEADERS = ("编号", "小区", "楼栋", "类别", "内容摘要", "诉求人", "联系电话", "渠道", "状态", "当前层级", "当前办理方",
           "办理人", "提交时间", "已等待", "办结时限", "剩余/超时", "办结时间", "满意度")
PHONE, PHONE_MASKED = "13912345678", "139****5678"
NUMBERS = re.compile(r'href="/requests/(\d+)/"')


def sheet(response):
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active.values)
    return rows[0], rows[1:]


def exported(client, query=None) -> dict[int, dict]:
    """The export's rows by request id, as dicts keyed by header (in the sheet's order)."""
    head, rows = sheet(client.get("/requests/export.xlsx", query or {}))
    assert head == HEADERS
    return {int(r[0][2:]): dict(zip(head, r, strict=True)) for r in rows}


def total(client, query) -> int:
    return int(re.search(r'data-testid="total">(\d+)<', client.get("/requests/", query).content.decode())[1])


def first_page(client, query) -> list[int]:
    html = client.get("/requests/", query).content.decode()
    return [int(pk) for pk in NUMBERS.findall(html[html.index('data-testid="total"'):])]


def intake(estate_name=YIWU, building="5", **kw) -> services.Intake:
    return services.Intake(**{"estate_id": estate(estate_name).pk, "category": Category.LIGHTING,
                              "description": "楼道灯不亮",
                              "building_id": estate(estate_name).buildings.get(code=building).pk, **kw})


@pytest.mark.parametrize("username, query", [
    ("zhangjingli", {}),  # 91 requests: four pages
    ("zhangjingli", {"status": "open", "sort": "oldest"}),
    ("zhangjingli", {"sort": "deadline", "category": "lighting"}),
    ("wuganbu", {"level": "3"}),
    ("wuganbu", {"status": "done", "overdue": "", "sort": "new"}),
    ("yanshuji", {"place": "estate:{pacific}", "late": "1"}),
    ("yanshuji", {"summoned": "1"}),
])
def test_the_export_holds_the_list_s_rows_in_its_order_on_every_page(login, persona, username, query):
    query = {k: v.format(pacific=estate(PACIFIC).pk) for k, v in query.items()}
    client = login(username)
    rows = exported(client, query)
    assert len(rows) == total(client, query)
    assert list(rows)[:30] == first_page(client, query)
    params = {k: v for k, v in query.items() if k in ("status", "category", "sort", "late", "summoned")}
    user = persona(username)
    expected = requests_filtered(fetched_by=user, level=int(query["level"]) if "level" in query else None,
                                 overdue=bool(query.get("overdue")),
                                 place=None if "place" not in query else _place(user, query["place"]), **params)
    assert list(rows) == list(expected.values_list("pk", flat=True))
    assert rows or query


def _place(user, code):
    from gongzhi.core.figures import place_get

    return place_get(user, code, None)


def test_all_pages_and_the_filters_carry_over_from_the_page(login):
    client = login("zhangjingli")
    everything = exported(client)
    assert len(everything) > 30, "more than one page of the list"
    html = client.get("/requests/", {"status": "open", "sort": "oldest"}).content.decode()
    assert 'href="/requests/export.xlsx?status=open&amp;sort=oldest"' in html
    open_only = exported(client, {"status": "open", "sort": "oldest"})
    assert set(open_only) < set(everything)
    assert {r["状态"] for r in open_only.values()} <= {"待响应", "办理中"}


def test_times_are_local_a_request_filed_at_16_30_utc_is_the_next_day(login, persona, clock):
    clock.set(datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC))
    req = services.request_submit(persona("wangayi"), intake())
    client = login("zhangjingli")
    row = exported(client, {"start": "2026-03-02", "end": "2026-03-02"})[req.pk]
    assert row["提交时间"] == "2026-03-02 00:30"
    assert row["编号"] == req.number and row["小区"] == YIWU and row["楼栋"] == "5号楼" and row["类别"] == "公共照明"
    assert row["办结时限"] == f"{req.resolve_by.astimezone(datetime.timezone(datetime.timedelta(hours=8))):%Y-%m-%d %H:%M}"
    assert row["剩余/超时"].startswith("还剩") and row["已等待"] == "0 分钟"
    assert req.pk not in exported(client, {"start": "2026-03-01", "end": "2026-03-01"})


@pytest.fixture
def called_in(persona):
    """A call 张经理 took for 张大爷, who left his number in the description too."""
    return services.request_submit(persona("zhangjingli"), intake(
        channel="phone", contact_name="张大爷", contact_phone=PHONE, description=f"5号楼灯坏了，回电 {PHONE}"))


@pytest.mark.parametrize("username, shown", [
    ("zhangjingli", True),  # the estate's property staff, who handle it
    ("yanshuji", True),  # the community's secretary (PHONE_ROLES)
    ("wuganbu", False),  # the subdistrict officer: no phones below the subdistrict level
    ("sunjiancha", False),  # the discipline supervisor
])
def test_the_phone_and_the_typed_numbers_are_masked_as_on_the_page(login, called_in, username, shown):
    client = login(username)
    row = exported(client)[called_in.pk]
    assert row["诉求人"] == "张大爷"
    assert row["联系电话"] == (PHONE if shown else PHONE_MASKED)
    assert row["内容摘要"] == f"5号楼灯坏了，回电 {PHONE if shown else PHONE_MASKED}"
    page = client.get(f"/requests/{called_in.pk}/").content.decode()
    assert (PHONE in page) is shown and row["联系电话"] in page


def test_an_anonymous_requester_is_named_to_nobody(login, persona):
    secret = services.request_submit(persona("wangayi"), intake(anonymous=True))
    for username in ("zhangjingli", "yanshuji", "wuganbu"):
        row = exported(login(username))[secret.pk]
        assert row["诉求人"] == "匿名" and row["联系电话"] is None
        assert "王秀兰" not in str(row)


@pytest.mark.parametrize("username, status", [
    ("wangayi", 403),  # a resident: her own requests on the page, no export
    ("lixiansheng", 403),
    ("zhoushenji", 403),  # an auditor
    ("chen", 200),  # a building head works from his building's list
    ("zhangjingli", 200),
])
def test_only_those_who_work_from_the_list_export_it(login, username, status):
    client = login(username)
    assert client.get("/requests/export.xlsx").status_code == status
    assert ('data-testid="export"' in client.get("/requests/").content.decode()) is (status == 200)


def test_a_community_secretary_exports_nothing_of_another_community(login, persona):
    mine, theirs = exported(login("yanshuji")), exported(login("lijing"))
    assert mine and theirs and not set(mine) & set(theirs)
    assert {r["小区"] for r in mine.values()} <= {YIWU, PACIFIC}
    assert {r["小区"] for r in theirs.values()} == {"老纺织厂家属院"}
    assert set(theirs) == set(Request.objects.filter(estate__in=scope_for(persona("lijing")).estates())
                              .values_list("pk", flat=True))
    other = f"community:{estate('老纺织厂家属院').community_id}"
    assert login("yanshuji").get("/requests/export.xlsx", {"place": other}).status_code == 404
    assert login("yanshuji").get("/requests/", {"place": other}).status_code == 404


# --- 三单制 orders -----------------------------------------------------------------------------------
ORDER_HEADERS = ("类别", "事项", "说明", "小区", "楼栋", "点单时间", "已等待", "状态", "接单时限", "接单人", "完成时间",
                 "满意度")


@pytest.mark.parametrize("username, shown", [("yanshuji", True), ("zhaozhuren", False)])
def test_the_orders_list_exports_for_dispatchers_masked_as_on_the_page(login, persona, username, shown):
    order = Order.objects.filter(requester__username="lixiansheng", estate__name=PACIFIC).order_by("pk").first()
    Order.objects.filter(pk=order.pk).update(description=f"请联系 {PHONE}")
    client = login(username)
    assert 'href="/orders/export.xlsx"' in client.get("/orders/").content.decode()
    head, rows = sheet(client.get("/orders/export.xlsx"))
    assert head == ORDER_HEADERS
    visible = order_list_for(persona(username)).order_by("-created_at", "-pk")
    assert [r[1] for r in rows] == list(visible.values_list("title", flat=True))
    row = next(r for r in rows if r[1] == order.title)
    assert row[2] == f"请联系 {PHONE if shown else PHONE_MASKED}" and row[3] == PACIFIC
    assert row[5] == order.created_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("username", ["wangayi", "chen", "zhangjingli"])
def test_those_who_do_not_dispatch_get_no_orders_export(login, username):
    client = login(username)
    assert client.get("/orders/export.xlsx").status_code == 403
    assert 'href="/orders/export.xlsx"' not in client.get("/orders/").content.decode()


def test_dispatchers_filter_and_sort_the_orders_list_and_the_export_follows(login, persona):
    """Staff see how long each order waits and sort by it, by the accept deadline, or keep only open ones."""
    user = persona("yanshuji")
    client = login("yanshuji")
    everything = order_list_for(user)
    open_ids = set(everything.filter(status__in=["ordered", "dispatched", "accepted"]).values_list("pk", flat=True))
    assert open_ids and open_ids != set(everything.values_list("pk", flat=True)), "the demo has open and done orders"
    page = client.get("/orders/", {"status": "open", "sort": "oldest"}).content.decode()
    assert f'data-testid="total">{len(open_ids)}<' in page and "已等待" in page
    head, rows = sheet(client.get("/orders/export.xlsx", {"status": "open", "sort": "oldest"}))
    oldest_first = everything.filter(pk__in=open_ids).order_by("created_at", "pk")
    assert [r[1] for r in rows] == list(oldest_first.values_list("title", flat=True))
    dispatched = everything.filter(status="dispatched").order_by("accept_by", "pk")
    if dispatched.exists():
        head, rows = sheet(client.get("/orders/export.xlsx", {"sort": "deadline"}))
        assert [r[1] for r in rows][:dispatched.count()] == list(dispatched.values_list("title", flat=True))
    assert 'data-testid="total">' in client.get("/orders/", {"status": "nonsense", "sort": "x"}).content.decode()


def test_residents_see_no_order_filters(login):
    assert 'data-testid="order-filters"' not in login("wangayi").get("/orders/").content.decode()


def test_the_orders_api_filters_and_sorts_like_the_page(login, persona):
    client = login("yanshuji")
    open_ids = set(order_list_for(persona("yanshuji")).filter(
        status__in=["ordered", "dispatched", "accepted"]).values_list("pk", flat=True))
    answer = client.get("/api/v1/orders", {"status": "open", "sort": "oldest", "limit": 1000}).json()
    assert answer["count"] == len(open_ids) and {o["id"] for o in answer["items"]} == open_ids
    assert client.get("/api/v1/orders", {"sort": "sideways"}).status_code == 422
