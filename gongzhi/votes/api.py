"""Owners' votes over HTTP. No endpoint returns how an owner voted in a secret vote; an open
vote's per-unit choices are published only once it is closed."""

import base64
import binascii
import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, StrictBool

from gongzhi.core import clock
from gongzhi.core.api_schema import ERRORS, BodyId, Id, Pagination, Text
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from gongzhi.core.masking import SHOWN_ALL, redact
from gongzhi.core.scoping import scope_for
from gongzhi.votes import rules, selectors, services
from gongzhi.votes.choices import Opinion
from gongzhi.votes.models import Ballot, BallotStatus, RollEntry, VoteStatus

router = Router(tags=["votes"])

MOMENT_RANGE = "时间须在 2000 年至 2100 年之间 / A time must fall between the years 2000 and 2100"
FILE_NOT_BASE64 = "文件须为 base64 编码 / The file must be base64-encoded"


def _moment(value: datetime.datetime) -> datetime.datetime:
    # A time without a zone is local (Asia/Shanghai); none is before 2000 or after 2100.
    value = clock.aware(value) if value.tzinfo is None else value
    if not 2000 <= value.year <= 2100:
        raise ValueError(MOMENT_RANGE)
    return value


Moment = Annotated[datetime.datetime, AfterValidator(_moment)]


class VoteOut(Schema):
    id: int
    estate_id: int
    title: str
    description: str
    item: int
    secret: bool
    allow_change: bool
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    status: str = Field(..., description="存储的流程状态 draft/announced/closed / the stored workflow state")
    phase: str = Field(..., description="页面所示状态 draft/upcoming/open/counting/closed（按时钟）/ "
                                        "the status every page shows, read against the clock")
    phase_label: str
    announced_at: datetime.datetime | None
    seats: int | None
    result: dict | None


class MyBallotOut(Schema):
    owner_key: str
    units: list[str]
    unit_id: int
    voted: bool
    channel: str | None
    status: str | None


class VoteDetailOut(VoteOut):
    mine: list[MyBallotOut]


class VoteIn(Schema):
    model_config = {"extra": "forbid"}
    seats: int | None = Field(None, ge=1, le=99, description="选举业主委员会（第 3 项）应选人数 / seats, item 3")
    estate_id: BodyId
    title: Text = Field(..., max_length=200)
    item: int = Field(..., ge=1, le=9)
    description: Text = Field("", max_length=5000)
    opens_at: Moment
    closes_at: Moment
    building_ids: list[BodyId] = Field(default_factory=list, max_length=500)
    secret: StrictBool = False
    allow_change: StrictBool = False
    participation: Text = Field("2/3", max_length=16)
    special: Text = Field("3/4", max_length=16)
    ordinary: Text = Field("1/2", max_length=16)


class BallotIn(Schema):
    model_config = {"extra": "forbid"}
    choice: Literal["yes", "no", "abstain"] | None = Field(None, description="一般表决 / yes-no votes")
    candidate_ids: list[BodyId] | None = Field(None, max_length=11, description="选举 / elections: up to the seats")
    unit_id: BodyId | None = None


class PaperBallotIn(Schema):
    model_config = {"extra": "forbid"}
    unit_id: BodyId
    voter_id: BodyId
    choice: Literal["yes", "no", "abstain"] | None = None
    candidate_ids: list[BodyId] | None = Field(None, max_length=11)
    channel: Literal["paper", "door"] = "paper"


class CheckIn(Schema):
    model_config = {"extra": "forbid"}
    choice: Literal["yes", "no", "abstain"] | None = None
    candidate_ids: list[BodyId] | None = Field(None, max_length=11)


class BallotOut(Schema):
    id: int
    unit_id: int
    channel: str
    status: str


class ReceiptOut(BallotOut):
    """The voter's receipt (only ever answered to the voter)."""

    vote_id: int
    vote_title: str
    choice: str = Field(..., description="yes/no/abstain（选举：yes = 有所选，abstain = 空白票）")
    choice_words: str
    units: list[str]
    area: str
    cast_at: datetime.datetime
    receipt: str | None


