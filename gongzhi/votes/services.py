"""Writes of owners' votes: draft, announce (freezes the roll, publishes the notice), ballots
online and on paper (entered by one person, checked by another), and close (the legal result,
published as a vote-result notice in the transparency log).

For a secret vote no audit row, page, export or API answer carries an owner's choice.
"""

import datetime
import io
from collections import defaultdict
from fractions import Fraction

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.roles import BALLOT_COLLECTOR_ROLES, VOTE_ORGANISER_ROLES
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.notices import services as notices
from gongzhi.people.models import Ownership, Person, PersonKind
from gongzhi.places.models import Unit
from gongzhi.votes import tally as law
from gongzhi.votes.models import (
    CANDIDATE_CHECKS,
    Ballot,
    BallotStatus,
    Candidate,
    Channel,
    Choice,
    Nomination,
    RollEntry,
    Selection,
    Vote,
    VoteStatus,
)

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
NOT_ON_ROLL = "您不在本次表决的业主名册中 / You are not on this vote's roll of owners"
CHOOSE_UNIT = "您有多处房屋分属不同产权，请选择以哪处房屋投票 / Choose which of your units you vote for"
ALREADY_VOTED = "该业主已经投过票 / This owner has already voted"
NO_CHANGE = "本次表决不允许改票 / This vote does not allow changing a ballot"
UNIT_NOT_IN_GROUP = "该房屋不在表决范围内 / The unit is not in this vote's group"
VOTER_NOT_OWNER = "投票人不是该房屋的业主 / The voter is not an owner of this unit"
PROXY_TOO_BIG = "委托书文件过大 / The authorisation file is too large"
PROXY_NOT_A_SCAN = "委托书须为 PDF 或图片 / The authorisation must be a PDF or an image"
PROXY_NEEDS_DOCUMENT = "委托投票须附书面委托书 / A proxy ballot needs the written authorisation attached"
NOT_PENDING = "该选票不需要复核 / This ballot is not waiting for a check"
SAME_PERSON_CHECK = "录入人不能复核自己录入的选票 / The person who entered a ballot cannot check it"
NOT_YET_CLOSED = "投票截止时间未到 / Voting has not closed yet"
ALREADY_CLOSED = "该表决已经结束 / This vote is already closed"
UNKNOWN_CHOICE = "请选择同意、反对或弃权 / Choose yes, no or abstain"


def _organiser_estate(actor, estate_id: int):
    scope = scope_for(actor)
    estate = get_in_scope(scope.estates(), pk=estate_id)
    if not (scope.is_root or estate.pk in scope.estate_ids(VOTE_ORGANISER_ROLES)):
        raise PermissionDenied()
    return estate


def _fraction(text: str, field: str) -> str:
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(BAD_THRESHOLD, field=field) from None
    return f"{value.numerator}/{value.denominator}"


def thresholds_of(vote: Vote) -> law.Thresholds:
    return law.estate_thresholds(Fraction(vote.participation), Fraction(vote.special), Fraction(vote.ordinary))


@transaction.atomic
def vote_create(
    actor, *, estate_id: int, title: str, item: int, opens_at: datetime.datetime, closes_at: datetime.datetime,
    description: str = "", building_ids: list[int] | None = None, secret: bool = False, allow_change: bool = False,
    participation: str = "2/3", special: str = "3/4", ordinary: str = "1/2", seats: int | None = None,
) -> Vote:
    estate = _organiser_estate(actor, estate_id)
    seats = _check_seats(item, seats)
    title = (title or "").strip()
    if not title:
        raise InvalidInput(TITLE_REQUIRED, field="title")
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
    audit_record(actor, "vote.create", vote, after=snapshot(vote))
    return vote


SEATS_REQUIRED = "选举业主委员会须写明应选人数（{low}-{high} 的单数）/ An election needs an odd number of seats, {low}-{high}"
SEATS_ONLY_FOR_ELECTIONS = "只有选举业主委员会（第 3 项）才有应选人数 / Only an election (item 3) has seats"


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
    vote = Vote.objects.select_for_update().get(pk=_vote_for(actor, vote_id, VOTE_ORGANISER_ROLES).pk)
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
    audit_record(actor, "vote.announce", vote, after={"roll_units": len(entries), "announced_at": now.isoformat()})
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


