"""The kernel's periodic work (the `logins_prune` command, from cron, e.g. hourly): failed logins older
than the lockout window and SMS login codes older than a day are deleted (core.services.login_records_prune),
so neither table grows for ever. Safe to run twice or from two machines at once: it only deletes what is
past a cut-off."""

import datetime

from gongzhi.core import clock
from gongzhi.core.services import PruneResult, login_records_prune


def logins_prune(now: datetime.datetime | None = None) -> PruneResult:
    return login_records_prune(None, now=now or clock.now())
