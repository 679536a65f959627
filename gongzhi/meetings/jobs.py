"""Periodic work of joint deliberation, run by the meeting_reminders command (e.g. hourly from cron)."""

import datetime

from django.db import transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.notifications import notify
from gongzhi.meetings import rules
from gongzhi.meetings.models import ActionItem, Invitation, Meeting, MeetingStatus, Repeat
from gongzhi.meetings.services import meeting_plan_next


def send_reminders(now: datetime.datetime | None = None) -> tuple[int, int]:
    """The periodic job: remind the invited of meetings in the next 24 hours, and those responsible for overdue
    action items once a day. Safe to run twice or at once: each reminder is claimed by an update
    that only one run can make."""
    now = now or clock.now()
    meetings = 0
    for invitation in Invitation.objects.filter(
            reminded_at__isnull=True, meeting__status=MeetingStatus.PLANNED,
            meeting__scheduled_at__gt=now, meeting__scheduled_at__lte=now + datetime.timedelta(hours=24),
    ).select_related("meeting"):
        if Invitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(reminded_at=now):
            with transaction.atomic():
                meeting = invitation.meeting
                notify([invitation.user_id], title=f"会议提醒：{meeting.title}",
                       body=clock.local(meeting.scheduled_at).strftime("%Y-%m-%d %H:%M"),
                       link=reverse("meetings:meeting_detail", args=[meeting.pk]))
            meetings += 1
    today = clock.local_date(now)
    overdue = 0
    for item in (ActionItem.objects.filter(done_at__isnull=True, due_on__lt=today).exclude(reminded_on=today)
                 .select_related("matter__estate", "organisation")):
        if ActionItem.objects.filter(pk=item.pk).exclude(reminded_on=today).update(reminded_on=today):
            with transaction.atomic():
                notify(rules.action_assignees(item), title=f"行动事项已逾期：{item.text}",
                       body=f"期限 {item.due_on:%Y-%m-%d}", link=reverse("meetings:matter_detail", args=[item.matter_id]))
            overdue += 1
    return meetings, overdue


def plan_next_meetings(now: datetime.datetime | None = None) -> int:
    """The periodic job: each standing meeting (每月调度会, 每季联席会) that has come due and has no next one
    gets it (meetings.services.meeting_plan_next). Safe to run twice or at once: the next meeting points
    back at its predecessor under a unique key, and the predecessor's row is locked while it is made."""
    now = now or clock.now()
    made = 0
    due = (Meeting.objects.exclude(repeat=Repeat.NONE).filter(scheduled_at__lte=now, next_meeting__isnull=True)
           .values_list("pk", flat=True))
    for pk in list(due[:1000]):
        if meeting_plan_next(None, meeting_id=pk, now=now) is not None:
            made += 1
    return made