class TurnoutOut(Schema):
    owners_total: int
    owners_participating: int
    area_total: str
    area_participating: str
    participation_met: bool
    pending_check: int
    not_voted_by_building: dict[str, list[str]]


class UnitChoiceOut(Schema):
    unit: str
    area: str
    choice: str | None


def _vote_out(vote, user) -> dict:
    phase = vote.phase
    return {**{f: getattr(vote, f) for f in VoteOut.model_fields if f not in ("phase", "phase_label")},
            "description": redact(vote.description, scope_for(user).contacts_shown(vote.estate_id)),
            "phase": phase.value, "phase_label": str(phase.label)}


def _receipt_out(vote, r) -> dict:
    b = r.ballot
    return {"id": b.pk, "unit_id": b.unit_id, "channel": b.channel, "status": b.status, "vote_id": vote.pk,
            "vote_title": vote.title, "choice": b.choice, "choice_words": r.choice, "units": r.units,
            "area": f"{r.area:.2f}", "cast_at": b.cast_at, "receipt": b.receipt}


@router.get("/votes", response={200: list[VoteOut], **ERRORS}, operation_id="vote_list")
@paginate(Pagination)
def vote_list(request: HttpRequest):
    return [_vote_out(v, request.user) for v in selectors.vote_list(fetched_by=request.user)[:1000]]


@router.get("/votes/{vote_id}", response={200: VoteDetailOut, **ERRORS}, operation_id="vote_get")
def vote_get(request: HttpRequest, vote_id: Id):
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    mine = [{"owner_key": m.owner_key, "units": m.units, "unit_id": m.unit_id, "voted": m.ballot is not None,
             "channel": m.ballot.channel if m.ballot else None, "status": m.ballot.status if m.ballot else None}
            for m in selectors.my_ownerships(request.user, vote)]
    return {**_vote_out(vote, request.user), "mine": mine}


@router.post("/votes", response={201: VoteOut, **ERRORS}, operation_id="vote_create")
def vote_create(request: HttpRequest, payload: VoteIn):
    """Draft a vote (organisers: the committee, or the community)."""
    return Status(201, _vote_out(services.vote_create(request.user, **payload.dict()), request.user))


@router.post("/votes/{vote_id}/announce", response={200: VoteOut, **ERRORS}, operation_id="vote_announce")
def vote_announce(request: HttpRequest, vote_id: Id):
    """Announce (≥ 15 days before voting opens) and freeze the roll of owners."""
    return _vote_out(services.vote_announce(request.user, vote_id=vote_id), request.user)


@router.post("/votes/{vote_id}/close", response={200: VoteOut, **ERRORS}, operation_id="vote_close")
def vote_close(request: HttpRequest, vote_id: Id):
    """After the deadline: count by art. 278 and publish the result notice."""
    return _vote_out(services.vote_close(request.user, vote_id=vote_id), request.user)


@router.post("/votes/{vote_id}/ballot", response={201: ReceiptOut, **ERRORS}, operation_id="ballot_cast")
def ballot_cast(request: HttpRequest, vote_id: Id, payload: BallotIn):
    """Vote online, once per owner (for every unit the owner holds in the group). One call casts (the
    page asks the owner to confirm first); the answer is the receipt, also sent to the voter's inbox."""
    ballot = services.ballot_cast(request.user, vote_id=vote_id, choice=payload.choice or "",
                                  unit_id=payload.unit_id, candidate_ids=payload.candidate_ids)
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    receipt = next(r for r in selectors.my_receipts(request.user, vote) if r.ballot.pk == ballot.pk)
    return Status(201, _receipt_out(vote, receipt))


@router.get("/votes/{vote_id}/receipt", response={200: list[ReceiptOut], **ERRORS}, operation_id="ballot_receipt")
def ballot_receipt(request: HttpRequest, vote_id: Id):
    """Your receipts for this vote (the ballots you cast as the voter); 404 when you cast none —
    nobody else, organisers included, reads a voter's receipt."""
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    receipts = selectors.my_receipts(request.user, vote)
    if not receipts:
        raise NotFound()
    return [_receipt_out(vote, r) for r in receipts]


