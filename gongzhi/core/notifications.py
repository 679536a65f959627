"""Notifications through an outbox: the in-app inbox rows are written in the same transaction as
the change that causes them (a rolled-back change leaves none), and only after that transaction
commits are they handed to the channel adapters listed in settings.GONGZHI_NOTIFICATION_CHANNELS
(each a callable taking the saved rows; SMS and WeChat adapters log instead of sending until a
provider is configured). A failing adapter is logged and never undoes the change."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.masking import mask_phone
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

    def send_text(self, phone: str, text: str, *, secret: str = "") -> None:
        """A text straight to a mobile (a login code: never an inbox row). Logged with the phone masked and
        the secret in it starred, except in DEBUG or the demo (settings.GONGZHI_SMS_LOG_CODES), where the
        log is how one reads the code; a provider's subclass sends `text` itself."""
        shown = text if settings.GONGZHI_SMS_LOG_CODES or not secret else text.replace(secret, "*" * len(secret))
        log.warning("%s to %s (no provider, not sent): %s", self.channel, mask_phone(phone), shown)


class WeChatSender(LoggingSender):
    channel = "wechat"


sms_channel = LoggingSender()
wechat_channel = WeChatSender()


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


INBOX_PAGE = 20


@dataclass
class InboxGroup:
    label: str
    rows: list


def inbox_open(user, page_number=None):
    """One page of the user's messages, unread first, then the newest; the page is grouped into
    未读 / 今天 / 更早. Opening a page marks the messages on it read (a reader's own state, no
    governance record, so no audit row); those on other pages stay unread."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ordered = Notification.objects.filter(user=user).alias(unread=unread).order_by("-unread", "-created_at", "-id")
    page = Paginator(ordered, INBOX_PAGE).get_page(page_number)
    rows = list(page.object_list)
    today = clock.today()
    groups = [InboxGroup(_("未读"), [n for n in rows if n.read_at is None]),
              InboxGroup(_("今天"), [n for n in rows if n.read_at and clock.local_date(n.created_at) == today]),
              InboxGroup(_("更早"), [n for n in rows if n.read_at and clock.local_date(n.created_at) != today])]
    Notification.objects.filter(pk__in=[n.pk for n in rows if n.read_at is None]).update(read_at=clock.now())
    return page, [g for g in groups if g.rows]
