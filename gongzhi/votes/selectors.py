"""Reads of votes, always through the scope filter. Nothing here returns an owner's choice of a
secret vote; an open vote's choices are shown only once it is closed (with the result)."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.figures import Chart, Figure, Place, Section, Series, rate, records_link
from gongzhi.core.roles import BUILDING_ROLES
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.masking import person_contact
from gongzhi.people.models import Ownership, Person, Residency
from gongzhi.places.models import Unit
from gongzhi.places.selectors import natural_key
from gongzhi.votes import rules
from gongzhi.votes import tally as law
from gongzhi.votes.choices import Choice, Opinion, VotePhase
from gongzhi.votes.models import (
    Answer,
    ArticleComment,
    Ballot,
    BallotStatus,
    Candidate,
    Consultation,
    Convention,
    RollEntry,
    Vote,
    VoteStatus,
)

PICKED = _("%(names)s（共 %(count)s 人）")
BLANK_BALLOT = _("空白票（一人不选，算作参与表决）")


def choice_words(vote: Vote, choice: str, picks: list[Candidate]) -> str:
    """A ballot's choice as its voter reads it: 同意 / 反对 / 弃权, or the candidates picked."""
    if vote.seats:
        if not picks:
            return str(BLANK_BALLOT)
        return str(PICKED % {"names": "、".join(c.person.name for c in picks), "count": len(picks)})
    return str(Choice(choice).label)


def thresholds_of(vote: Vote) -> law.Thresholds:
    return law.estate_thresholds(Fraction(vote.participation), Fraction(vote.special), Fraction(vote.ordinary))


def vote_tally(vote: Vote) -> law.Tally:
    """The count as it stands (live turnout while open; the result once closed)."""
    roll = RollEntry.objects.filter(vote=vote).values_list("unit__code", "area", "owner_key")
    holdings = [law.Holding(code, area, frozenset({key})) for code, area, key in roll]
    ballots = Ballot.objects.filter(vote=vote, status=BallotStatus.COUNTED).values_list(
        "unit__code", "owner_key", "choice")
    return law.tally(holdings, [law.BallotIn(code, key, choice) for code, key, choice in ballots], item=vote.item,
                     thresholds=thresholds_of(vote))


def vote_list(*, fetched_by) -> QuerySet:
    """Votes of the user's estates; drafts only to their organisers, except an election's draft,
    which is its nomination period: owners see it to put themselves forward."""
    scope = scope_for(fetched_by)
    qs = Vote.objects.filter(estate__in=scope.estates()).select_related("estate")
    if not scope.is_root:
        organised = scope.estates(rules.VOTE_ORGANISER_ROLES).values("pk")
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
    cast_by_me: bool = False  # the ballot is this user's own (a receipt to read), not a co-owner's


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
    return [MyOwnership(key, [e.unit.code for e in group], group[0].unit_id, ballots.get(key),
                        key in ballots and ballots[key].voter_id == person.pk)
            for key, group in grouped.items()]


@dataclass
class Receipt:
    ballot: Ballot
    units: list[str]
    area: Decimal
    choice: str  # in words


def my_receipts(user, vote: Vote) -> list[Receipt]:
    """The receipts of the ballots this user cast in the vote (as the voter, online or on paper):
    the choice, the units and area it carries, when, the receipt number. Only the voter reads a
    receipt: for anyone else the list is empty, organisers included (a secret choice stays secret)."""
    person = Person.objects.filter(user=user).first() if user.is_authenticated else None
    if person is None:
        return []
    ballots = list(Ballot.objects.filter(vote=vote, voter=person).prefetch_related("selections__candidate__person")
                   .order_by("cast_at", "pk"))
    held: dict[str, list[RollEntry]] = defaultdict(list)
    for entry in (RollEntry.objects.filter(vote=vote, owner_key__in=[b.owner_key for b in ballots])
                  .select_related("unit").order_by("unit__code")):
        held[entry.owner_key].append(entry)
    return [Receipt(b, [e.unit.code for e in held[b.owner_key]], sum((e.area for e in held[b.owner_key]), Decimal(0)),
                    choice_words(vote, b.choice, [s.candidate for s in b.selections.all()]))
            for b in ballots]