@router.post("/votes/{vote_id}/paper-ballots", response={201: BallotOut, **ERRORS}, operation_id="ballot_enter")
def ballot_enter(request: HttpRequest, vote_id: Id, payload: PaperBallotIn):
    """Enter a paper or door-to-door ballot; it counts after another organiser checks it.
    (Proxy ballots need the written authorisation: use the web form to attach it.)"""
    data = payload.dict()
    data["choice"] = data["choice"] or ""
    return Status(201, services.ballot_enter(request.user, vote_id=vote_id, **data))


@router.post("/ballots/{ballot_id}/check", response={200: BallotOut, **ERRORS}, operation_id="ballot_check")
def ballot_check(request: HttpRequest, ballot_id: Id, payload: CheckIn):
    return services.ballot_check(request.user, ballot_id=ballot_id, choice=payload.choice or "",
                                 candidate_ids=payload.candidate_ids)


@router.get("/votes/{vote_id}/turnout", response={200: TurnoutOut, **ERRORS}, operation_id="vote_turnout")
def vote_turnout(request: HttpRequest, vote_id: Id, not_voted: bool = False):
    """Who has taken part so far (never how): for organisers and ballot collectors. The flats not yet
    reached (`not_voted_by_building`) only with `not_voted=true`: a poll of the figures need not list them."""
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    if not rules.may_collect_ballots(request.user, vote.estate):
        raise PermissionDenied()
    t = selectors.turnout(fetched_by=request.user, vote=vote, not_voted=not_voted)
    return {"owners_total": t.tally.owners_total, "owners_participating": t.tally.owners_participating,
            "area_total": str(t.tally.area_total), "area_participating": str(t.tally.area_participating),
            "participation_met": t.tally.participation_met, "pending_check": t.pending_check,
            "not_voted_by_building": t.not_voted_by_building}


@router.get("/votes/{vote_id}/choices", response={200: list[UnitChoiceOut], **ERRORS}, operation_id="vote_choices")
def vote_choices(request: HttpRequest, vote_id: Id):
    """Each unit's choice, published with the result of a closed open-ballot vote."""
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    if vote.secret or vote.status != VoteStatus.CLOSED:
        raise NotFound("不记名投票或尚未结束的表决不公布各户意见 / "
                       "Choices are published only for a closed, open-ballot vote")
    ballots = dict(Ballot.objects.filter(vote=vote, status=BallotStatus.COUNTED).values_list("owner_key", "choice"))
    return [{"unit": code, "area": str(area), "choice": ballots.get(key)}
            for code, area, key in RollEntry.objects.filter(vote=vote).order_by("unit__code")
            .values_list("unit__code", "area", "owner_key")]


class CandidateIn(Schema):
    model_config = {"extra": "forbid"}
    statement: Text = Field("", max_length=5000)
    person_id: BodyId | None = Field(None, description="组织推荐时填写；不填即自荐 / omit to nominate yourself")


class ReviewIn(Schema):
    model_config = {"extra": "forbid"}
    dandang: StrictBool = False
    dangxing: StrictBool = False
    suzhi: StrictBool = False
    gongxin: StrictBool = False


class CandidateNoteOut(Schema):
    day: datetime.date
    text: str
    url: str


class CandidateOut(Schema):
    id: int
    name: str
    nomination: str
    statement: str
    eligible: bool
    notes: list[CandidateNoteOut] = Field([], description="仅组织者可见：资格审查须知（如已查实的九不准）/ "
                                                           "organisers only: what the eligibility review should know")

    @staticmethod
    def resolve_name(obj):
        return obj.person.name

    @staticmethod
    def resolve_notes(obj):
        return getattr(obj, "notes", [])


def _noted(candidates):
    """Organisers see, beside each candidate, what the 两讲两有 review should know."""
    for candidate in candidates:
        candidate.notes = services.candidate_notes_of(candidate)
    return candidates


@router.get("/votes/{vote_id}/candidates", response={200: list[CandidateOut], **ERRORS}, operation_id="candidate_list")
def candidate_list(request: HttpRequest, vote_id: Id):
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    qs = vote.candidates.select_related("person")
    if rules.may_organise_vote(request.user, vote.estate):
        return _noted(list(qs))
    return list(qs.filter(eligible=True))


