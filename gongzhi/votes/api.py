"""Owners' votes over HTTP. No endpoint returns how an owner voted in a secret vote; an open
vote's per-unit choices are published only once it is closed."""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from gongzhi.core.api_schema import ERRORS, BodyId, Id, Pagination, Text
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.votes import rules, selectors, services
from gongzhi.votes.models import Ballot, BallotStatus, RollEntry, VoteStatus

router = Router(tags=["votes"])


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
    status: str
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
    opens_at: datetime.datetime
    closes_at: datetime.datetime
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


def _vote_out(vote) -> dict:
    return {f: getattr(vote, f) for f in VoteOut.model_fields}


@router.get("/votes", response={200: list[VoteOut], **ERRORS})
@paginate(Pagination)
def vote_list(request: HttpRequest):
    return [_vote_out(v) for v in selectors.vote_list(fetched_by=request.user)[:1000]]


@router.get("/votes/{vote_id}", response={200: VoteDetailOut, **ERRORS})
def vote_get(request: HttpRequest, vote_id: Id):
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    mine = [{"owner_key": m.owner_key, "units": m.units, "unit_id": m.unit_id, "voted": m.ballot is not None,
             "channel": m.ballot.channel if m.ballot else None, "status": m.ballot.status if m.ballot else None}
            for m in selectors.my_ownerships(request.user, vote)]
    return {**_vote_out(vote), "mine": mine}


@router.post("/votes", response={201: VoteOut, **ERRORS})
def vote_create(request: HttpRequest, payload: VoteIn):
    """Draft a vote (organisers: the committee, or the community)."""
    return Status(201, _vote_out(services.vote_create(request.user, **payload.dict())))


@router.post("/votes/{vote_id}/announce", response={200: VoteOut, **ERRORS})
def vote_announce(request: HttpRequest, vote_id: Id):
    """Announce (≥ 15 days before voting opens) and freeze the roll of owners."""
    return _vote_out(services.vote_announce(request.user, vote_id=vote_id))


@router.post("/votes/{vote_id}/close", response={200: VoteOut, **ERRORS})
def vote_close(request: HttpRequest, vote_id: Id):
    """After the deadline: count by art. 278 and publish the result notice."""
    return _vote_out(services.vote_close(request.user, vote_id=vote_id))


@router.post("/votes/{vote_id}/ballot", response={201: BallotOut, **ERRORS})
def ballot_cast(request: HttpRequest, vote_id: Id, payload: BallotIn):
    """Vote online, once per owner (for every unit the owner holds in the group)."""
    ballot = services.ballot_cast(request.user, vote_id=vote_id, choice=payload.choice or "",
                                  unit_id=payload.unit_id, candidate_ids=payload.candidate_ids)
    return Status(201, ballot)


@router.post("/votes/{vote_id}/paper-ballots", response={201: BallotOut, **ERRORS})
def ballot_enter(request: HttpRequest, vote_id: Id, payload: PaperBallotIn):
    """Enter a paper or door-to-door ballot; it counts after another organiser checks it.
    (Proxy ballots need the written authorisation: use the web form to attach it.)"""
    data = payload.dict()
    data["choice"] = data["choice"] or ""
    return Status(201, services.ballot_enter(request.user, vote_id=vote_id, **data))


@router.post("/ballots/{ballot_id}/check", response={200: BallotOut, **ERRORS})
def ballot_check(request: HttpRequest, ballot_id: Id, payload: CheckIn):
    return services.ballot_check(request.user, ballot_id=ballot_id, choice=payload.choice or "",
                                 candidate_ids=payload.candidate_ids)


@router.get("/votes/{vote_id}/turnout", response={200: TurnoutOut, **ERRORS})
def vote_turnout(request: HttpRequest, vote_id: Id):
    """Who has taken part so far (never how): for organisers and ballot collectors."""
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    if not rules.may_collect_ballots(request.user, vote.estate):
        raise PermissionDenied()
    t = selectors.turnout(fetched_by=request.user, vote=vote)
    return {"owners_total": t.tally.owners_total, "owners_participating": t.tally.owners_participating,
            "area_total": str(t.tally.area_total), "area_participating": str(t.tally.area_participating),
            "participation_met": t.tally.participation_met, "pending_check": t.pending_check,
            "not_voted_by_building": t.not_voted_by_building}


@router.get("/votes/{vote_id}/choices", response={200: list[UnitChoiceOut], **ERRORS})
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


class CandidateOut(Schema):
    id: int
    name: str
    nomination: str
    statement: str
    eligible: bool

    @staticmethod
    def resolve_name(obj):
        return obj.person.name


@router.get("/votes/{vote_id}/candidates", response={200: list[CandidateOut], **ERRORS})
def candidate_list(request: HttpRequest, vote_id: Id):
    vote = selectors.vote_get(fetched_by=request.user, vote_id=vote_id)
    qs = vote.candidates.select_related("person")
    return list(qs if rules.may_organise_vote(request.user, vote.estate) else qs.filter(eligible=True))


@router.post("/votes/{vote_id}/candidates", response={201: CandidateOut, **ERRORS})
def candidate_nominate(request: HttpRequest, vote_id: Id, payload: CandidateIn):
    """Nominate yourself (an owner), or, as an organiser, recommend an owner."""
    return Status(201, services.candidate_nominate(request.user, vote_id=vote_id, **payload.dict()))


@router.post("/candidates/{candidate_id}/review", response={200: CandidateOut, **ERRORS})
def candidate_review(request: HttpRequest, candidate_id: Id, payload: ReviewIn):
    """The eligibility checklist (两讲两有): eligible only when all four hold."""
    return services.candidate_review(request.user, candidate_id=candidate_id, checks=payload.dict())