def _vote_for(actor, vote_id: int, roles) -> Vote:
    scope = scope_for(actor)
    vote = get_in_scope(Vote.objects.filter(estate__in=scope.estates()).select_related("estate"), pk=vote_id)
    if not (scope.is_root or vote.estate_id in scope.estate_ids(roles)):
        raise PermissionDenied()
    return vote


def _open_vote(vote_id: int) -> Vote:
    # Lock the vote row: a ballot racing the close is either in before it or refused after it.
    vote = Vote.objects.select_for_update().get(pk=vote_id)
    if not vote.is_open():
        raise WrongState(ALREADY_CLOSED if vote.status == VoteStatus.CLOSED else NOT_OPEN)
    return vote


def _check_choice(choice: str) -> str:
    if choice not in Choice.values:
        raise InvalidInput(UNKNOWN_CHOICE, field="choice")
    return choice


def _audit_ballot(actor, action: str, ballot: Ballot, vote: Vote) -> None:
    after = {"owner_key": ballot.owner_key, "unit_id": ballot.unit_id, "channel": ballot.channel,
             "status": ballot.status}
    if not vote.secret:
        after["choice"] = ballot.choice
    audit_record(actor, action, vote, after=after)


@transaction.atomic
def ballot_cast(actor, *, vote_id: int, choice: str = "", unit_id: int | None = None,
                candidate_ids: list[int] | None = None) -> Ballot:
    """An owner votes online: once, for every unit they own in the group. In an election the
    ballot names up to `seats` candidates (none is a blank ballot: it takes part, agrees to no one)."""
    visible = get_in_scope(Vote.objects.filter(estate__in=scope_for(actor).estates()), pk=vote_id)
    vote = _open_vote(visible.pk)
    picks = _picks(vote, candidate_ids)
    choice = _election_choice(picks) if vote.seats else _check_choice(choice)
    person = Person.objects.filter(user=actor).first()
    mine = list(RollEntry.objects.filter(vote=vote, persons=person)) if person else []
    if not mine:
        raise PermissionDenied(NOT_ON_ROLL)
    if unit_id is not None:
        mine = [e for e in mine if e.unit_id == unit_id] or mine[:0]
        if not mine:
            raise InvalidInput(UNIT_NOT_IN_GROUP, field="unit_id")
    if len({e.owner_key for e in mine}) > 1:
        raise InvalidInput(CHOOSE_UNIT, field="unit_id")
    entry = mine[0]
    existing = Ballot.objects.select_for_update().filter(vote=vote, owner_key=entry.owner_key).first()
    if existing is not None:
        if not vote.allow_change:
            raise WrongState(ALREADY_VOTED)
        existing.choice, existing.voter, existing.cast_at = choice, person, clock.now()
        existing.channel, existing.entered_by, existing.status = Channel.ONLINE, actor, BallotStatus.COUNTED
        existing.save()
        _save_picks(existing, picks, replace=True)
        _audit_ballot(actor, "ballot.change", existing, vote)
        return existing
    ballot = _insert_ballot(Ballot(vote=vote, owner_key=entry.owner_key, unit=entry.unit, voter=person, choice=choice,
                                   channel=Channel.ONLINE, entered_by=actor))
    _save_picks(ballot, picks)
    _audit_ballot(actor, "ballot.cast", ballot, vote)
    return ballot


def _picks(vote: Vote, candidate_ids: list[int] | None) -> list[Candidate]:
    if not vote.seats:
        return []
    ids = list(candidate_ids or [])
    if len(ids) != len(set(ids)):
        raise InvalidInput(DUPLICATE_CANDIDATE, field="candidate_ids")
    if len(ids) > vote.seats:
        raise InvalidInput(TOO_MANY_PICKS.format(seats=vote.seats), field="candidate_ids")
    candidates = list(Candidate.objects.filter(vote=vote, eligible=True, pk__in=ids))
    if len(candidates) != len(ids):
        raise InvalidInput(NOT_A_CANDIDATE, field="candidate_ids")
    return candidates


