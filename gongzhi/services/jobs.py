"""Periodic work of community life, run by the activity_reminders command (e.g. hourly from cron)."""

import datetime

from django.db import transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.notifications import notify
from gongzhi.services.choices import SignupStatus
from gongzhi.services.models import Signup


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Remind those signed up of tomorrow's activities (the local day after today). Safe to run twice or
    at once: each reminder is claimed by an update only one run can make."""
    now = now or clock.now()
    tomorrow = clock.local_date(now) + clock.ONE_DAY
    lo, hi = clock.day_bounds(tomorrow, tomorrow)
    sent = 0
    for signup in Signup.objects.filter(reminded_at__isnull=True, status=SignupStatus.CONFIRMED,
                                        activity__starts_at__gte=lo, activity__starts_at__lt=hi
                                        ).select_related("activity"):
        if Signup.objects.filter(pk=signup.pk, reminded_at__isnull=True).update(reminded_at=now):
            with transaction.atomic():
                activity = signup.activity
                notify([signup.user_id], title=f"活动提醒：{activity.title}",
                       body=f"{clock.stamp(activity.starts_at)} · {activity.place}",
                       link=reverse("services:activity_detail", args=[activity.pk]))
            sent += 1
    return sent
