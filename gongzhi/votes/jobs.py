"""Periodic work of owners' votes, run by the vote_reminders command (e.g. hourly from cron):
reminding the owners who have not voted, three days and one day before voting closes."""

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.notifications import notify
from gongzhi.people.models import Person
from gongzhi.votes.choices import ReminderKind, VotePhase, VoteStatus
from gongzhi.votes.models import Ballot, Reminder, RollEntry, Vote

REMINDER_TITLE = _("投票提醒：%(title)s，%(deadline)s 截止")
REMINDER_BODY = _("您还没有对“%(title)s”投票。投票将于 %(deadline)s 截止。可以在网上投票，"
                  "也可以向楼栋长、业委会提交纸质选票或书面委托他人投票。")
# Latest first: a run inside the last day sends the one-day reminder (and not a late three-day one).
WINDOWS = [(ReminderKind.ONE_DAY, datetime.timedelta(days=1)), (ReminderKind.THREE_DAYS, datetime.timedelta(days=3))]


def reminder_due(vote: Vote, now: datetime.datetime) -> ReminderKind | None:
    """The reminder a vote is due at `now`: from exactly 3 days before closing the three-day one,
    from exactly 1 day before the one-day one; none while it is not open (closed at closes_at)."""
    if vote.phase_at(now) != VotePhase.OPEN:
        return None
    return next((kind for kind, ahead in WINDOWS if now >= vote.closes_at - ahead), None)


def send_vote_reminders(now: datetime.datetime | None = None) -> int:
    """Remind every person on the roll of an open vote whose owner has no ballot in yet (a co-owner's
    ballot counts for the unit), once per person per reminder. Safe to run twice or at once: each
    reminder is claimed by inserting its row (unique per vote, person and kind) with the message,
    in one transaction. Returns how many reminders were sent."""
    now = now or clock.now()
    sent = 0
    candidates = Vote.objects.filter(status=VoteStatus.ANNOUNCED, opens_at__lte=now, closes_at__gt=now,
                                     closes_at__lte=now + WINDOWS[-1][1])
    for vote in candidates.order_by("closes_at", "pk"):
        kind = reminder_due(vote, now)
        if kind is not None:
            sent += _remind(vote, kind, now)
    return sent


def _remind(vote: Vote, kind: ReminderKind, now: datetime.datetime) -> int:
    voted = Ballot.objects.filter(vote=vote).values("owner_key")
    waiting = (RollEntry.persons.through.objects.filter(rollentry__vote=vote)
               .exclude(rollentry__owner_key__in=voted).values("person_id"))
    done = Reminder.objects.filter(vote=vote, kind=kind).values("person_id")
    people = (Person.objects.filter(pk__in=waiting, user__isnull=False).exclude(pk__in=done)
              .order_by("pk").values_list("pk", "user_id"))
    deadline = clock.stamp(vote.closes_at)
    words = {"title": vote.title, "deadline": deadline}
    link = reverse("votes:vote_detail", args=[vote.pk])
    sent = 0
    for person_id, user_id in people:
        try:
            with transaction.atomic():
                Reminder.objects.create(vote=vote, person_id=person_id, kind=kind, sent_at=now)
                notify([user_id], title=str(REMINDER_TITLE % words), body=str(REMINDER_BODY % words), link=link)
        except IntegrityError:  # another run claimed this one first
            continue
        sent += 1
    return sent