def _election_choice(picks: list[Candidate]) -> str:
    return Choice.YES if picks else Choice.ABSTAIN  # a blank ballot takes part and agrees to no one


def _save_picks(ballot: Ballot, picks: list[Candidate], replace: bool = False) -> None:
    if replace:
        Selection.objects.filter(ballot=ballot).delete()
    Selection.objects.bulk_create(Selection(ballot=ballot, candidate=c) for c in picks)


def _insert_ballot(ballot: Ballot) -> Ballot:
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError:
        raise WrongState(ALREADY_VOTED) from None
    return ballot


@transaction.atomic
def ballot_enter(actor, *, vote_id: int, unit_id: int, voter_id: int, choice: str = "",
                 channel: str = Channel.PAPER, proxy_document=None, candidate_ids: list[int] | None = None) -> Ballot:
    """A paper, door-to-door or proxy ballot, entered by a collector; it counts once another
    organiser has checked it against the sheet (two-person entry)."""
    if channel not in (Channel.PAPER, Channel.DOOR, Channel.PROXY):
        raise InvalidInput(UNKNOWN_CHOICE, field="channel")
    if channel == Channel.PROXY and not proxy_document:
        raise InvalidInput(PROXY_NEEDS_DOCUMENT, field="proxy_document")
    vote = _open_vote(_vote_for(actor, vote_id, BALLOT_COLLECTOR_ROLES).pk)
    picks = _picks(vote, candidate_ids)
    choice = _election_choice(picks) if vote.seats else _check_choice(choice)
    entry = RollEntry.objects.filter(vote=vote, unit_id=unit_id).first()
    if entry is None:
        raise InvalidInput(UNIT_NOT_IN_GROUP, field="unit_id")
    voter = entry.persons.filter(pk=voter_id).first()
    if voter is None:
        raise InvalidInput(VOTER_NOT_OWNER, field="voter_id")
    ballot = Ballot(vote=vote, owner_key=entry.owner_key, unit=entry.unit, voter=voter, choice=choice,
                    channel=channel, status=BallotStatus.PENDING_CHECK, entered_by=actor)
    if proxy_document:
        data = proxy_document.read()
        if len(data) > settings.GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES:
            raise InvalidInput(PROXY_TOO_BIG, field="proxy_document")
        try:
            kind = notices.attachment_type(notices.Upload(proxy_document.name, data))  # checked by content
        except InvalidInput:
            kind = ""
        if not kind.startswith(("image/", "application/pdf")):  # a scan or a photo of the signed paper
            raise InvalidInput(PROXY_NOT_A_SCAN, field="proxy_document")
        ballot.proxy_document.save(proxy_document.name, ContentFile(data), save=False)
    ballot = _insert_ballot(ballot)
    _save_picks(ballot, picks)
    _audit_ballot(actor, "ballot.enter", ballot, vote)
    return ballot


@transaction.atomic
def ballot_check(actor, *, ballot_id: int, choice: str = "", candidate_ids: list[int] | None = None) -> Ballot:
    """The second person confirms the sheet says the same; a mismatch is refused, not counted."""
    ballot = get_in_scope(Ballot.objects.filter(vote__estate__in=scope_for(actor).estates()), pk=ballot_id)
    vote = _open_vote(_vote_for(actor, ballot.vote_id, VOTE_ORGANISER_ROLES).pk)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != BallotStatus.PENDING_CHECK:
        raise WrongState(NOT_PENDING)
    if ballot.entered_by_id == actor.pk:
        raise PermissionDenied(SAME_PERSON_CHECK)
    if vote.seats:
        entered = set(Selection.objects.filter(ballot=ballot).values_list("candidate_id", flat=True))
        same = entered == set(candidate_ids or [])
    else:
        same = ballot.choice == _check_choice(choice)
    if not same:
        raise InvalidInput("复核意见与录入不一致，请核对选票原件 / The check does not match the entry: "
                           "look at the paper ballot again", field="choice")
    ballot.status, ballot.checked_by = BallotStatus.COUNTED, actor
    ballot.save(update_fields=["status", "checked_by"])
    _audit_ballot(actor, "ballot.check", ballot, vote)
    return ballot


