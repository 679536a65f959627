"""An owners' vote from draft to announcement (the notice period, the frozen roll), and the
organisers' reminder. Closing and the result are in services.results."""

import datetime
from collections import defaultdict
from fractions import Fraction

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.text import clean_text
from gongzhi.notices import services as notices
from gongzhi.people.models import Ownership, Person, PersonKind
from gongzhi.places.models import Unit
from gongzhi.votes import rules
from gongzhi.votes import tally as law
from gongzhi.votes.choices import AuditAction
from gongzhi.votes.models import Ballot, RollEntry, Vote, VoteStatus
from gongzhi.votes.selectors import thresholds_of, vote_tally  # noqa: F401 — reads, also wanted by writers' callers

TITLE_REQUIRED = "请填写表决事项 / The vote needs a title"
BAD_ITEM = "表决事项须为民法典第二百七十八条第 1-9 项 / The item must be 1-9 of Civil Code art. 278"
CLOSES_BEFORE_OPENS = "截止时间须晚于开始时间 / The vote must close after it opens"
TOO_SOON = (
    "须在投票开始前至少 {days} 天公告（最早 {earliest} 开始）/ "
    "A vote must be announced at least {days} days before voting opens (earliest {earliest})"
)
BAD_THRESHOLD = "比例须写作分数，如 2/3 / Write a threshold as a fraction such as 2/3"
BUILDING_OTHER_ESTATE = "表决范围中的楼栋不属于该小区 / A building of the group is not in this estate"
NOT_DRAFT = "只有草稿可以公告 / Only a draft can be announced"
EMPTY_ROLL = "表决范围内没有业主 / Nobody owns a unit in this vote's group"
NOT_OPEN = "该表决现在不接受投票 / This vote does not accept ballots now"
ALREADY_CLOSED = "该表决已经结束 / This vote is already closed"
NOT_YET_CLOSED = "投票截止时间未到 / Voting has not closed yet"
SEATS_REQUIRED = "选举业主委员会须写明应选人数（{low}-{high} 的单数）/ An election needs an odd number of seats, {low}-{high}"
SEATS_ONLY_FOR_ELECTIONS = "只有选举业主委员会（第 3 项）才有应选人数 / Only an election (item 3) has seats"
TOO_FEW_CANDIDATES = "通过资格审查的候选人少于应选人数 {seats} / Fewer eligible candidates than the {seats} seats"
ANY_LENGTH = 100_000  # longer than any form or API field allows; a longer title is cut, as before


def organised_estate(actor, estate_id: int):
    """The estate, if the actor may organise its votes (and consultations and conventions)."""
    return estate_for(actor, estate_id, roles=rules.VOTE_ORGANISER_ROLES)


def vote_for(actor, vote_id: int, roles) -> Vote:
    """A vote of the actor's estates, if the actor holds one of `roles` over its estate."""
    return object_for(actor, Vote.objects.select_related("estate"), vote_id, roles=roles)


def _fraction(text: str, field: str) -> str:
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(BAD_THRESHOLD, field=field) from None
    return f"{value.numerator}/{value.denominator}"


@transaction.atomic
def vote_create(
    actor, *, estate_id: int, title: str, item: int, opens_at: datetime.datetime, closes_at: datetime.datetime,
    description: str = "", building_ids: list[int] | None = None, secret: bool = False, allow_change: bool = False,
    participation: str = "2/3", special: str = "3/4", ordinary: str = "1/2", seats: int | None = None,
) -> Vote:
    estate = organised_estate(actor, estate_id)
    seats = _check_seats(item, seats)
    title = clean_text(title, ANY_LENGTH, TITLE_REQUIRED, field="title")
    if item not in law.ITEMS:
        raise InvalidInput(BAD_ITEM, field="item")
    if closes_at <= opens_at:
        raise InvalidInput(CLOSES_BEFORE_OPENS, field="closes_at")
    fractions = {name: _fraction(value, name) for name, value in
                 (("participation", participation), ("special", special), ("ordinary", ordinary))}
    try:
        law.estate_thresholds(*(Fraction(v) for v in fractions.values()))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="participation") from None
    buildings = list(estate.buildings.filter(pk__in=building_ids or []))
    if len(buildings) != len(set(building_ids or [])):
        raise InvalidInput(BUILDING_OTHER_ESTATE, field="building_ids")
    vote = Vote.objects.create(
        estate=estate, title=title[:200], description=description or "", item=item, opens_at=opens_at,
        closes_at=closes_at, secret=bool(secret), allow_change=bool(allow_change), created_by=actor, seats=seats,
        **fractions,
    )
    vote.buildings.set(buildings)
    audit_record(actor, AuditAction.VOTE_CREATE, vote, after=snapshot(vote))
    return vote


