"""三单制: 点单 → 派单 → 接单 → done; exactly one of two accepting at once wins; an order nobody
accepts in time goes back to the dispatcher."""

import datetime

import pytest

from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.models import AuditEntry, Notification
from gongzhi.requests.jobs import sweep
from gongzhi.requests.models import Order, OrderStatus
from gongzhi.requests.selectors import helpers_for
from gongzhi.requests.services import orders
from tests.helpers import PACIFIC, YIWU, estate, race, unit

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def wish(persona, clock):
    return orders.order_place(persona("wangayi"), estate_id=estate(YIWU).pk, kind="micro_wish",
                              title="帮忙换灯泡", description="独居，够不着")


def _dispatch(persona, order, *helpers, hours=None):
    return orders.order_dispatch(persona("wanggeyuan"), order_id=order.pk,
                                 helper_ids=[persona(h).pk for h in helpers], accept_hours=hours)


def test_order_dispatch_accept_complete_rate(wish, persona, clock, django_capture_on_commit_callbacks):
    assert wish.status == OrderStatus.ORDERED
    with pytest.raises(PermissionDenied):  # a resident cannot dispatch
        orders.order_dispatch(persona("wangayi"), order_id=wish.pk, helper_ids=[persona("dangyuan").pk])
    with pytest.raises(InvalidInput):  # another estate's building head is not a helper here
        _dispatch(persona, wish, "chen")
    with pytest.raises(InvalidInput):
        _dispatch(persona, wish)
    with django_capture_on_commit_callbacks(execute=True):
        order = _dispatch(persona, wish, "dangyuan", "wanggeyuan")
    assert order.status == OrderStatus.DISPATCHED and order.accept_by == clock.now + 24 * HOUR
    assert Notification.objects.filter(user=persona("dangyuan"), title__startswith="派单").exists()
    with pytest.raises(WrongState):  # dispatched already
        _dispatch(persona, wish, "dangyuan")
    with pytest.raises(NotFound):  # not offered to him, and not his estate: he cannot even see it
        orders.order_accept(persona("chen"), order_id=wish.pk)
    with pytest.raises(PermissionDenied):  # the secretary sees it but it was not dispatched to her
        orders.order_accept(persona("yanshuji"), order_id=wish.pk)
    order = orders.order_accept(persona("dangyuan"), order_id=wish.pk)
    assert (order.status, order.accepted_by) == (OrderStatus.ACCEPTED, persona("dangyuan"))
    with pytest.raises(WrongState):  # the second helper is too late
        orders.order_accept(persona("wanggeyuan"), order_id=wish.pk)
    with pytest.raises(PermissionDenied):
        orders.order_complete(persona("wanggeyuan"), order_id=wish.pk, note="我做的")
    with pytest.raises(InvalidInput):
        orders.order_complete(persona("dangyuan"), order_id=wish.pk, note=" ")
    with pytest.raises(WrongState):
        orders.order_rate(persona("wangayi"), order_id=wish.pk, satisfaction=5)
    orders.order_complete(persona("dangyuan"), order_id=wish.pk, note="已换好")
    with pytest.raises(WrongState):  # accepting a closed order
        orders.order_accept(persona("wanggeyuan"), order_id=wish.pk)
    with pytest.raises(PermissionDenied):
        orders.order_rate(persona("dangyuan"), order_id=wish.pk, satisfaction=5)
    with pytest.raises(InvalidInput):
        orders.order_rate(persona("wangayi"), order_id=wish.pk, satisfaction=9)
    assert orders.order_rate(persona("wangayi"), order_id=wish.pk, satisfaction=5).satisfaction == 5
    actions = set(AuditEntry.objects.filter(subject_type="requests.order", subject_id=str(wish.pk))
                  .values_list("action", flat=True))
    assert actions == {"order.place", "order.dispatch", "order.accept", "order.complete", "order.rate"}


