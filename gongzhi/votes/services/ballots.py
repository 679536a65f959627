"""Ballots: online (once per owner, for every unit they hold in the group), on paper, door to door
or by proxy (entered by one person, counted once another has checked it), and imported from a
spreadsheet. For a secret vote no audit row carries an owner's choice."""

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload, check_uploads
from gongzhi.core.notifications import notify
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.tables import read_table
from gongzhi.people.models import Person
from gongzhi.places.ledger import header_map
from gongzhi.votes import rules
from gongzhi.votes import tally as law
from gongzhi.votes.choices import AuditAction, BallotStatus, Channel, Choice
from gongzhi.votes.models import Ballot, Candidate, RollEntry, Selection, Vote, VoteStatus
from gongzhi.votes.selectors import BLANK_BALLOT, choice_words  # noqa: F401 — BLANK_BALLOT re-exported
from gongzhi.votes.services.elections import election_choice, election_picks, election_picks_save
from gongzhi.votes.services.votes import ALREADY_CLOSED, NOT_OPEN, vote_for, vote_open_locked

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
# What the owner confirms before the ballot is cast, and the receipt the inbox keeps.
CONFIRM_FINAL = _("以 %(units)s 套房、%(area)s m² 投 %(choice)s，提交后不可更改")
CONFIRM_CHANGEABLE = _("以 %(units)s 套房、%(area)s m² 投 %(choice)s，截止前可更改")
RECEIPT_TITLE = _("投票回执：%(title)s")  # no choice in a title: the SMS and WeChat adapters log titles
RECEIPT_BODY = _("您以 %(units)s 套房、%(area)s m² 投 %(choice)s，%(when)s 记录。回执编号 %(receipt)s。")
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or copied by hand


def _check_choice(choice: str) -> str:
    if choice not in Choice.values:
        raise InvalidInput(UNKNOWN_CHOICE, field="choice")
    return choice


def new_receipt() -> str:
    """A receipt number the voter keeps: 12 random characters (60 bits), as XXXX-XXXX-XXXX."""
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _i in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


@dataclass
class BallotPlan:
    """What a ballot would cover, worked out before it is cast: the owner's units in the group
    (one owner, one ballot, carrying the area of every unit they own there), the choice in words."""

    vote: Vote
    entry: RollEntry
    person: Person
    choice: str
    picks: list[Candidate] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    area: Decimal = Decimal(0)
    changing: bool = False  # an earlier ballot of this owner is replaced (votes that allow changing)

    @property
    def words(self) -> str:
        return choice_words(self.vote, self.choice, self.picks)

    @property
    def statement(self) -> str:
        """以 2 套房、191.33 m² 投 同意，提交后不可更改 (or 截止前可更改)."""
        text = CONFIRM_CHANGEABLE if self.vote.allow_change else CONFIRM_FINAL
        return str(text % {"units": len(self.units), "area": f"{self.area:.2f}", "choice": self.words})


def _plan(actor, vote: Vote, *, choice: str, unit_id: int | None, candidate_ids: list[int] | None) -> BallotPlan:
    """Every check of an online ballot that does not depend on the write itself."""
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
    held = RollEntry.objects.filter(vote=vote, owner_key=entry.owner_key).select_related("unit").order_by("unit__code")
    return BallotPlan(vote=vote, entry=entry, person=person, choice=choice, picks=picks,
                      units=[e.unit.code for e in held], area=sum((e.area for e in held), Decimal(0)))


def ballot_preview(actor, *, vote_id: int, choice: str = "", unit_id: int | None = None,
                   candidate_ids: list[int] | None = None) -> BallotPlan:
    """What ballot_cast would record, refused for the same reasons, and nothing written: the page
    shows it for the owner to confirm (以 2 套房、191.33 m² 投 同意，提交后不可更改)."""
    vote = get_in_scope(Vote.objects.filter(estate__in=scope_for(actor).estates()), pk=vote_id)
    if not vote.is_open():
        raise WrongState(ALREADY_CLOSED if vote.status == VoteStatus.CLOSED else NOT_OPEN)
    plan = _plan(actor, vote, choice=choice, unit_id=unit_id, candidate_ids=candidate_ids)
    plan.changing = Ballot.objects.filter(vote=vote, owner_key=plan.entry.owner_key).exists()
    if plan.changing and not vote.allow_change:
        raise WrongState(ALREADY_VOTED)
    return plan


def _send_receipt(actor, plan: BallotPlan, ballot: Ballot) -> None:
    """The voter's own inbox keeps the receipt; nobody else is told, so a secret choice stays his."""
    notify([actor], title=str(RECEIPT_TITLE % {"title": plan.vote.title}),
           body=str(RECEIPT_BODY % {"units": len(plan.units), "area": f"{plan.area:.2f}", "choice": plan.words,
                                    "when": clock.stamp(ballot.cast_at), "receipt": ballot.receipt}),
           link=reverse("votes:vote_receipt", args=[plan.vote.pk]))


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
    ballot names up to `seats` candidates (none is a blank ballot: it takes part, agrees to no one).
    The ballot gets a receipt number, and the voter's inbox a receipt naming the vote and the choice."""
    visible = get_in_scope(Vote.objects.filter(estate__in=scope_for(actor).estates()), pk=vote_id)
    vote = vote_open_locked(visible.pk)
    plan = _plan(actor, vote, choice=choice, unit_id=unit_id, candidate_ids=candidate_ids)
    entry, person, choice, picks = plan.entry, plan.person, plan.choice, plan.picks
    existing = Ballot.objects.select_for_update().filter(vote=vote, owner_key=entry.owner_key).first()
    if existing is not None:
        if not vote.allow_change:
            raise WrongState(ALREADY_VOTED)
        existing.choice, existing.voter, existing.cast_at = choice, person, clock.now()
        existing.channel, existing.entered_by, existing.status = Channel.ONLINE, actor, BallotStatus.COUNTED
        existing.receipt = new_receipt()  # the earlier receipt no longer describes the ballot
        existing.save()
        election_picks_save(existing, picks, replace=True)
        _audit_ballot(actor, AuditAction.BALLOT_CHANGE, existing, vote)
        _send_receipt(actor, plan, existing)
        return existing
    ballot = _insert_ballot(Ballot(vote=vote, owner_key=entry.owner_key, unit=entry.unit, voter=person, choice=choice,
                                   channel=Channel.ONLINE, entered_by=actor, receipt=new_receipt()))
    election_picks_save(ballot, picks)
    _audit_ballot(actor, AuditAction.BALLOT_CAST, ballot, vote)
    _send_receipt(actor, plan, ballot)
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
                    channel=channel, status=BallotStatus.PENDING_CHECK, entered_by=actor, receipt=new_receipt())
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
                              channel=Channel.PAPER, status=BallotStatus.PENDING_CHECK, entered_by=actor,
                              receipt=new_receipt()))
    if errors:
        raise InvalidInput("\n".join(errors[:50]) + (f"\n…共 {len(errors)} 处 / {len(errors)} problems" if len(errors) > 50 else ""))
    Ballot.objects.bulk_create(ballots)
    audit_record(actor, AuditAction.BALLOT_IMPORT, vote, after={"ballots": len(ballots), "file": filename[:100]})
    return len(ballots)
