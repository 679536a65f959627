"""申报服务项目: a member declares a service they offer where they live; a resident of the estate orders it;
the member accepts (or declines with a reason) and completes it, which earns the order points once — a
retried completion awards nothing more (idempotent by source). The pages, the API and the grids."""

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry
from gongzhi.party import selectors, services
from gongzhi.party.choices import PointsKind, ServiceOrderStatus
from gongzhi.party.models import PointsEntry, ServiceOrder, ServiceProject
from gongzhi.people.models import PartyMember
from tests.helpers import PACIFIC, YIWU, estate, race


def zh(template: str, **kw) -> str:
    return template.split(" / ")[0].format(**kw)


def chen_member() -> PartyMember:
    return PartyMember.objects.get(person__user__username="chen")


@pytest.fixture
def project(persona, clock):
    clock.set("2026-06-15 10:00")
    return services.service_project_declare(persona("chen"), estate_id=estate(PACIFIC).pk, title="免费理发",
                                            description="每周六上午在3号楼下为老人理发")


def test_a_resident_orders_a_members_service_and_its_completion_earns_points_once(login, persona, project, clock):
    resident = login("lixiansheng")
    url = f"/estates/{estate(PACIFIC).pk}/party/services/"
    page = resident.get(url).content.decode()
    assert "免费理发" in page and f'data-testid="order-{project.pk}"' in page
    assert resident.post(url, {"action": "order", "project_id": project.pk, "note": "我父亲行动不便，能否上门"}) \
        .status_code == 302
    order = ServiceOrder.objects.get(project=project)
    assert order.status == ServiceOrderStatus.ORDERED and order.requester.username == "lixiansheng"

    before = selectors.balance(chen_member())
    member = login("chen")
    assert 'data-testid="service-orders-waiting" aria-label="待接的服务预约">1<' in member.get("/").content.decode()
    mine = member.get("/party/services/").content.decode()
    assert f'data-testid="accept-service-{order.pk}"' in mine and "我父亲行动不便" in mine
    assert member.post("/party/services/", {"action": "accept", "order_id": order.pk}).status_code == 302
    clock.set("2026-06-16 15:00")
    assert member.post("/party/services/", {"action": "complete", "order_id": order.pk, "note": "已上门理发"}) \
        .status_code == 302
    order.refresh_from_db()
    assert order.status == ServiceOrderStatus.DONE and order.answer == "已上门理发"
    entry = PointsEntry.objects.get(source_type="party.serviceorder", source_id=order.pk)
    assert entry.kind == PointsKind.ORDER and entry.points > 0 and entry.source_label == "服务项目：免费理发"
    assert selectors.balance(chen_member()) == before + entry.points
    assert selectors.source_link(entry) == "/party/services/"

    # A retried completion: refused as done, and the award itself is idempotent by its source.
    with pytest.raises(WrongState):
        services.service_order_complete(persona("chen"), order_id=order.pk, note="再次提交")
    assert services.points_for_service_order(order).pk == entry.pk
    assert PointsEntry.objects.filter(source_type="party.serviceorder", source_id=order.pk).count() == 1
    assert selectors.balance(chen_member()) == before + entry.points
    done = login("lixiansheng").get(url).content.decode()
    assert 'data-testid="service-order-status">已完成' in done


def test_bad_input_is_refused_with_its_reason_and_writes_nothing(persona, project):
    chen, li = persona("chen"), persona("lixiansheng")
    counts = ServiceProject.objects.count(), ServiceOrder.objects.count(), AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.service_project_declare(chen, estate_id=estate(YIWU).pk, title="修电脑", description="上门")
    assert exc.value.message == services.PROJECT_NOT_HOME
    with pytest.raises(WrongState) as exc:
        services.service_project_declare(chen, estate_id=estate(PACIFIC).pk, title="免费理发", description="再报")
    assert exc.value.message == services.PROJECT_TWICE.format(title="免费理发")
    with pytest.raises(InvalidInput) as exc:
        services.service_project_declare(chen, estate_id=estate(PACIFIC).pk, title=" ", description="x")
    assert exc.value.message == services.PROJECT_TITLE_REQUIRED
    with pytest.raises(PermissionDenied):  # not a party member
        services.service_project_declare(li, estate_id=estate(PACIFIC).pk, title="修电脑", description="上门")
    with pytest.raises(InvalidInput) as exc:
        services.service_order_place(chen, project_id=project.pk, note="给自己理发")
    assert exc.value.message == services.ORDER_OWN_PROJECT
    with pytest.raises(NotFound):  # 义乌城's resident does not see 太平洋花园's services
        services.service_order_place(persona("wangayi"), project_id=project.pk, note="理发")
    with pytest.raises(InvalidInput) as exc:
        services.service_order_place(li, project_id=project.pk, note="")
    assert exc.value.message == services.ORDER_NOTE_REQUIRED
    assert (ServiceProject.objects.count(), ServiceOrder.objects.count(), AuditEntry.objects.count()) == counts

    order = services.service_order_place(li, project_id=project.pk, note="理发")
    with pytest.raises(WrongState) as exc:
        services.service_order_place(li, project_id=project.pk, note="再约一次")
    assert exc.value.message == services.ORDER_TWICE.format(title="免费理发")
    with pytest.raises(PermissionDenied):  # only the member answers
        services.service_order_answer(li, order_id=order.pk, accept=True)
    with pytest.raises(WrongState):  # not accepted yet
        services.service_order_complete(chen, order_id=order.pk, note="做完了")
    with pytest.raises(InvalidInput) as exc:
        services.service_order_answer(chen, order_id=order.pk, accept=False)
    assert exc.value.message == services.DECLINE_REASON_REQUIRED
    declined = services.service_order_answer(chen, order_id=order.pk, accept=False, note="本周外出")
    assert declined.status == ServiceOrderStatus.DECLINED
    assert not PointsEntry.objects.filter(source_type="party.serviceorder", source_id=order.pk).exists()

    services.service_project_withdraw(chen, project_id=project.pk)
    with pytest.raises(WrongState) as exc:
        services.service_order_place(li, project_id=project.pk, note="理发")
    assert exc.value.message == services.PROJECT_CLOSED
    assert selectors.estate_projects(estate(PACIFIC)) == [] or project.pk not in [
        p.pk for p in selectors.estate_projects(estate(PACIFIC))]