def vote_tally(vote: Vote) -> law.Tally:
    """The count as it stands (live turnout while open; the result once closed)."""
    roll = RollEntry.objects.filter(vote=vote).values_list("unit__code", "area", "owner_key")
    holdings = [law.Holding(code, area, frozenset({key})) for code, area, key in roll]
    ballots = Ballot.objects.filter(vote=vote, status=BallotStatus.COUNTED).values_list(
        "unit__code", "owner_key", "choice")
    return law.tally(holdings, [law.BallotIn(code, key, choice) for code, key, choice in ballots], item=vote.item,
                     thresholds=thresholds_of(vote))


@transaction.atomic
def vote_close(actor, *, vote_id: int) -> Vote:
    """After the deadline: count, freeze the result, publish it as a vote-result notice."""
    vote = Vote.objects.select_for_update().get(pk=_vote_for(actor, vote_id, VOTE_ORGANISER_ROLES).pk)
    if vote.status == VoteStatus.CLOSED:
        raise WrongState(ALREADY_CLOSED)
    if vote.status != VoteStatus.ANNOUNCED or clock.now() < vote.closes_at:
        raise WrongState(NOT_YET_CLOSED)
    result = vote_tally(vote)
    election = election_result(vote) if vote.seats else None
    body = f"{'通过' if result.approved else '未通过'}。{result.reason}"
    if election is not None:
        body = _election_summary(election)
    notice = notices.notice_publish(
        actor, estate_id=vote.estate_id, kind="vote_result", audience="estate", title=f"表决结果公示：{vote.title}",
        body=body, table=_election_table(election) if election else _result_table(result),
        attachments=[] if vote.secret else [_choices_sheet(vote)],
    )
    vote.result = {
        **result.as_dict(),
        **({"election": election} if election else {}),
        "pending_unchecked": Ballot.objects.filter(vote=vote, status=BallotStatus.PENDING_CHECK).count(),
        "notice_id": notice.pk,
    }
    vote.status, vote.closed_at = VoteStatus.CLOSED, clock.now()
    vote.save(update_fields=["result", "status", "closed_at"])
    from gongzhi.votes.consultations import convention_vote_closed  # a convention put to this vote

    convention_vote_closed(vote, actor)
    audit_record(actor, "vote.close", vote, after={"approved": result.approved, "notice_id": notice.pk})
    return vote


def _result_table(result: law.Tally) -> list[list[str]]:
    d = result.as_dict()
    rows = [["项目", "面积（m²）", "人数"],
            ["总计", d["area_total"], str(d["owners_total"])],
            ["参与表决", d["area_participating"], str(d["owners_participating"])],
            ["同意", d["area_yes"], str(d["owners_yes"])],
            ["反对", d["area_no"], str(d["owners_no"])],
            ["弃权", d["area_abstain"], str(d["owners_abstain"])]]
    for name, label in (("participation_area", "参与面积比"), ("participation_owners", "参与人数比"),
                        ("yes_area", "同意面积比"), ("yes_owners", "同意人数比")):
        rows.append([label, d["ratios"][name]["fraction"], d["ratios"][name]["percent"]])
    return rows


