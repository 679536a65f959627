"""The requests API pages through the whole list: `count` is the scope's real total and an offset past
the first thousand still returns rows (it used to build only the first 1,000 and stop there)."""

import copy
import uuid

import pytest

from gongzhi.requests.models import Request
from tests.helpers import YIWU, estate

pytestmark = pytest.mark.usefixtures("world")


def _more_requests(n: int) -> None:
    model = Request.objects.filter(estate=estate(YIWU)).first()
    clones = []
    for _ in range(n):
        clone = copy.copy(model)
        clone.pk, clone.token = None, uuid.uuid4()
        clones.append(clone)
    Request.objects.bulk_create(clones, batch_size=500)


def test_the_count_is_the_whole_scope_and_offsets_reach_past_a_thousand(login):
    _more_requests(1_050)
    client = login("wuganbu")  # the subdistrict officer sees every request of the subdistrict
    first = client.get("/api/v1/requests?limit=1000").json()
    total = first["count"]
    assert total > 1_050 and len(first["items"]) == 1000
    rest = client.get("/api/v1/requests?limit=1000&offset=1000").json()
    assert len(rest["items"]) == total - 1000
    ids = [r["id"] for r in first["items"] + rest["items"]]
    assert len(set(ids)) == total, "every request exactly once across the pages"


def test_orders_are_paged_with_their_real_count(login):
    client = login("wuganbu")
    page = client.get("/api/v1/orders?limit=1").json()
    assert page["count"] >= len(page["items"])
    if page["count"] > 1:
        second = client.get("/api/v1/orders?limit=1&offset=1").json()["items"]
        assert second and second[0]["id"] != page["items"][0]["id"]
