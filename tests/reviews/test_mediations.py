"""Mediated disputes (矛盾纠纷调解) counted in the quarterly comparison beside the requests: who records,
closes and reads them (the property company and the departments do not — the parties' private affairs),
the received day's edges (today yes, tomorrow no; a quarter's first and last days in it, the next day not),
closing once, and the page's forms doing what the API does."""

import datetime

import pytest

from gongzhi.core import clock as source
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.figures import Place
from gongzhi.core.models import AuditEntry
from gongzhi.core.text import TEXT_TOO_LONG
from gongzhi.reviews import selectors, services
from gongzhi.reviews.models import Mediation
from tests.helpers import YIWU, estate

JSON = "application/json"
DAY = datetime.timedelta(days=1)

# who → (page status, may record and close)
PAGE = {"yanshuji": (200, True), "wanggeyuan": (200, True), "wuganbu": (200, False),
        "zhangjingli": (404, False), "wangayi": (404, False), "liukezhang": (404, False), "lijing": (404, False),
        "sunjiancha": (200, False)}


def record(persona, who="yanshuji", **kw):
    fields = {"estate_id": estate(YIWU).pk, "kind": "noise", "summary": "楼上深夜跳绳",
              "mediator": "老党员调解室", "received_on": source.today(), **kw}
    return services.mediation_record(persona(who), **fields)


@pytest.mark.parametrize("who", list(PAGE))
def test_the_page_by_persona(login, world, who):
    status, mediator = PAGE[who]
    page = login(who).get(f"/estates/{estate(YIWU).pk}/mediations/")
    assert page.status_code == status
    if status == 200:
        assert (b'data-testid="mediation-form"' in page.content) == mediator
        assert "楼道堆放杂物" in page.content.decode()  # the demo's settled dispute
    else:
        assert "楼道堆放杂物" not in page.content.decode()
    listed = login(who).get(f"/api/v1/estates/{estate(YIWU).pk}/mediations")
    assert listed.status_code == status


@pytest.mark.parametrize(("who", "status"), [("zhangjingli", 403), ("wangayi", 403), ("wuganbu", 403),
                                             ("lijing", 404)])
def test_the_wrong_role_or_estate_records_and_closes_nothing(login, persona, world, clock, who, status):
    open_one = Mediation.objects.get(estate=estate(YIWU), status="open")
    before = Mediation.objects.count()
    made = login(who).post("/api/v1/mediations", {"estate_id": estate(YIWU).pk, "kind": "noise", "summary": "噪音",
                                                  "mediator": "调解室", "received_on": str(source.today())},
                           content_type=JSON)
    closed = login(who).post(f"/api/v1/mediations/{open_one.pk}/close", {"settled": True, "outcome": "好了"},
                             content_type=JSON)
    assert (made.status_code, closed.status_code) == (status, status)
    open_one.refresh_from_db()
    assert Mediation.objects.count() == before and open_one.status == "open"


def test_the_grid_worker_records_and_closes_by_api_once(login, persona, world, clock):
    api = login("wanggeyuan")
    made = api.post("/api/v1/mediations", {"estate_id": estate(YIWU).pk, "kind": "parking",
                                           "summary": "车位被占", "mediator": "网格员马丽",
                                           "received_on": str(source.today())}, content_type=JSON)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["status"] == "open" and made.json()["kind_label"] == "停车管理"
    closed = api.post(f"/api/v1/mediations/{pk}/close", {"settled": False, "outcome": "双方未达成一致，建议诉讼"},
                      content_type=JSON)
    assert closed.status_code == 200 and closed.json()["status"] == "unsettled"
    assert closed.json()["closed_on"] == str(source.today())
    again = api.post(f"/api/v1/mediations/{pk}/close", {"settled": True, "outcome": "又谈好了"}, content_type=JSON)
    assert again.status_code == 409 and services.MEDIATION_CLOSED.split(" / ")[0] in again.json()["detail"]
    assert Mediation.objects.get(pk=pk).status == "unsettled"
    assert AuditEntry.objects.filter(action="mediation.close", subject_id=str(pk)).count() == 1


def test_received_today_yes_tomorrow_no_and_bad_fields_refused(persona, world, clock):
    before = Mediation.objects.count()
    assert record(persona, received_on=source.today()).received_on == source.today()
    cases = [({"received_on": source.today() + DAY}, services.RECEIVED_IN_FUTURE),
             ({"received_on": None}, services.RECEIVED_REQUIRED),
             ({"kind": "fight"}, services.UNKNOWN_MEDIATION_KIND),
             ({"summary": "  "}, services.SUMMARY_REQUIRED),
             ({"mediator": ""}, services.MEDIATOR_REQUIRED),
             ({"mediator": "调" * 61}, TEXT_TOO_LONG.format(n=60))]
    for fields, message in cases:
        with pytest.raises(InvalidInput) as exc:
            record(persona, **fields)
        assert exc.value.message == message
    assert Mediation.objects.count() == before + 1
    with pytest.raises(PermissionDenied):
        record(persona, who="zhangjingli")


def test_the_page_records_and_closes_and_says_what_is_missing(login, persona, world, clock):
    page = login("yanshuji")
    url = f"/estates/{estate(YIWU).pk}/mediations/"
    before = Mediation.objects.count()
    refused = page.post(url, {"action": "record", "kind": "noise", "summary": "广场舞音响太响", "mediator": "调解室",
                              "received_on": "2026-02-30"})
    assert services.RECEIVED_REQUIRED.split(" / ")[0] in refused.content.decode()
    assert Mediation.objects.count() == before
    page.post(url, {"action": "record", "kind": "noise", "summary": "广场舞音响太响", "mediator": "调解室",
                    "received_on": str(source.today())})
    made = Mediation.objects.get(summary="广场舞音响太响")
    page.post(url, {"action": "close", "mediation_id": made.pk, "settled": "1", "outcome": "约定音量和时间"})
    made.refresh_from_db()
    assert (made.status, made.outcome, made.closed_by.username) == ("settled", "约定音量和时间", "yanshuji")


def test_the_quarter_counts_mediations_received_in_it_and_settled(persona, world, clock):
    quarter = source.last_complete(source.PeriodKind.QUARTER)
    mingfu = Place("community", estate(YIWU).community)

    def yiwu():
        return next(r for r in selectors.conflicts(mingfu, quarter)["estates"] if r["name"] == YIWU)

    start = yiwu()
    first = record(persona, received_on=quarter.start)
    last = record(persona, received_on=quarter.end)
    record(persona, received_on=quarter.end + DAY)  # the next quarter's
    services.mediation_close(persona("yanshuji"), mediation_id=first.pk, settled=True, outcome="化解")
    services.mediation_close(persona("yanshuji"), mediation_id=last.pk, settled=False, outcome="未化解")
    now = yiwu()
    assert (now["received"], now["resolved"]) == (start["received"] + 2, start["resolved"] + 1)


def test_a_mediation_cannot_close_before_it_was_received(persona, world, clock):
    found = record(persona)
    Mediation.objects.filter(pk=found.pk).update(received_on=source.today() + DAY)
    with pytest.raises(WrongState):
        services.mediation_close(persona("yanshuji"), mediation_id=found.pk, settled=True, outcome="化解")
