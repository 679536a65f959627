"""Notifications through an outbox: the in-app inbox rows are written in the same transaction as
the change that causes them (a rolled-back change leaves none), and only after that transaction
commits are they handed to the channel adapters listed in settings.GONGZHI_NOTIFICATION_CHANNELS
(each a callable taking the saved rows; SMS and WeChat adapters log instead of sending until a
provider is configured). A failing adapter is logged and never undoes the change."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from gongzhi.core import clock
from gongzhi.core.models import Notification

log = logging.getLogger("gongzhi.notifications")


def notify(users, *, title: str, body: str = "", link: str = "") -> None:
    user_ids = sorted({u if isinstance(u, int) else u.pk for u in users if u is not None})
    if not user_ids:
        return

    now = clock.now()
    rows = Notification.objects.bulk_create(
        Notification(user_id=uid, title=title[:200], body=body, link=link[:300], created_at=now) for uid in user_ids)

    def deliver():
        for path in settings.GONGZHI_NOTIFICATION_CHANNELS:
            try:
                import_string(path)(rows)
            except Exception:  # a channel's outage must not surface as the user's error
                log.exception("notification channel %s failed", path)

    transaction.on_commit(deliver)


def log_channel(rows) -> None:
    """The stand-in for SMS / WeChat: records what would be sent."""
    for row in rows:
        log.info("notify user %s: %s", row.user_id, row.title)


class LoggingSender:
    """A channel adapter with the inbox's interface (called with the saved rows after the change
    commits). It logs instead of sending; a deployment with a provider subclasses it and overrides
    `send` (looking up the user's phone or WeChat binding there), so nothing is fetched for nothing."""

    channel = "sms"

    def __call__(self, rows) -> None:
        for row in rows:
            self.send(row)

    def send(self, row) -> None:
        log.info("%s to user %s: %s", self.channel, row.user_id, row.title)


class WeChatSender(LoggingSender):
    channel = "wechat"


sms_channel = LoggingSender()
wechat_channel = WeChatSender()


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_open(user) -> list[Notification]:
    """The user's latest messages; opening the inbox marks them read (a reader's own state, no
    governance record, so no audit row)."""
    rows = list(Notification.objects.filter(user=user)[:200])
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())
    return rows