def open_for_me(user, *, limit: int = 5) -> list[Vote]:
    """Open votes of the user's estates on whose roll the user stands and for which no ballot of
    theirs is in yet, soonest deadline first (the home page's task card)."""
    person = Person.objects.filter(user=user).first() if user.is_authenticated else None
    if person is None:
        return []
    keys = list(RollEntry.objects.filter(vote__estate__in=scope_for(user).estates(), persons=person,
                                         vote__status=VoteStatus.ANNOUNCED).values_list("vote_id", "owner_key"))
    voted = set(Ballot.objects.filter(vote_id__in={v for v, key in keys}).values_list("vote_id", "owner_key"))
    waiting = {v for v, key in keys if (v, key) not in voted}
    votes = Vote.objects.filter(pk__in=waiting).select_related("estate").order_by("closes_at", "pk")
    return [v for v in votes if v.phase == VotePhase.OPEN][:limit]


@dataclass
class Neighbour:
    unit: str
    name: str
    phone: str  # as the viewer may read it (a building head reads it in full: PHONE_ROLES)
    tel: str  # the number to dial, only when the viewer may read it


def neighbours_not_voted(user, *, limit: int = 30) -> list[tuple[Vote, list[Neighbour]]]:
    """For a building head: each open vote of their estate with the owners of their buildings who have
    not voted yet, flat by flat, with a phone to tap where the role may read it."""
    scope = scope_for(user)
    buildings = {a.building_id for a in scope.assignments if a.role in BUILDING_ROLES and a.building_id}
    if not buildings:
        return []
    found = []
    votes = Vote.objects.filter(status=VoteStatus.ANNOUNCED, roll__unit__building_id__in=buildings).distinct()
    for vote in votes.select_related("estate").order_by("closes_at", "pk")[:3]:
        if vote.phase != VotePhase.OPEN:
            continue
        voted = set(Ballot.objects.filter(vote=vote).values_list("owner_key", flat=True))
        entries = (RollEntry.objects.filter(vote=vote, unit__building_id__in=buildings).exclude(owner_key__in=voted)
                   .select_related("unit").prefetch_related("persons").order_by("unit__code")[:limit])
        neighbours = []
        for entry in sorted(entries, key=lambda e: natural_key(e.unit.code)):
            for person in entry.persons.all():
                phone = person_contact(scope, person, {vote.estate_id})["phone"]
                neighbours.append(Neighbour(entry.unit.code, person.name, phone,
                                            phone if phone and phone == person.phone else ""))
        if neighbours:
            found.append((vote, neighbours))
    return found


@dataclass
class Turnout:
    tally: object
    owners_voted: int
    pending_check: int
    not_voted_by_building: dict[str, list[str]]  # building code -> unit codes not yet reached


def turnout(*, fetched_by, vote: Vote, not_voted: bool = False) -> Turnout:
    """Live turnout for organisers and collectors, read as values (no roll entry is built as an object);
    with `not_voted`, also the flats not yet reached, by building — a building head only his buildings'."""
    missing: dict[str, list[str]] = defaultdict(list)
    if not_voted:
        scope = scope_for(fetched_by)
        voted = set(Ballot.objects.filter(vote=vote).values_list("owner_key", flat=True))
        entries = RollEntry.objects.filter(vote=vote)
        if not rules.may_organise_vote(fetched_by, vote.estate) and scope.roles & BUILDING_ROLES:
            entries = entries.filter(unit__building_id__in=[a.building_id for a in scope.assignments if a.building_id])
        for building, unit, key in entries.order_by("unit__building__code", "unit__code").values_list(
                "unit__building__code", "unit__code", "owner_key"):
            if key not in voted:
                missing[building].append(unit)
    counts = dict(Ballot.objects.filter(vote=vote).values_list("status").annotate(n=Count("pk")).order_by())
    return Turnout(
        tally=vote_tally(vote),
        owners_voted=counts.get(BallotStatus.COUNTED, 0),
        pending_check=counts.get(BallotStatus.PENDING_CHECK, 0),
        not_voted_by_building=dict(missing),
    )


@dataclass
class BuildingTurnout:
    building: str  # its code
    tally: law.Tally  # turnout only: what was chosen is never read from it


