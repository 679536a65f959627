"""Reads of votes, always through the scope filter. Nothing here returns an owner's choice of a
secret vote; an open vote's choices are shown only once it is closed (with the result)."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from gongzhi.core.roles import BALLOT_COLLECTOR_ROLES, BUILDING_ROLES, VOTE_ORGANISER_ROLES
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.models import Person
from gongzhi.votes.models import Ballot, BallotStatus, RollEntry, Vote, VoteStatus


def can_organise(user, vote_or_estate_id) -> bool:
    scope = scope_for(user)
    estate_id = vote_or_estate_id.estate_id if isinstance(vote_or_estate_id, Vote) else vote_or_estate_id
    return scope.is_root or estate_id in scope.estate_ids(VOTE_ORGANISER_ROLES)


def can_collect(user, vote: Vote) -> bool:
    scope = scope_for(user)
    return scope.is_root or vote.estate_id in scope.estate_ids(BALLOT_COLLECTOR_ROLES)


def vote_list(*, fetched_by) -> QuerySet:
    """Votes of the user's estates; drafts only to their organisers, except an election's draft,
    which is its nomination period: owners see it to put themselves forward."""
    scope = scope_for(fetched_by)
    qs = Vote.objects.filter(estate__in=scope.estates()).select_related("estate")
    if not scope.is_root:
        organised = scope.estates(VOTE_ORGANISER_ROLES).values("pk")
        qs = qs.filter(~Q(status=VoteStatus.DRAFT) | Q(estate__in=organised) | Q(seats__isnull=False))
    return qs.order_by("-opens_at", "-id")


def vote_get(*, fetched_by, vote_id: int) -> Vote:
    return get_in_scope(vote_list(fetched_by=fetched_by), pk=vote_id)


@dataclass
class MyOwnership:
    owner_key: str
    units: list[str]
    unit_id: int
    ballot: Ballot | None


def my_ownerships(user, vote: Vote) -> list[MyOwnership]:
    """The owner identities through which this user may vote, and whether each has voted."""
    person = Person.objects.filter(user=user).first() if user.is_authenticated else None
    if person is None:
        return []
    entries = RollEntry.objects.filter(vote=vote, persons=person).select_related("unit").order_by("unit__code")
    grouped: dict[str, list[RollEntry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.owner_key].append(entry)
    ballots = {b.owner_key: b for b in Ballot.objects.filter(vote=vote, owner_key__in=list(grouped))}
    return [MyOwnership(key, [e.unit.code for e in group], group[0].unit_id, ballots.get(key))
            for key, group in grouped.items()]


@dataclass
class Turnout:
    tally: object
    owners_voted: int
    pending_check: int
    not_voted_by_building: dict[str, list[str]]  # building code -> unit codes not yet reached


def turnout(*, fetched_by, vote: Vote) -> Turnout:
    """Live turnout for organisers and collectors; a building head sees only their buildings."""
    from gongzhi.votes.services import vote_tally

    scope = scope_for(fetched_by)
    voted = set(Ballot.objects.filter(vote=vote).values_list("owner_key", flat=True))
    entries = RollEntry.objects.filter(vote=vote).select_related("unit__building")
    if not (scope.is_root or can_organise(fetched_by, vote)) and scope.roles & BUILDING_ROLES:
        entries = entries.filter(unit__building_id__in=[a.building_id for a in scope.assignments if a.building_id])
    missing: dict[str, list[str]] = defaultdict(list)
    for entry in entries.order_by("unit__building__code", "unit__code"):
        if entry.owner_key not in voted:
            missing[entry.unit.building.code].append(entry.unit.code)
    counts = Counter(Ballot.objects.filter(vote=vote).values_list("status", flat=True))
    return Turnout(
        tally=vote_tally(vote),
        owners_voted=counts[BallotStatus.COUNTED],
        pending_check=counts[BallotStatus.PENDING_CHECK],
        not_voted_by_building=dict(missing),
    )


def pending_ballots(*, vote: Vote) -> QuerySet:
    return (Ballot.objects.filter(vote=vote, status=BallotStatus.PENDING_CHECK)
            .select_related("unit", "voter", "entered_by").order_by("cast_at"))