def _choices_sheet(vote: Vote) -> notices.Upload:
    """An open vote publishes every unit's choice (an Excel attachment of the result notice)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("各户意见")
    sheet.append(["房号", "面积", "意见", "方式"])
    ballots = {b.owner_key: b for b in Ballot.objects.filter(vote=vote, status=BallotStatus.COUNTED)}
    for entry in RollEntry.objects.filter(vote=vote).select_related("unit").order_by("unit__code"):
        ballot = ballots.get(entry.owner_key)
        sheet.append([entry.unit.code, str(entry.area), ballot.get_choice_display() if ballot else "未投票",
                      ballot.get_channel_display() if ballot else ""])
    data = io.BytesIO()
    book.save(data)
    return notices.Upload(f"表决{vote.pk}各户意见.xlsx", data.getvalue())


IMPORT_HEADERS = {"unit": ("房号", "unit"), "voter": ("投票人", "voter"), "choice": ("表决意见", "choice", "意见")}
IMPORT_ROW = "第 {line} 行（{unit}）：{reason}"


@transaction.atomic
def ballot_import(actor, *, vote_id: int, data: bytes, filename: str) -> int:
    """Paper ballots typed into a spreadsheet (房号, 投票人, 表决意见). All or nothing: every row
    is checked first; each imported ballot then waits for a second person's check, like one
    entered by hand."""
    from gongzhi.places.ledger import header_map, read_table

    vote = _open_vote(_vote_for(actor, vote_id, VOTE_ORGANISER_ROLES).pk)
    table = read_table(data, filename)
    columns = header_map(table[0] if table else [], IMPORT_HEADERS)
    if len(columns) < 3:
        raise InvalidInput("表格须有 房号、投票人、表决意见 三列 / The sheet needs unit, voter and choice columns")
    entries = {e.unit.code: e for e in RollEntry.objects.filter(vote=vote).select_related("unit")
               .prefetch_related("persons")}
    voted = set(Ballot.objects.filter(vote=vote).values_list("owner_key", flat=True))
    words = {**law.CHOICE_WORDS}
    errors, ballots, seen = [], [], set()
    for line, row in enumerate(table[1:], start=2):
        cell = {key: (row[i].strip() if i < len(row) else "") for key, i in columns.items()}
        if not any(cell.values()):
            continue
        entry = entries.get(cell["unit"])
        choice = words.get(cell["choice"].lower())
        voter = next((p for p in entry.persons.all() if p.name == cell["voter"]), None) if entry else None
        reason = (UNIT_NOT_IN_GROUP if entry is None else VOTER_NOT_OWNER if voter is None
                  else UNKNOWN_CHOICE if choice is None
                  else ALREADY_VOTED if entry.owner_key in voted or entry.owner_key in seen else None)
        if reason:
            errors.append(IMPORT_ROW.format(line=line, unit=cell["unit"] or "—", reason=reason))
            continue
        seen.add(entry.owner_key)
        ballots.append(Ballot(vote=vote, owner_key=entry.owner_key, unit=entry.unit, voter=voter, choice=choice.value,
                              channel=Channel.PAPER, status=BallotStatus.PENDING_CHECK, entered_by=actor))
    if errors:
        raise InvalidInput("\n".join(errors[:50]) + (f"\n…共 {len(errors)} 处 / {len(errors)} problems" if len(errors) > 50 else ""))
    Ballot.objects.bulk_create(ballots)
    audit_record(actor, "ballot.import", vote, after={"ballots": len(ballots), "file": filename[:100]})
    return len(ballots)


@transaction.atomic
def vote_remind(actor, *, vote_id: int):
    """Post a reminder to the estate's residents with the turnout so far."""
    vote = _vote_for(actor, vote_id, VOTE_ORGANISER_ROLES)
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


# --- committee elections ----------------------------------------------------------------------------
TOO_FEW_CANDIDATES = "通过资格审查的候选人少于应选人数 {seats} / Fewer eligible candidates than the {seats} seats"
DUPLICATE_CANDIDATE = "同一候选人只能选一次 / Choose each candidate once"
TOO_MANY_PICKS = "最多选 {seats} 人 / Choose at most {seats} candidates"
NOT_A_CANDIDATE = "所选的人不是本次选举通过资格审查的候选人 / Not an eligible candidate of this election"
NOT_AN_ELECTION = "该表决不是业主委员会选举 / This vote is not a committee election"
NOMINATION_CLOSED = "公告后不能再提名或审查候选人 / Candidates are settled once the election is announced"
CANDIDATE_NOT_OWNER = "候选人须为本小区业主 / A candidate must own a unit in this estate"
ALREADY_NOMINATED = "此人已是候选人 / Already a candidate"


def _election_draft(vote_id: int) -> Vote:
    vote = Vote.objects.select_for_update().get(pk=vote_id)
    if not vote.seats:
        raise WrongState(NOT_AN_ELECTION)
    if vote.status != VoteStatus.DRAFT:
        raise WrongState(NOMINATION_CLOSED)
    return vote