def turnout_by_building(vote: Vote) -> list[BuildingTurnout]:
    """The count of `vote_tally`, building by building: each building's units on the roll and the
    counted ballots of their owners (an owner of flats in two buildings counts in each, with the
    area he holds there). For the vote's organisers; the areas add up to the vote's."""
    choices = dict(Ballot.objects.filter(vote=vote, status=BallotStatus.COUNTED).values_list("owner_key", "choice"))
    holdings: dict[str, list[law.Holding]] = defaultdict(list)
    for building, code, area, key in RollEntry.objects.filter(vote=vote).values_list(
            "unit__building__code", "unit__code", "area", "owner_key"):
        holdings[building].append(law.Holding(code, area, frozenset({key})))
    found = []
    for building in sorted(holdings, key=natural_key):
        unit_of = {}  # a ballot names one unit of its owner: here, the owner's first unit in this building
        for holding in holdings[building]:
            for key in holding.owners:
                unit_of.setdefault(key, holding.unit)
        ballots = [law.BallotIn(unit, key, choices[key]) for key, unit in unit_of.items() if key in choices]
        found.append(BuildingTurnout(building, law.tally(holdings[building], ballots, item=vote.item,
                                                         thresholds=thresholds_of(vote))))
    return found


def pending_ballots(*, vote: Vote) -> QuerySet:
    return (Ballot.objects.filter(vote=vote, status=BallotStatus.PENDING_CHECK)
            .select_related("unit", "voter", "entered_by").order_by("cast_at"))


# --- consultations ----------------------------------------------------------------------------------
def households(consultation: Consultation):
    units = Unit.objects.filter(estate=consultation.estate)
    if consultation.buildings.exists():
        units = units.filter(building__in=consultation.buildings.all())
    return units


def my_units(user, consultation: Consultation) -> list[Unit]:
    """The households this user answers for: units they own or live in, within the group."""
    if not user.is_authenticated:
        return []
    own = Ownership.objects.filter(person__user=user, until__isnull=True).values("unit_id")
    lives = Residency.objects.filter(person__user=user, until__isnull=True).values("unit_id")
    return list(households(consultation).filter(pk__in=own.union(lives)).order_by("code"))


def consultation_summary(consultation: Consultation) -> dict:
    """Coverage (households answered / all) and the opinions by building."""
    units = households(consultation).select_related("building")
    answers = dict(Answer.objects.filter(consultation=consultation).values_list("unit_id", "opinion"))
    by_building: dict[str, Counter] = defaultdict(Counter)
    for unit in units:
        by_building[unit.building.code][answers.get(unit.pk, "unanswered")] += 1
    total = sum(sum(c.values()) for c in by_building.values())
    counts = Counter(answers.values())
    return {
        "households": total,
        "answered": len(answers),
        "coverage": f"{len(answers) * 100 / total:.1f}%" if total else "0.0%",
        "agree": counts[Opinion.AGREE], "disagree": counts[Opinion.DISAGREE],
        "conditional": counts[Opinion.CONDITIONAL],
        "buildings": [
            {"building": code, "households": sum(c.values()), "agree": c[Opinion.AGREE],
             "disagree": c[Opinion.DISAGREE], "conditional": c[Opinion.CONDITIONAL], "unanswered": c["unanswered"]}
            for code, c in sorted(by_building.items(), key=lambda item: natural_key(item[0]))
        ],
    }


def consultation_list(*, fetched_by, estate_id: int | None = None) -> QuerySet:
    """Consultations of the user's estates, newest first (optionally of one estate)."""
    qs = Consultation.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("-opens_at", "-id")


def consultation_get(*, fetched_by, consultation_id: int) -> Consultation:
    return get_in_scope(consultation_list(fetched_by=fetched_by), pk=consultation_id)


def consultation_answers(*, fetched_by, consultation: Consultation) -> QuerySet:
    """Every household's answer with its comment and reply, for the consultation's organisers (others: 403)."""
    if not rules.may_organise_vote(fetched_by, consultation.estate):
        raise PermissionDenied()
    return (Answer.objects.filter(consultation=consultation).select_related("unit__building")
            .order_by("unit__building__code", "unit__code", "pk"))


