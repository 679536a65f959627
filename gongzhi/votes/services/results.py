"""Closing a vote after its deadline: the count by art. 278 (or the election's result), frozen and
published as a vote-result notice in the transparency log; a convention put to the vote follows it."""

import io

from django.db import transaction
from openpyxl import Workbook

from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import WrongState
from gongzhi.core.registry import completed
from gongzhi.notices import services as notices
from gongzhi.votes import rules
from gongzhi.votes import tally as law
from gongzhi.votes.choices import AuditAction, BallotStatus, Channel, Choice, VoteStatus
from gongzhi.votes.models import Ballot, RollEntry, Vote
from gongzhi.votes.selectors import vote_tally
from gongzhi.votes.services.conventions import convention_vote_closed
from gongzhi.votes.services.elections import election_result, election_summary, election_table
from gongzhi.votes.services.votes import ALREADY_CLOSED, NOT_YET_CLOSED, vote_for


@transaction.atomic
def vote_close(actor, *, vote_id: int) -> Vote:
    """After the deadline: count, freeze the result, publish it as a vote-result notice."""
    vote = Vote.objects.select_for_update().get(pk=vote_for(actor, vote_id, rules.VOTE_ORGANISER_ROLES).pk)
    if vote.status == VoteStatus.CLOSED:
        raise WrongState(ALREADY_CLOSED)
    if vote.status != VoteStatus.ANNOUNCED or clock.now() < vote.closes_at:
        raise WrongState(NOT_YET_CLOSED)
    result = vote_tally(vote)
    election = election_result(vote) if vote.seats else None
    body = f"{'通过' if result.approved else '未通过'}。{result.reason}"
    if election is not None:
        body = election_summary(election)
    notice = notices.notice_publish(
        actor, estate_id=vote.estate_id, kind="vote_result", audience="estate", title=f"表决结果公示：{vote.title}",
        body=body, table=election_table(election) if election else _result_table(result),
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
    convention_vote_closed(vote, actor)  # a convention put to this vote is adopted or not
    completed("vote_closed", vote, actor=actor)  # apps above (reviews: a replacement vote) follow the result
    audit_record(actor, AuditAction.VOTE_CLOSE, vote, after={"approved": result.approved, "notice_id": notice.pk})
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
    choices, channels = dict(Choice.choices), dict(Channel.choices)
    ballots = {key: (choice, channel) for key, choice, channel in Ballot.objects.filter(
        vote=vote, status=BallotStatus.COUNTED).values_list("owner_key", "choice", "channel")}
    for code, area, key in RollEntry.objects.filter(vote=vote).order_by("unit__code").values_list(
            "unit__code", "area", "owner_key"):
        ballot = ballots.get(key)
        sheet.append([code, str(area), str(choices.get(ballot[0], ballot[0])) if ballot else "未投票",
                      str(channels.get(ballot[1], ballot[1])) if ballot else ""])
    data = io.BytesIO()
    book.save(data)
    return notices.Upload(f"表决{vote.pk}各户意见.xlsx", data.getvalue())
