"""The building head's home shows, for each open vote, the owners of his buildings who have not voted,
with a number to tap; an owner drops off once a ballot for the flat is in; nobody else gets the card."""

import pytest

from gongzhi.core.scoping import scope_for
from gongzhi.votes import selectors
from gongzhi.votes.models import Ballot, RollEntry, Vote, VoteStatus

pytestmark = pytest.mark.usefixtures("world")


def test_chen_sees_his_buildings_neighbours_who_have_not_voted_and_can_call_them(login, persona):
    chen = persona("chen")
    found = selectors.neighbours_not_voted(chen)
    assert found, "the demo has an open vote in 陈's estate"
    vote, neighbours = found[0]
    buildings = {a.building_id for a in scope_for(chen).assignments if a.building_id}
    voted = set(Ballot.objects.filter(vote=vote).values_list("owner_key", flat=True))
    expected = RollEntry.objects.filter(vote=vote, unit__building_id__in=buildings).exclude(owner_key__in=voted)
    assert sorted({n.unit for n in neighbours}) == sorted(set(expected.values_list("unit__code", flat=True)))
    assert all(n.tel and n.tel == n.phone for n in neighbours if n.phone), "a building head reads and dials the phone"
    html = login("chen").get("/").content.decode()
    card = html[html.index('data-testid="neighbours-not-voted"'):]
    first = next(n for n in neighbours if n.tel)
    assert f'href="tel:{first.tel}"' in card
    # once a ballot for that flat is in, the flat drops off
    entry = expected.get(unit__code=first.unit)
    Ballot.objects.create(vote=vote, owner_key=entry.owner_key, unit=entry.unit, voter=entry.persons.first(),
                          choice="yes", entered_by=chen)
    assert first.unit not in {n.unit for n in dict(selectors.neighbours_not_voted(chen)).get(vote, [])}


@pytest.mark.parametrize("username", ["wangayi", "lixiansheng", "zhaozhuren", "yanshuji"])
def test_nobody_but_a_building_head_gets_the_card(login, username):
    assert 'data-testid="neighbours-not-voted"' not in login(username).get("/").content.decode()
    assert Vote.objects.filter(status=VoteStatus.ANNOUNCED).exists()