@transaction.atomic
def candidate_nominate(actor, *, vote_id: int, statement: str = "", person_id: int | None = None) -> Candidate:
    """An owner nominates themself (no person_id), or an organiser recommends an owner."""
    visible = get_in_scope(Vote.objects.filter(estate__in=scope_for(actor).estates()), pk=vote_id)
    if person_id is None:
        person = Person.objects.filter(user=actor).first()
        nomination = Nomination.SELF
    else:
        _vote_for(actor, vote_id, VOTE_ORGANISER_ROLES)
        person = Person.objects.filter(pk=person_id).first()
        nomination = Nomination.ORGANISATION
    vote = _election_draft(visible.pk)
    if person is None or not Ownership.objects.filter(person=person, unit__estate=vote.estate,
                                                      until__isnull=True).exists():
        raise InvalidInput(CANDIDATE_NOT_OWNER, field="person_id")
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(vote=vote, person=person, nomination=nomination,
                                                 statement=(statement or "").strip()[:5000], nominated_by=actor)
    except IntegrityError:
        raise WrongState(ALREADY_NOMINATED) from None
    audit_record(actor, "candidate.nominate", candidate, after=snapshot(candidate))
    return candidate


@transaction.atomic
def candidate_review(actor, *, candidate_id: int, checks: dict[str, bool]) -> Candidate:
    """The organiser's eligibility checklist (两讲两有); eligible only when every item holds."""
    scope = scope_for(actor)
    candidate = get_in_scope(Candidate.objects.filter(vote__estate__in=scope.estates()), pk=candidate_id)
    _vote_for(actor, candidate.vote_id, VOTE_ORGANISER_ROLES)
    _election_draft(candidate.vote_id)
    before = snapshot(candidate)
    candidate.checks = {key: bool(checks.get(key)) for key in CANDIDATE_CHECKS}
    candidate.eligible = all(candidate.checks.values())
    candidate.save(update_fields=["checks", "eligible"])
    audit_record(actor, "candidate.review", candidate, before=before, after=snapshot(candidate))
    return candidate


def election_result(vote: Vote) -> dict:
    roll = RollEntry.objects.filter(vote=vote).values_list("unit__code", "area", "owner_key")
    holdings = [law.Holding(code, area, frozenset({key})) for code, area, key in roll]
    picks = defaultdict(set)
    for ballot_id, candidate_id in Selection.objects.filter(ballot__vote=vote).values_list("ballot_id", "candidate_id"):
        picks[ballot_id].add(str(candidate_id))
    ballots = [(law.BallotIn(code, key, "yes"), frozenset(picks[pk])) for pk, code, key in
               Ballot.objects.filter(vote=vote, status=BallotStatus.COUNTED).values_list("pk", "unit__code", "owner_key")]
    candidates = list(vote.candidates.filter(eligible=True).select_related("person"))
    outcome = law.elect(holdings, ballots, [str(c.pk) for c in candidates], seats=vote.seats,
                        thresholds=thresholds_of(vote))
    names = {str(c.pk): c.person.name for c in candidates}
    return {
        "seats": vote.seats,
        "candidates": [{"id": int(r.candidate), "name": names[r.candidate], "owners_yes": r.tally.owners_yes,
                        "area_yes": str(r.tally.area_yes), "passed": r.passed, "elected": r.elected,
                        "runoff": r.runoff} for r in outcome.candidates],
        "elected": [names[c] for c in outcome.elected],
        "runoff": [names[c] for c in outcome.runoff],
    }


def _election_summary(election: dict) -> str:
    text = f"应选 {election['seats']} 人，当选：{'、'.join(election['elected']) or '无'}。"
    if election["runoff"]:
        text += f"\n{'、'.join(election['runoff'])} 得票相同，须另行组织决选。"
    if len(election["elected"]) < election["seats"]:
        text += "\n当选人数不足应选人数，须补选。"
    return text


def _election_table(election: dict) -> list[list[str]]:
    rows = [["候选人", "同意人数", "同意面积（m²）", "结果"]]
    for c in sorted(election["candidates"], key=lambda c: (-c["owners_yes"], c["name"])):
        outcome = "当选" if c["elected"] else "决选" if c["runoff"] else "未过半数" if not c["passed"] else "未当选"
        rows.append([c["name"], str(c["owners_yes"]), c["area_yes"], outcome])
    return rows