# --- conventions ------------------------------------------------------------------------------------
def convention_list(*, fetched_by, estate_id: int | None = None) -> QuerySet:
    qs = Convention.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate", "vote")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("-created_at", "-id")


def convention_get(*, fetched_by, convention_id: int) -> Convention:
    return get_in_scope(convention_list(fetched_by=fetched_by), pk=convention_id)


def convention_articles(convention: Convention) -> QuerySet:
    """The articles as they stand, each with its comments and their authors."""
    return convention.articles.prefetch_related(
        Prefetch("comments", queryset=ArticleComment.objects.select_related("author").order_by("created_at", "pk")))



def votes_filtered(*, fetched_by, place: Place | None = None, start=None, end=None, status: str = "",
                   passed: bool = False) -> QuerySet:
    """The votes list with the dashboard's filters: counted (closed) on these local days, in this place,
    carried or not."""
    qs = vote_list(fetched_by=fetched_by)
    if status:
        qs = qs.filter(status=status)
    if place is not None:
        qs = qs.filter(**place.lookup())
    if start is not None or end is not None:
        lo, hi = clock.day_bounds(start or datetime.date(2000, 1, 1), end or datetime.date(2100, 12, 31))
        qs = qs.filter(closed_at__gte=lo, closed_at__lt=hi)
    if passed:
        qs = qs.filter(result__approved=True)
    return qs


def _counted(place: Place, period: clock.Period) -> list[tuple[str, bool, int, int]]:
    lo, hi = period.bounds
    rows = Vote.objects.filter(**place.lookup(), status=VoteStatus.CLOSED, closed_at__gte=lo, closed_at__lt=hi
                               ).order_by("closed_at").values_list("title", "result")[:2000]
    return [(title, bool((r or {}).get("approved")), int((r or {}).get("owners_participating") or 0),
             int((r or {}).get("owners_total") or 0)) for title, r in rows]


def dashboard_section(*, fetched_by, place: Place, period: clock.Period) -> Section:
    """Owners' votes counted in the period, how many carried, and turnout (owners who took part of those
    entitled, over all the period's votes), beside the same period last year."""
    now, before = _counted(place, period), _counted(place, period.a_year_earlier())
    listed = reverse("votes:vote_list")

    def turnout(rows):
        return rate(sum(r[2] for r in rows), sum(r[3] for r in rows))

    figures = [
        Figure("held", _("完成计票的表决"), len(now), len(before),
               link=records_link(listed, place, period, status=VoteStatus.CLOSED)),
        Figure("passed", _("通过的表决"), sum(r[1] for r in now), sum(r[1] for r in before),
               link=records_link(listed, place, period, status=VoteStatus.CLOSED, passed=1)),
        Figure("turnout", _("参与表决的业主比例"), turnout(now), turnout(before), unit="%"),
    ]
    shown = now[-10:]
    return Section("votes", str(_("业主表决")), figures, charts=[
        Chart("turnout_by_vote", str(_("各次表决的业主参与率")), "bar", [r[0][:20] for r in shown],
              [Series(period.label, [rate(r[2], r[3]) for r in shown])], unit="%"),
    ])



@dataclass
class OpenTurnout:
    vote: Vote
    owners_voted: int
    owners_total: int

    @property
    def percent(self):
        return round(100 * self.owners_voted / self.owners_total, 1) if self.owners_total else None


def open_turnouts(user, *, limit: int = 5) -> list[OpenTurnout]:
    """The open votes of the estates the user organises votes for, each with how many owners have voted
    so far (two counts a vote, never the roll itself): the chair's home card."""
    estates = scope_for(user).estates(rules.VOTE_ORGANISER_ROLES)
    votes = [v for v in Vote.objects.filter(estate__in=estates, status=VoteStatus.ANNOUNCED)
             .select_related("estate").order_by("closes_at", "pk")[:20] if v.phase == VotePhase.OPEN][:limit]
    found = []
    for vote in votes:
        total = RollEntry.objects.filter(vote=vote).values("owner_key").distinct().count()
        voted = Ballot.objects.filter(vote=vote).values("owner_key").distinct().count()
        found.append(OpenTurnout(vote, voted, total))
    return found