# The estate's services page: its residents (an owner, the member himself, the community) see it; another
# estate's resident does not.
SEE = {"lixiansheng": 200, "chen": 200, "zhaozhuren": 200, "yanshuji": 200, "wangayi": 404, "zuhu": 404}


@pytest.mark.parametrize("who", list(SEE))
def test_services_page_and_endpoint_grid(login, who, project):
    client = login(who)
    page = client.get(f"/estates/{estate(PACIFIC).pk}/party/services/")
    assert page.status_code == SEE[who]
    api = client.get(f"/api/v1/estates/{estate(PACIFIC).pk}/party/services")
    assert api.status_code == SEE[who]
    if SEE[who] == 200:
        assert [p["title"] for p in api.json()] == ["免费理发"]
        assert ('data-api="service_order_place"' in page.content.decode()) == (who != "chen")
    else:
        assert "免费理发" not in page.content.decode()


def test_the_api_runs_the_whole_order(login, project, clock):
    placed = login("lixiansheng").post(f"/api/v1/party/services/{project.pk}/orders", {"note": "上门理发"},
                                       content_type="application/json")
    assert placed.status_code == 201
    order_id = placed.json()["id"]
    other = login("zhaozhuren").post(f"/api/v1/party/service-orders/{order_id}/accept")
    assert other.status_code == 404  # neither the member nor who ordered: not even seen
    member = login("chen")
    assert member.post(f"/api/v1/party/service-orders/{order_id}/accept").status_code == 200
    done = member.post(f"/api/v1/party/service-orders/{order_id}/complete", {"note": "理好了"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["points"] > 0
    again = member.post(f"/api/v1/party/service-orders/{order_id}/complete", {"note": "理好了"},
                        content_type="application/json")
    assert again.status_code == 409
    assert PointsEntry.objects.filter(source_type="party.serviceorder", source_id=order_id).count() == 1
    mine = member.get("/api/v1/party/services").json()
    assert [p["title"] for p in mine["projects"]] == ["免费理发"] and mine["orders"][0]["status"] == "done"
    assert login("lixiansheng").get("/api/v1/party/services").status_code == 404  # no member


def test_the_estate_page_shows_the_party_section_with_coverage(login, project):
    owner = login("lixiansheng").get(f"/estates/{estate(PACIFIC).pk}/").content.decode()
    assert 'data-testid="estate-group-coverage">11 / 11' in owner
    assert 'data-testid="estate-services-link"' in owner and 'data-testid="estate-chain-link"' not in owner
    staff = login("yanshuji").get(f"/estates/{estate(PACIFIC).pk}/").content.decode()
    assert 'data-testid="estate-chain-link"' in staff and 'data-testid="estate-household-coverage">6 / 306' in staff


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_completion_retried_at_once_earns_the_points_once(world):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["chen", "lixiansheng"])}
    project = services.service_project_declare(users["chen"], estate_id=estate(PACIFIC).pk, title="量血压",
                                               description="每天傍晚")
    order = services.service_order_place(users["lixiansheng"], project_id=project.pk, note="帮我量血压")
    services.service_order_answer(users["chen"], order_id=order.pk, accept=True)
    results = race([lambda: services.service_order_complete(users["chen"], order_id=order.pk, note="血压正常"),
                    lambda: services.service_order_complete(users["chen"], order_id=order.pk, note="血压正常")])
    assert sum(isinstance(r, ServiceOrder) for r in results) == 1, results
    assert sum(isinstance(r, WrongState) for r in results) == 1, results
    assert PointsEntry.objects.filter(source_type="party.serviceorder", source_id=order.pk).count() == 1
