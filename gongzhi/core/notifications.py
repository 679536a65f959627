"""Notifications through an outbox: the in-app inbox rows, and a Delivery row for each outside channel
(settings.GONGZHI_NOTIFICATION_CHANNELS: name → adapter), are written in the same transaction as the change
that causes them (a rolled-back change leaves none). Only after that transaction commits is each delivery
handed to the task queue (`deliver`, run by `gongzhi worker`), so a slow or failing provider never slows or
fails the user's request.

A delivery is sent at most once at a time: a worker claims it with one conditional UPDATE (pending and due,
or a claim older than GONGZHI_DELIVERY_CLAIM_SECONDS left by a worker that died), so two workers picking the
same delivery send it once. A failure is retried with doubling backoff up to GONGZHI_DELIVERY_ATTEMPTS, then
shown to staff (/notifications/deliveries/) to retry. The periodic `deliveries_sweep` re-queues what is due.
The adapter gets the delivery's key (the same on every attempt) for the provider's own de-duplication: the one
case no outbox can close alone is a worker killed after the provider accepted a message and before the
delivery was marked sent."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from gongzhi.core import clock
from gongzhi.core.masking import mask_phone
from gongzhi.core.models import Delivery, DeliveryStatus, Notification

log = logging.getLogger("gongzhi.notifications")


def notify(users, *, title: str, body: str = "", link: str = "") -> None:
    user_ids = sorted({u if isinstance(u, int) else u.pk for u in users if u is not None})
    if not user_ids:
        return

    now = clock.now()
    rows = Notification.objects.bulk_create(
        Notification(user_id=uid, title=title[:200], body=body, link=link[:300], created_at=now) for uid in user_ids)
    deliveries = Delivery.objects.bulk_create(
        Delivery(notification=row, channel=channel, next_attempt_at=now)
        for row in rows for channel in settings.GONGZHI_NOTIFICATION_CHANNELS)

    def hand_over():
        for row in rows:
            log.info("notify user %s: %s", row.user_id, row.title)
        for delivery in deliveries:
            try:
                deliver.enqueue(delivery.pk)
            except Exception:  # the sweep will queue it; the change stands
                log.exception("could not queue delivery %s", delivery.pk)

    transaction.on_commit(hand_over)


def channel_adapter(channel: str):
    return import_string(settings.GONGZHI_NOTIFICATION_CHANNELS[channel])


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Take the delivery for this worker, if it is due and nobody else holds it (one UPDATE: two workers
    racing for it both run it, one changes a row)."""
    stale = now - datetime.timedelta(seconds=settings.GONGZHI_DELIVERY_CLAIM_SECONDS)
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(status=DeliveryStatus.SENDING,
                                                                         claimed_at__lt=stale)
    return bool(Delivery.objects.filter(due, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1))


@task()
def deliver(delivery_id: int) -> str:
    """Send one notification over one channel, once; on failure, schedule the next attempt or give up."""
    now = clock.now()
    if not _claim(delivery_id, now):
        return "not due or held elsewhere"
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        channel_adapter(delivery.channel).send(delivery.notification, key=delivery.key)
    except Exception as exc:  # the provider's failure is recorded, never raised to anyone
        failed = delivery.attempts >= settings.GONGZHI_DELIVERY_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
            next_attempt_at=clock.now() + _backoff(delivery.attempts), claimed_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:500])
        log.warning("delivery %s over %s failed (attempt %s)", delivery_id, delivery.channel, delivery.attempts)
        return "failed" if failed else "retry"
    Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.SENT, delivered_at=clock.now(),
                                                   last_error="")
    return "sent"


def deliveries_sweep(now: datetime.datetime | None = None, batch: int = 1000) -> int:
    """Queue the deliveries that are due again (a retry's time has come, a dead worker's claim expired, a
    queueing that failed); each is claimed once when it runs, so queueing one twice is harmless."""
    now = now or clock.now()
    stale = now - datetime.timedelta(seconds=settings.GONGZHI_DELIVERY_CLAIM_SECONDS)
    due = Delivery.objects.filter(Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=stale)).order_by("next_attempt_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:batch])
    for pk in ids:
        deliver.enqueue(pk)
    return len(ids)


class LoggingSender:
    """A channel adapter: `send(notification, key=)` for one inbox row (raise to have it retried). It logs
    instead of sending; a deployment with a provider subclasses it and overrides `send` (looking up the
    user's phone or WeChat binding there, and passing `key` as the provider's idempotency key)."""

    channel = "sms"

    def send(self, row, *, key: str = "") -> None:
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
