"""The deadline job of requests (the `requests_sweep` command, from cron every few minutes):
escalate requests past their deadline, close resolved ones nobody confirmed in time, send orders
nobody accepted back to their dispatcher, flag departments that did not report. Safe to run twice
or from two workers at once: each change is a compare-and-set under a row lock, and levels are
unique. Beside it, `devices_quiet` (every 10 minutes) alerts once for each smart device silent past
its longest silence."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from gongzhi.core import clock
from gongzhi.requests.choices import Level, OrderStatus, Status
from gongzhi.requests.models import Device, Order, Request, Summons
from gongzhi.requests.services.closing import request_close_unconfirmed
from gongzhi.requests.services.devices import device_quiet_alert
from gongzhi.requests.services.escalation import request_move_up
from gongzhi.requests.services.orders import order_return
from gongzhi.requests.services.summons import flag_late


@dataclass
class SweepResult:
    escalated: int = 0
    auto_closed: int = 0
    orders_returned: int = 0
    summons_overdue: int = 0

    def __str__(self):
        return (f"escalated={self.escalated} auto_closed={self.auto_closed} "
                f"orders_returned={self.orders_returned} summons_overdue={self.summons_overdue}")


def overdue_requests(now):
    """What the deadline job escalates: overdue below the top level."""
    return Request.objects.overdue(now).filter(level__lt=Level.CADRE)


def sweep(now=None, batch: int = 500) -> SweepResult:
    """Run every periodic step once, at most `batch` of each."""
    now = now or clock.now()
    result = SweepResult()
    result.escalated = escalate_overdue(now, batch)
    result.auto_closed = close_unconfirmed(now, batch)
    result.orders_returned = return_unaccepted(now, batch)
    result.summons_overdue = flag_late_departments(now, batch)
    return result


def _lock_if(queryset, pk):
    qs = queryset.filter(pk=pk).select_related("estate__community__subdistrict")
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def escalate_overdue(now, batch: int = 500) -> int:
    """Requests past their response or resolution deadline climb one level."""
    count = 0
    # At the level it was listed at: a request another worker moved up meanwhile is not moved again by this run.
    for pk, level in list(overdue_requests(now).order_by("pk").values_list("pk", "level")[:batch]):
        with transaction.atomic():
            req = _lock_if(overdue_requests(now).filter(level=level), pk)
            if req is None:
                continue
            why = "超过响应时限未响应" if req.status == Status.NEW and req.respond_by < now else "超过办结时限未办结"
            if request_move_up(None, req, reason=why, automatic=True):
                count += 1
    return count


def close_unconfirmed(now, batch: int = 500) -> int:
    """Resolved requests nobody confirmed within the window close themselves."""
    confirm_by = now - datetime.timedelta(days=settings.GONGZHI_REQUEST_CONFIRM_DAYS)
    unconfirmed = Request.objects.filter(status=Status.RESOLVED, resolved_at__lte=confirm_by)
    count = 0
    for pk in list(unconfirmed.order_by("pk").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            req = _lock_if(unconfirmed, pk)
            if req is not None and request_close_unconfirmed(req, now):
                count += 1
    return count


def return_unaccepted(now, batch: int = 500) -> int:
    """Orders nobody accepted in time go back to the dispatcher."""
    late = Order.objects.filter(status=OrderStatus.DISPATCHED, accept_by__lte=now)
    count = 0
    for order in late.select_related("estate")[:batch]:
        with transaction.atomic():
            if order_return(order, now):
                count += 1
    return count


def flag_late_departments(now, batch: int = 500) -> int:
    """Summoned departments past their reporting deadline are flagged once."""
    late = Summons.objects.filter(reported_at__isnull=True, report_by__lt=now, overdue_notified=False)
    count = 0
    for row in late.select_related("request__estate__community__subdistrict", "department")[:batch]:
        with transaction.atomic():
            if flag_late(row):
                count += 1
    return count


def devices_quiet(now=None, batch: int = 500) -> int:
    """Devices silent past their longest silence raise one alert each (cleared when they report)."""
    now = now or clock.now()
    quiet = Device.objects.filter(active=True, quiet_alerted_at__isnull=True, quiet_after__lt=now)
    count = 0
    for pk in list(quiet.order_by("pk").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            qs = quiet.filter(pk=pk).select_related("estate__community__subdistrict")
            if transaction.get_connection().features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))  # a device reporting now is not quiet
            device = qs.first()
            if device is not None and device_quiet_alert(device, now):
                count += 1
    return count