def test_an_order_nobody_accepts_goes_back_to_the_dispatcher(wish, persona, clock, django_capture_on_commit_callbacks):
    order = _dispatch(persona, wish, "dangyuan", hours=2)
    clock.set(order.accept_by - datetime.timedelta(seconds=1))
    sweep()
    assert Order.objects.get(pk=wish.pk).status == OrderStatus.DISPATCHED
    clock.set(order.accept_by)
    with pytest.raises(WrongState):  # too late to accept
        orders.order_accept(persona("dangyuan"), order_id=wish.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().orders_returned >= 1
    assert sweep().orders_returned == 0
    back = Order.objects.get(pk=wish.pk)
    assert (back.status, back.returned_count) == (OrderStatus.ORDERED, 1)
    assert Notification.objects.filter(user=persona("wanggeyuan"), title__startswith="无人接单").exists()
    with pytest.raises(WrongState):
        orders.order_accept(persona("dangyuan"), order_id=wish.pk)
    again = _dispatch(persona, back, "dangyuan")  # the dispatcher sends it again
    assert orders.order_accept(persona("dangyuan"), order_id=again.pk).status == OrderStatus.ACCEPTED


def test_a_volunteer_of_the_estate_is_offered_orders_and_sees_nothing_more(wish, persona, login):
    from gongzhi.core.roles import Role
    from gongzhi.core.scoping import Scope
    from gongzhi.people.models import RoleAssignment

    zuhu = persona("zuhu")  # a tenant of 义乌城 and its registered volunteer
    assert zuhu in helpers_for(estate(YIWU))
    assert zuhu not in helpers_for(estate(PACIFIC))
    page = login("wanggeyuan").get(f"/orders/{wish.pk}/").content.decode()
    assert f'value="{zuhu.pk}"' in page  # the dispatcher can pick her
    _dispatch(persona, wish, "zuhu")
    assert 'data-testid="accept"' in login("zuhu").get(f"/orders/{wish.pk}/").content.decode()
    assert login("zuhu").get("/").status_code == 200
    assert orders.order_accept(zuhu, order_id=wish.pk).accepted_by == zuhu
    orders.order_complete(zuhu, order_id=wish.pk, note="已陪同")
    other = orders.order_place(persona("lixiansheng"), estate_id=estate(PACIFIC).pk, kind="service", title="取药")
    with pytest.raises(InvalidInput):  # another estate's order cannot be dispatched to her
        orders.order_dispatch(persona("zhaozhuren"), order_id=other.pk, helper_ids=[zuhu.pk])
    assert login("zuhu").get(f"/orders/{other.pk}/").status_code == 404
    assert login("zuhu").get(f"/api/v1/orders/{other.pk}").status_code == 404
    # Volunteering opens no one's personal data: she sees her own flat and herself, as before.
    scope = Scope(zuhu)
    assert list(scope.units().values_list("code", flat=True)) == ["7-2-1203"]
    for person in scope.persons():
        assert person.user_id == zuhu.pk or unit(YIWU, "7-2-1203").pk in {
            *person.ownerships.values_list("unit_id", flat=True), *person.residencies.values_list("unit_id", flat=True)}
    RoleAssignment.objects.filter(user=zuhu, role=Role.VOLUNTEER).delete()
    assert zuhu not in helpers_for(estate(YIWU))


def test_bad_orders_are_refused(persona):
    before = Order.objects.count()
    for kwargs in ({"kind": "gift"}, {"title": "  "}, {"title": "x" * 201}):
        with pytest.raises(InvalidInput):
            orders.order_place(persona("wangayi"), **{"estate_id": estate(YIWU).pk, "kind": "service",
                                                      "title": "帮忙", **kwargs})
    with pytest.raises(NotFound):
        orders.order_place(persona("wangayi"), estate_id=estate(PACIFIC).pk, kind="service", title="帮忙")
    assert Order.objects.count() == before


@pytest.mark.parametrize("username,path,status", [
    ("wangayi", "/orders/{pk}/", 200),
    ("lixiansheng", "/orders/{pk}/", 404),
    ("wangjingli", "/api/v1/orders/{pk}", 404),
])
def test_who_opens_an_order(wish, login, username, path, status):
    assert login(username).get(path.format(pk=wish.pk)).status_code == status


def test_order_pages_and_api(wish, persona, login):
    page = login("wanggeyuan").get(f"/orders/{wish.pk}/").content.decode()
    assert 'data-testid="dispatch"' in page
    login("wanggeyuan").post(f"/orders/{wish.pk}/", {"action": "dispatch",
                                                      "helpers": [persona("dangyuan").pk, persona("wanggeyuan").pk]})
    assert 'data-testid="accept"' in login("dangyuan").get(f"/orders/{wish.pk}/").content.decode()
    api = login("dangyuan").post(f"/api/v1/orders/{wish.pk}/accept")
    assert api.status_code == 200 and api.json()["status"] == "accepted"
    again = login("wanggeyuan").post(f"/api/v1/orders/{wish.pk}/accept")
    assert again.status_code == 409 and orders.ALREADY_TAKEN in again.json()["detail"]
    created = login("lixiansheng").post("/api/v1/orders", {"estate_id": estate(PACIFIC).pk, "kind": "service",
                                                           "title": "帮老人取药"}, content_type="application/json")
    assert created.status_code == 201
    assert login("lixiansheng").post("/api/v1/orders", {"estate_id": estate(PACIFIC).pk, "kind": "gift",
                                                        "title": "x"}, content_type="application/json").status_code == 422


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_helpers_accepting_at_once_exactly_one_wins(world, persona):
    order = orders.order_place(persona("wangayi"), estate_id=estate(YIWU).pk, kind="service", title="修水龙头")
    _dispatch(persona, order, "dangyuan", "wanggeyuan")
    helpers = [persona("dangyuan"), persona("wanggeyuan")]
    results = race([lambda u=u: orders.order_accept(u, order_id=order.pk) for u in helpers])
    winners = [r for r in results if isinstance(r, Order)]
    losers = [r for r in results if isinstance(r, WrongState)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert Order.objects.get(pk=order.pk).accepted_by_id == winners[0].accepted_by_id
    assert AuditEntry.objects.filter(action="order.accept", subject_id=str(order.pk)).count() == 1
