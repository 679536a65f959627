"""A vote's live turnout is read as figures (issue 24): the page's 5-second poll and the API answer the
numbers without listing the flats not yet reached; that list only where it is asked for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.votes import selectors, services
from gongzhi.votes.models import RollEntry
from tests.votes.test_votes import draft


@pytest.fixture
def open_vote(persona, clock):
    vote = draft(persona, clock)
    services.vote_announce(persona("zhaozhuren"), vote_id=vote.pk)
    clock.set(vote.opens_at)
    return vote


def test_the_api_lists_the_flats_not_reached_only_when_asked(login, open_vote):
    client = login("zhaozhuren")
    figures = client.get(f"/api/v1/votes/{open_vote.pk}/turnout").json()
    assert figures["not_voted_by_building"] == {}
    assert figures["owners_total"] > 0 and figures["owners_participating"] == 0
    listed = client.get(f"/api/v1/votes/{open_vote.pk}/turnout?not_voted=true").json()
    flats = sum(len(units) for units in listed["not_voted_by_building"].values())
    assert flats == RollEntry.objects.filter(vote=open_vote).count()
    assert {k: v for k, v in listed.items() if k != "not_voted_by_building"} == {
        k: v for k, v in figures.items() if k != "not_voted_by_building"}


def test_the_poll_reads_no_roll_entry_as_an_object(login, open_vote, monkeypatch):
    built = []
    original = RollEntry.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(RollEntry, "__init__", counting)
    client = login("zhaozhuren")
    with CaptureQueriesContext(connection) as polled:
        assert client.get(f"/votes/{open_vote.pk}/turnout/?format=json").status_code == 200
    assert client.get(f"/votes/{open_vote.pk}/turnout/", HTTP_HX_REQUEST="true").status_code == 200
    assert built == []
    page = client.get(f"/votes/{open_vote.pk}/turnout/").content.decode()  # the page lists them, as values too
    assert "<strong>2号楼</strong>" in page and built == []
    assert len(polled) < 15


def test_turnout_lists_the_missing_flats_by_building_in_order(persona, open_vote):
    found = selectors.turnout(fetched_by=persona("zhaozhuren"), vote=open_vote, not_voted=True)
    assert found.not_voted_by_building and all(units == sorted(units) for units in found.not_voted_by_building.values())
    assert selectors.turnout(fetched_by=persona("zhaozhuren"), vote=open_vote).not_voted_by_building == {}
