"""Notifications: written only after the change that causes them commits (a rolled-back change
tells nobody anything), to the in-app inbox, and handed to any further channel adapters listed in
settings.GONGZHI_NOTIFICATION_CHANNELS (each a callable taking the saved rows; SMS and WeChat
adapters log instead of sending until a provider is configured)."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from gongzhi.core.models import Notification

log = logging.getLogger("gongzhi.notifications")


def notify(users, *, title: str, body: str = "", link: str = "") -> None:
    user_ids = sorted({u if isinstance(u, int) else u.pk for u in users if u is not None})
    if not user_ids:
        return

    def send():
        rows = Notification.objects.bulk_create(
            Notification(user_id=uid, title=title[:200], body=body, link=link[:300]) for uid in user_ids)
        for path in settings.GONGZHI_NOTIFICATION_CHANNELS:
            import_string(path)(rows)

    transaction.on_commit(send)


def log_channel(rows) -> None:
    """The stand-in for SMS / WeChat: records what would be sent."""
    for row in rows:
        log.info("notify user %s: %s", row.user_id, row.title)


class LoggingSender:
    """A channel adapter: the same interface as the inbox (called with the saved rows after the
    change commits); `send` logs until a provider is configured by subclassing and overriding it."""

    channel = "sms"

    def __call__(self, rows) -> None:
        for row, address in zip(rows, self.addresses([r.user_id for r in rows]), strict=True):
            if address:
                self.send(address, row)

    def addresses(self, user_ids) -> list[str]:
        from gongzhi.people.models import Person

        phones = dict(Person.objects.filter(user_id__in=user_ids).exclude(phone="").values_list("user_id", "phone"))
        return [phones.get(uid, "") for uid in user_ids]

    def send(self, address: str, row) -> None:
        from gongzhi.core.masking import mask_phone

        log.info("%s to %s: %s", self.channel, mask_phone(address), row.title)


class WeChatSender(LoggingSender):
    """WeChat template messages go to the user's bound account; here the phone stands in for it."""

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
    from django.utils import timezone

    rows = list(Notification.objects.filter(user=user)[:200])
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    return rows
