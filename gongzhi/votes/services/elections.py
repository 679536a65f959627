"""Committee elections (item 3 with seats): nominations, the eligibility review (两讲两有), the
picks on a ballot, and the result by candidate."""

from collections import defaultdict

from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, WrongState
from gongzhi.core.registry import CandidateNote, candidate_notes
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.people.models import Ownership, Person
from gongzhi.votes import rules
from gongzhi.votes import tally as law
from gongzhi.votes.choices import CANDIDATE_CHECKS, AuditAction, BallotStatus, Choice, Nomination, VoteStatus
from gongzhi.votes.models import Ballot, Candidate, RollEntry, Selection, Vote
from gongzhi.votes.selectors import thresholds_of
from gongzhi.votes.services.votes import TOO_FEW_CANDIDATES, vote_for  # noqa: F401 — TOO_FEW_CANDIDATES read here too

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
        vote_for(actor, vote_id, rules.VOTE_ORGANISER_ROLES)
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
    audit_record(actor, AuditAction.CANDIDATE_NOMINATE, candidate, after=snapshot(candidate))
    return candidate


@transaction.atomic
def candidate_review(actor, *, candidate_id: int, checks: dict[str, bool]) -> Candidate:
    """The organiser's eligibility checklist (两讲两有); eligible only when every item holds."""
    scope = scope_for(actor)
    candidate = get_in_scope(Candidate.objects.filter(vote__estate__in=scope.estates()), pk=candidate_id)
    vote_for(actor, candidate.vote_id, rules.VOTE_ORGANISER_ROLES)
    _election_draft(candidate.vote_id)
    before = snapshot(candidate)
    candidate.checks = {key: bool(checks.get(key)) for key in CANDIDATE_CHECKS}
    candidate.eligible = all(candidate.checks.values())
    candidate.save(update_fields=["checks", "eligible"])
    # What the reviewer was shown beside the checklist (confirmed 九不准 breaches …) stays on the record.
    notes = [f"{n.day} {n.text}" for n in candidate_notes_of(candidate)]
    audit_record(actor, AuditAction.CANDIDATE_REVIEW, candidate, before=before,
                 after={**snapshot(candidate), **({"notes": notes} if notes else {})})
    return candidate


def candidate_notes_of(candidate: Candidate) -> list[CandidateNote]:
    """What apps above votes tell the 两讲两有 reviewer about the candidate (core.registry.candidate_notes):
    e.g. the confirmed 九不准 breaches of the last committee term, each with its item and date."""
    return candidate_notes(candidate.person, candidate.vote.estate, clock.today())


def election_picks(vote: Vote, candidate_ids: list[int] | None) -> list[Candidate]:
    if not vote.seats:
        return []
    ids = list(candidate_ids or [])
    if len(ids) != len(set(ids)):
        raise InvalidInput(DUPLICATE_CANDIDATE, field="candidate_ids")
    if len(ids) > vote.seats:
        raise InvalidInput(TOO_MANY_PICKS.format(seats=vote.seats), field="candidate_ids")
    candidates = list(Candidate.objects.filter(vote=vote, eligible=True, pk__in=ids).select_related("person"))
    if len(candidates) != len(ids):
        raise InvalidInput(NOT_A_CANDIDATE, field="candidate_ids")
    return candidates


def election_choice(picks: list[Candidate]) -> str:
    return Choice.YES if picks else Choice.ABSTAIN  # a blank ballot takes part and agrees to no one


def election_picks_save(ballot: Ballot, picks: list[Candidate], replace: bool = False) -> None:
    if replace:
        Selection.objects.filter(ballot=ballot).delete()
    Selection.objects.bulk_create(Selection(ballot=ballot, candidate=c) for c in picks)


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


def election_summary(election: dict) -> str:
    text = f"应选 {election['seats']} 人，当选：{'、'.join(election['elected']) or '无'}。"
    if election["runoff"]:
        text += f"\n{'、'.join(election['runoff'])} 得票相同，须另行组织决选。"
    if len(election["elected"]) < election["seats"]:
        text += "\n当选人数不足应选人数，须补选。"
    return text


def election_table(election: dict) -> list[list[str]]:
    rows = [["候选人", "同意人数", "同意面积（m²）", "结果"]]
    for c in sorted(election["candidates"], key=lambda c: (-c["owners_yes"], c["name"])):
        outcome = "当选" if c["elected"] else "决选" if c["runoff"] else "未过半数" if not c["passed"] else "未当选"
        rows.append([c["name"], str(c["owners_yes"]), c["area_yes"], outcome])
    return rows