@router.post("/votes/{vote_id}/candidates", response={201: CandidateOut, **ERRORS}, operation_id="candidate_nominate")
def candidate_nominate(request: HttpRequest, vote_id: Id, payload: CandidateIn):
    """Nominate yourself (an owner), or, as an organiser, recommend an owner."""
    return Status(201, services.candidate_nominate(request.user, vote_id=vote_id, **payload.dict()))


@router.post("/candidates/{candidate_id}/review", response={200: CandidateOut, **ERRORS}, operation_id="candidate_review")
def candidate_review(request: HttpRequest, candidate_id: Id, payload: ReviewIn):
    """The eligibility checklist (两讲两有): eligible only when all four hold."""
    return _noted([services.candidate_review(request.user, candidate_id=candidate_id, checks=payload.dict())])[0]


@router.post("/votes/{vote_id}/remind", response={200: dict, **ERRORS}, operation_id="vote_remind")
def vote_remind(request: HttpRequest, vote_id: Id):
    """While voting is open: post a reminder to the estate with the turnout so far (organisers)."""
    notice = services.vote_remind(request.user, vote_id=vote_id)
    return {"notice_id": notice.pk, "title": notice.title}


class BallotImportIn(Schema):
    model_config = {"extra": "forbid"}
    filename: Text = Field(..., min_length=1, max_length=200, description="…xlsx 或 …csv / the sheet's name")
    data_base64: str = Field(..., max_length=28 * 1024 * 1024)


class BallotsImportedOut(Schema):
    imported: int


@router.post("/votes/{vote_id}/paper-ballots/import", response={201: BallotsImportedOut, **ERRORS},
             operation_id="ballot_import")
def ballot_import(request: HttpRequest, vote_id: Id, payload: BallotImportIn):
    """Paper ballots typed into a sheet (房号, 投票人, 表决意见), all or nothing; each waits for a check."""
    try:
        data = base64.b64decode(payload.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(FILE_NOT_BASE64, field="data_base64") from exc
    return Status(201, {"imported": services.ballot_import(request.user, vote_id=vote_id, data=data,
                                                           filename=payload.filename)})


# --- consultations (征求意见) --------------------------------------------------------------------------
class ConsultationIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    title: Text = Field(..., min_length=1, max_length=200)
    body: Text = Field(..., min_length=1, max_length=5000)
    opens_at: Moment
    closes_at: Moment
    building_ids: list[BodyId] = Field(default_factory=list, max_length=500, description="空 = 全体 / empty: all")


class ConsultationOut(Schema):
    id: int
    estate_id: int
    estate: str
    title: str
    body: str
    buildings: list[str]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    closed_at: datetime.datetime | None
    is_open: bool


class MyHouseholdOut(Schema):
    unit_id: int
    unit: str
    opinion: str | None
    comment: str
    reply: str


class ConsultationDetailOut(ConsultationOut):
    mine: list[MyHouseholdOut]
    summary: dict | None = Field(None, description="结束后公示的汇总；进行中仅组织者、收集人可见 / "
                                                   "published once closed; live only to organisers and collectors")


class AnswerIn(Schema):
    model_config = {"extra": "forbid"}
    unit_id: BodyId
    opinion: Literal[tuple(Opinion.values)]  # type: ignore[valid-type]
    comment: Text = Field("", max_length=5000, description="有条件同意时必填 / required with conditions")
    channel: Literal["online", "door"] = Field("online", description="door：入户收集 / collected at the door")


class AnswerOut(Schema):
    id: int
    consultation_id: int
    unit_id: int
    unit: str
    opinion: str
    comment: str
    channel: str
    answered_at: datetime.datetime
    reply: str
    replied_at: datetime.datetime | None

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code


class ReplyIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=5000)


def _consultation_out(c) -> dict:
    return {"id": c.pk, "estate_id": c.estate_id, "estate": c.estate.name, "title": c.title, "body": c.body,
            "buildings": sorted(c.buildings.values_list("code", flat=True)), "opens_at": c.opens_at,
            "closes_at": c.closes_at, "closed_at": c.closed_at, "is_open": c.is_open()}


