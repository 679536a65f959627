"""Ballots: online (once per owner, for every unit they hold in the group), on paper, door to door
or by proxy (entered by one person, counted once another has checked it), and imported from a
spreadsheet. For a secret vote no audit row carries an owner's choice."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload, check_uploads
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.tables import read_table
from gongzhi.people.models import Person
from gongzhi.places.ledger import header_map
from gongzhi.votes import rules
from gongzhi.votes import tally as law
from gongzhi.votes.choices import AuditAction, BallotStatus, Channel, Choice
from gongzhi.votes.models import Ballot, RollEntry, Selection, Vote
from gongzhi.votes.services.elections import election_choice, election_picks, election_picks_save
from gongzhi.votes.services.votes import vote_for, vote_open_locked

NOT_ON_ROLL = "您不在本次表决的业主名册中 / You are not on this vote's roll of owners"
CHOOSE_UNIT = "您有多处房屋分属不同产权，请选择以哪处房屋投票 / Choose which of your units you vote for"
ALREADY_VOTED = "该业主已经投过票 / This owner has already voted"
NO_CHANGE = "本次表决不允许改票 / This vote does not allow changing a ballot"
UNIT_NOT_IN_GROUP = "该房屋不在表决范围内 / The unit is not in this vote's group"
VOTER_NOT_OWNER = "投票人不是该房屋的业主 / The voter is not an owner of this unit"
PROXY_TOO_BIG = "委托书文件过大 / The authorisation file is too large"
PROXY_NOT_A_SCAN = "委托书须为 PDF 或图片 / The authorisation must be a PDF or an image"
SCANS = {"application/pdf", "image/jpeg", "image/png", "image/webp"}
PROXY_NEEDS_DOCUMENT = "委托投票须附书面委托书 / A proxy ballot needs the written authorisation attached"
NOT_PENDING = "该选票不需要复核 / This ballot is not waiting for a check"
SAME_PERSON_CHECK = "录入人不能复核自己录入的选票 / The person who entered a ballot cannot check it"
CHECK_MISMATCH = "复核意见与录入不一致，请核对选票原件 / The check does not match the entry: look at the paper ballot again"
UNKNOWN_CHOICE = "请选择同意、反对或弃权 / Choose yes, no or abstain"
IMPORT_HEADERS = {"unit": ("房号", "unit"), "voter": ("投票人", "voter"), "choice": ("表决意见", "choice", "意见")}
IMPORT_ROW = "第 {line} 行（{unit}）：{reason}"


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
    vote = vote_open_locked(visible.pk)
    picks = election_picks(vote, candidate_ids)
    choice = election_choice(picks) if vote.seats else _check_choice(choice)
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
        election_picks_save(existing, picks, replace=True)
        _audit_ballot(actor, AuditAction.BALLOT_CHANGE, existing, vote)
        return existing
    ballot = _insert_ballot(Ballot(vote=vote, owner_key=entry.owner_key, unit=entry.unit, voter=person, choice=choice,
                                   channel=Channel.ONLINE, entered_by=actor))
    election_picks_save(ballot, picks)
    _audit_ballot(actor, AuditAction.BALLOT_CAST, ballot, vote)
    return ballot


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
    vote = vote_open_locked(vote_for(actor, vote_id, rules.BALLOT_COLLECTOR_ROLES).pk)
    picks = election_picks(vote, candidate_ids)
    choice = election_choice(picks) if vote.seats else _check_choice(choice)
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
        check_uploads([Upload(proxy_document.name, data)], most=1, field="proxy_document", too_many=PROXY_NOT_A_SCAN,
                      max_bytes=settings.GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES, too_big=PROXY_TOO_BIG,
                      allowed=SCANS, wrong_type=PROXY_NOT_A_SCAN)  # a scan or a photo of the signed paper
        ballot.proxy_document.save(proxy_document.name, ContentFile(data), save=False)
    ballot = _insert_ballot(ballot)
    election_picks_save(ballot, picks)
    _audit_ballot(actor, AuditAction.BALLOT_ENTER, ballot, vote)
    return ballot


@transaction.atomic
def ballot_check(actor, *, ballot_id: int, choice: str = "", candidate_ids: list[int] | None = None) -> Ballot:
    """The second person confirms the sheet says the same; a mismatch is refused, not counted."""
    ballot = get_in_scope(Ballot.objects.filter(vote__estate__in=scope_for(actor).estates()), pk=ballot_id)
    vote = vote_open_locked(vote_for(actor, ballot.vote_id, rules.VOTE_ORGANISER_ROLES).pk)
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
        raise InvalidInput(CHECK_MISMATCH, field="choice")
    ballot.status, ballot.checked_by = BallotStatus.COUNTED, actor
    ballot.save(update_fields=["status", "checked_by"])
    _audit_ballot(actor, AuditAction.BALLOT_CHECK, ballot, vote)
    return ballot


@transaction.atomic
def ballot_import(actor, *, vote_id: int, data: bytes, filename: str) -> int:
    """Paper ballots typed into a spreadsheet (房号, 投票人, 表决意见). All or nothing: every row
    is checked first; each imported ballot then waits for a second person's check, like one
    entered by hand."""
    vote = vote_open_locked(vote_for(actor, vote_id, rules.VOTE_ORGANISER_ROLES).pk)
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
    audit_record(actor, AuditAction.BALLOT_IMPORT, vote, after={"ballots": len(ballots), "file": filename[:100]})
    return len(ballots)
