"""Party work on the portal: a member's points (balance and the latest entry), and for the community's
staff the ranking of each community they read."""

from gongzhi.core.cards import MINE, OVERVIEW, Card
from gongzhi.party import selectors
from gongzhi.party.rules import PARTY_READER_ROLES
from gongzhi.people.choices import MemberStatus


def cards(request, scope):
    found = []
    member = selectors.member_of(request.user)
    if member is not None:
        entries = selectors.history(member, limit=1)
        found.append(Card("party/cards/points.html", {
            "balance": selectors.balance(member), "latest": entries[0] if entries else None,
            "in_service": member.status == MemberStatus.IN_SERVICE,
            "central": member.central_households.exists(),
            "service_orders": selectors.service_orders_waiting(member)}, order=MINE + 5))
    if scope.has_any(PARTY_READER_ROLES):
        communities = list(scope.communities(PARTY_READER_ROLES).order_by("name")[:20])
        if communities:
            pending = selectors.pending_by_community([c.pk for c in communities])
            found.append(Card("party/cards/ranking.html", {
                "communities": [(c, pending.get(c.pk, 0)) for c in communities]}, order=OVERVIEW + 8))
    return found