@router.get("/consultations", response={200: list[ConsultationOut], **ERRORS}, operation_id="consultation_list")
@paginate(Pagination)
def consultation_list(request: HttpRequest, estate_id: Id | None = None):
    """Consultations of the estates you see, newest first."""
    qs = selectors.consultation_list(fetched_by=request.user, estate_id=estate_id).prefetch_related("buildings")
    return [_consultation_out(c) for c in qs[:1000]]


@router.get("/consultations/{consultation_id}", response={200: ConsultationDetailOut, **ERRORS},
            operation_id="consultation_get")
def consultation_get(request: HttpRequest, consultation_id: Id):
    """A consultation, your households' answers (and the replies to them), and the summary."""
    user = request.user
    c = selectors.consultation_get(fetched_by=user, consultation_id=consultation_id)
    units = selectors.my_units(user, c)
    answers = {a.unit_id: a for a in c.answers.filter(unit__in=units)}
    mine = [{"unit_id": u.pk, "unit": u.code, "opinion": answers[u.pk].opinion if u.pk in answers else None,
             "comment": answers[u.pk].comment if u.pk in answers else "",
             "reply": answers[u.pk].reply if u.pk in answers else ""} for u in units]
    if c.closed_at is not None:
        summary = c.summary
    elif rules.may_collect_ballots(user, c.estate):
        summary = selectors.consultation_summary(c)
    else:
        summary = None
    return {**_consultation_out(c), "mine": mine, "summary": summary}


@router.post("/consultations", response={201: ConsultationOut, **ERRORS}, operation_id="consultation_create")
def consultation_create(request: HttpRequest, payload: ConsultationIn):
    """Put a plan to every household of the estate (or of the named buildings); a notice goes out."""
    return Status(201, _consultation_out(services.consultation_create(request.user, **payload.dict())))


@router.get("/consultations/{consultation_id}/answers", response={200: list[AnswerOut], **ERRORS},
            operation_id="consultation_answers")
@paginate(Pagination)
def consultation_answers(request: HttpRequest, consultation_id: Id):
    """Every household's answer, by building and unit (the organisers)."""
    c = selectors.consultation_get(fetched_by=request.user, consultation_id=consultation_id)
    return selectors.consultation_answers(fetched_by=request.user, consultation=c)


@router.post("/consultations/{consultation_id}/answers", response={200: AnswerOut, **ERRORS},
             operation_id="answer_submit")
def answer_submit(request: HttpRequest, consultation_id: Id, payload: AnswerIn):
    """A household answers (again: the answer is replaced); a collector records one at the door."""
    return services.answer_submit(request.user, consultation_id=consultation_id, **payload.dict())


@router.post("/answers/{answer_id}/reply", response={200: AnswerOut, **ERRORS}, operation_id="answer_reply")
def answer_reply(request: HttpRequest, answer_id: Id, payload: ReplyIn):
    """The organisers reply to a household's opinion; the household sees the reply."""
    return services.answer_reply(request.user, answer_id=answer_id, text=payload.text)


@router.post("/consultations/{consultation_id}/close", response={200: ConsultationDetailOut, **ERRORS},
             operation_id="consultation_close")
def consultation_close(request: HttpRequest, consultation_id: Id):
    """After the deadline: freeze the summary and publish it."""
    services.consultation_close(request.user, consultation_id=consultation_id)
    return consultation_get(request, consultation_id)


# --- residents' conventions (居民公约) -------------------------------------------------------------------
class ConventionIn(Schema):
    model_config = {"extra": "forbid"}
    estate_id: BodyId
    title: Text = Field(..., min_length=1, max_length=200)
    articles: list[Annotated[Text, Field(min_length=1, max_length=5000)]] = Field(..., min_length=1, max_length=200)


class ConventionOut(Schema):
    id: int
    estate_id: int
    estate: str
    title: str
    status: str
    vote_id: int | None
    created_at: datetime.datetime


class CommentOut(Schema):
    id: int
    article_id: int
    author: str
    text: str
    revision: int
    created_at: datetime.datetime