def _check_seats(item: int, seats: int | None) -> int | None:
    low, high = settings.GONGZHI_COMMITTEE_MIN_MEMBERS, settings.GONGZHI_COMMITTEE_MAX_MEMBERS
    if item != law.Art278.COMMITTEE:
        if seats:
            raise InvalidInput(SEATS_ONLY_FOR_ELECTIONS, field="seats")
        return None
    if seats is None:
        return None  # item 3 also covers replacing members by a yes/no question
    if not (low <= seats <= high and seats % 2 == 1):
        raise InvalidInput(SEATS_REQUIRED.format(low=low, high=high), field="seats")
    return seats


def _owner_key(persons: list[Person]) -> str:
    if any(p.kind == PersonKind.DEVELOPER for p in persons):
        return law.DEVELOPER  # all the developer's units together are one owner
    return "+".join(sorted(f"p{p.pk}" for p in persons))


@transaction.atomic
def vote_announce(actor, *, vote_id: int) -> Vote:
    """Announce the vote (a public notice to the estate) and freeze its roll of owners."""
    vote = Vote.objects.select_for_update().get(pk=vote_for(actor, vote_id, rules.VOTE_ORGANISER_ROLES).pk)
    if vote.status != VoteStatus.DRAFT:
        raise WrongState(NOT_DRAFT)
    if vote.seats and vote.candidates.filter(eligible=True).count() < vote.seats:
        raise WrongState(TOO_FEW_CANDIDATES.format(seats=vote.seats))
    now = clock.now()
    earliest = now + datetime.timedelta(days=settings.GONGZHI_VOTE_NOTICE_DAYS)
    if vote.opens_at < earliest:
        local = clock.local(earliest).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(TOO_SOON.format(days=settings.GONGZHI_VOTE_NOTICE_DAYS, earliest=local), field="opens_at")
    units = Unit.objects.filter(estate=vote.estate)
    if vote.buildings.exists():
        units = units.filter(building__in=vote.buildings.all())
    titles = defaultdict(list)
    for ownership in Ownership.objects.filter(unit__in=units, until__isnull=True).select_related("person", "unit"):
        titles[ownership.unit].append(ownership.person)
    if not titles:
        raise WrongState(EMPTY_ROLL)
    entries = RollEntry.objects.bulk_create(
        RollEntry(vote=vote, unit=unit, area=unit.area, owner_key=_owner_key(persons)) for unit, persons in titles.items()
    )
    through = RollEntry.persons.through
    through.objects.bulk_create(
        through(rollentry_id=entry.pk, person_id=p.pk) for entry, persons in zip(entries, titles.values(), strict=True)
        for p in persons
    )
    vote.status, vote.announced_at = VoteStatus.ANNOUNCED, now
    vote.save(update_fields=["status", "announced_at"])
    notices.notice_publish(
        actor, estate_id=vote.estate_id, kind="announcement", audience="estate", title=f"表决公告：{vote.title}",
        body=_announcement_body(vote, len(entries)), expires_on=clock.local_date(vote.closes_at),
    )
    audit_record(actor, AuditAction.VOTE_ANNOUNCE, vote, after={"roll_units": len(entries), "announced_at": now.isoformat()})
    return vote


def _announcement_body(vote: Vote, units: int) -> str:
    fmt = "%Y-%m-%d %H:%M"
    return "\n".join([
        f"表决事项：{vote.title}（民法典第二百七十八条第{vote.item}项：{law.ITEMS[vote.item]}）",
        vote.description,
        f"投票时间：{clock.local(vote.opens_at).strftime(fmt)} 至 {clock.local(vote.closes_at).strftime(fmt)}",
        f"表决范围：{units} 户；{'不记名投票' if vote.secret else '记名投票，结果公布各户意见'}。",
        "可在网上投票，也可向楼栋长、业委会提交纸质选票或书面委托他人投票。",
    ])


def vote_open_locked(vote_id: int) -> Vote:
    # Lock the vote row: a ballot racing the close is either in before it or refused after it.
    vote = Vote.objects.select_for_update().get(pk=vote_id)
    if not vote.is_open():
        raise WrongState(ALREADY_CLOSED if vote.status == VoteStatus.CLOSED else NOT_OPEN)
    return vote


@transaction.atomic
def vote_remind(actor, *, vote_id: int):
    """Post a reminder to the estate's residents with the turnout so far."""
    vote = vote_for(actor, vote_id, rules.VOTE_ORGANISER_ROLES)
    if not vote.is_open():
        raise WrongState(NOT_OPEN)
    result = vote_tally(vote)
    missing = RollEntry.objects.filter(vote=vote).exclude(
        owner_key__in=Ballot.objects.filter(vote=vote).values("owner_key")).values("owner_key").distinct().count()
    return notices.notice_publish(
        actor, estate_id=vote.estate_id, kind="announcement", audience="estate", title=f"投票提醒：{vote.title}",
        body=(f"截至目前，参与表决的业主 {result.owners_participating}/{result.owners_total} 人，"
              f"专有部分面积 {result.area_participating}/{result.area_total} m²；尚有 {missing} 位业主未投票。"
              f"投票截止：{clock.local(vote.closes_at).strftime('%Y-%m-%d %H:%M')}。"),
        expires_on=clock.local_date(vote.closes_at),
    )
