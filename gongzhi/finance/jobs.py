"""Periodic work of 业账社管, run by management commands from cron: publishing the last period's
statements and fee collection rates. (Overdue deposits, seals out too long, late reviews and audits
are not swept: they are read as alerts, selectors.alerts, whenever the supervisor looks.)"""

import datetime

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError
from gongzhi.core.scoping import scope_for
from gongzhi.finance.choices import BANK
from gongzhi.finance.models import LedgerAccount
from gongzhi.finance.rules import BOOKKEEPERS
from gongzhi.finance.services import fees, journal


def last_period(today: datetime.date, quarter: bool) -> tuple[datetime.date, datetime.date]:
    """The last complete month (or quarter) before `today`, local."""
    done = clock.last_complete(clock.PeriodKind.QUARTER if quarter else clock.PeriodKind.MONTH, today)
    return done.start, done.end


def scheduled_statements() -> tuple[int, list[str]] | str:
    """The scheduler's monthly run on the 1st: last month's statements, as GONGZHI_SCHEDULE_AS."""
    from gongzhi.core.schedule import NOT_CONFIGURED, acting_user

    actor = acting_user()
    if actor is None:
        return NOT_CONFIGURED
    start, end = last_period(clock.today(), quarter=False)
    return publish_statements(actor, start=start, end=end)


def publish_statements(actor, *, start: datetime.date, end: datetime.date) -> tuple[int, list[str]]:
    """In `actor`'s name, publish [start, end]'s statement — and the fee collection rate where the
    estate billed fees — for every estate with books the actor keeps. Returns how many estates were
    published and, per estate refused, "name: reason"."""
    estates = scope_for(actor).estates(BOOKKEEPERS).filter(
        pk__in=LedgerAccount.objects.filter(code=BANK).values("estate_id")).order_by("name")
    published, errors = 0, []
    for estate in estates:
        try:
            journal.statement_publish(actor, estate_id=estate.pk, start=start, end=end)
            if estate.fee_bills.filter(month__gte=start, month__lte=end).exists():
                fees.rates_publish(actor, estate_ids=[estate.pk], start=start, end=end)
            published += 1
        except GongzhiError as exc:
            errors.append(f"{estate.name}: {exc.message}")
    return published, errors