class ArticleOut(Schema):
    id: int
    convention_id: int
    number: int
    text: str
    revision: int


class ArticleDetailOut(ArticleOut):
    comments: list[CommentOut]


class ConventionDetailOut(ConventionOut):
    articles: list[ArticleDetailOut]


class ArticleTextIn(Schema):
    model_config = {"extra": "forbid"}
    text: Text = Field(..., min_length=1, max_length=5000)


class ToVoteIn(Schema):
    model_config = {"extra": "forbid"}
    item: int = Field(..., strict=True, ge=1, le=9, description="2 管理规约 或 9 其他重大事项 / item 2 or 9")
    opens_at: Moment
    closes_at: Moment


def _convention_out(c) -> dict:
    return {"id": c.pk, "estate_id": c.estate_id, "estate": c.estate.name, "title": c.title, "status": c.status,
            "vote_id": c.vote_id, "created_at": c.created_at}


def _article_out(a) -> dict:
    return {"id": a.pk, "convention_id": a.convention_id, "number": a.number, "text": a.text, "revision": a.revision}


def _comment_out(c, shown: str = SHOWN_ALL) -> dict:
    return {"id": c.pk, "article_id": c.article_id, "author": c.author.get_full_name() or c.author.get_username(),
            "text": redact(c.text, shown), "revision": c.revision, "created_at": c.created_at}


@router.get("/conventions", response={200: list[ConventionOut], **ERRORS}, operation_id="convention_list")
@paginate(Pagination)
def convention_list(request: HttpRequest, estate_id: Id | None = None):
    return [_convention_out(c) for c in selectors.convention_list(fetched_by=request.user, estate_id=estate_id)[:1000]]


@router.get("/conventions/{convention_id}", response={200: ConventionDetailOut, **ERRORS},
            operation_id="convention_get")
def convention_get(request: HttpRequest, convention_id: Id):
    """A convention's articles as they stand, each with its comments."""
    c = selectors.convention_get(fetched_by=request.user, convention_id=convention_id)
    shown = scope_for(request.user).contacts_shown(c.estate_id)
    articles = [{**_article_out(a), "comments": [_comment_out(m, shown) for m in a.comments.all()]}
                for a in selectors.convention_articles(c)]
    return {**_convention_out(c), "articles": articles}


@router.post("/conventions", response={201: ConventionOut, **ERRORS}, operation_id="convention_create")
def convention_create(request: HttpRequest, payload: ConventionIn):
    """Draft a convention, one text per article (organisers)."""
    return Status(201, _convention_out(services.convention_create(request.user, **payload.dict())))


@router.post("/conventions/{convention_id}/open-comments", response={200: ConventionOut, **ERRORS},
             operation_id="convention_open_comments")
def convention_open_comments(request: HttpRequest, convention_id: Id):
    """Open the draft for residents' comments."""
    return _convention_out(services.convention_open_comments(request.user, convention_id=convention_id))


@router.post("/articles/{article_id}/comments", response={201: CommentOut, **ERRORS},
             operation_id="article_comment")
def article_comment(request: HttpRequest, article_id: Id, payload: ArticleTextIn):
    """Comment on an article while the convention is open for comments (anyone of the estate)."""
    return Status(201, _comment_out(services.article_comment(request.user, article_id=article_id,
                                                             text=payload.text)))


@router.post("/articles/{article_id}/revise", response={200: ArticleOut, **ERRORS}, operation_id="article_revise")
def article_revise(request: HttpRequest, article_id: Id, payload: ArticleTextIn):
    """Revise an article in the light of the comments (organisers, before the vote)."""
    return _article_out(services.article_revise(request.user, article_id=article_id, text=payload.text))


@router.post("/conventions/{convention_id}/to-vote", response={201: VoteOut, **ERRORS},
             operation_id="convention_to_vote")
def convention_to_vote(request: HttpRequest, convention_id: Id, payload: ToVoteIn):
    """Put the articles as they stand to an owners' vote (a draft to announce); the convention is locked.
    Adopted or not is decided when that vote closes."""
    return Status(201, _vote_out(services.convention_to_vote(request.user, convention_id=convention_id,
                                                             **payload.dict()), request.user))
