"""A query parameter given twice is refused by the API (no list-valued parameter is declared), rather
than the last value silently winning; pages keep their own filters."""

from gongzhi.core.middleware import QUERY_REPEATED


def test_a_repeated_query_parameter_is_refused_with_its_name(login):
    client = login("zhaozhuren")
    assert client.get("/api/v1/matters?major=true").status_code == 200
    answer = client.get("/api/v1/matters?major=true&major=x")
    assert answer.status_code == 422
    assert answer.json() == {"detail": QUERY_REPEATED.format(name="major"), "code": "invalid", "field": "major"}


def test_pages_are_not_affected(login):
    assert login("zhaozhuren").get("/matters/?status=open&status=ended").status_code == 200
