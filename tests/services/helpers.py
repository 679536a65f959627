"""Shared pieces of the community-life tests: the demo's spaces, a clock at a known hour, next week's days."""

import datetime

from gongzhi.core import clock as source
from gongzhi.services.models import Space
from tests.helpers import PACIFIC


def zh(template: str, **kw) -> str:
    """The Chinese half of a message constant, filled in."""
    return template.split(" / ")[0].format(**kw)


def space(name: str = "红色议事厅") -> Space:
    return Space.objects.get(estate__name=PACIFIC, name=name)


def at_ten(clock) -> datetime.date:
    """Stop the clock at 10:00 local today (whatever the real instant); return today."""
    today = source.today()
    clock.set(source.at(today, datetime.time(10)))
    return today


def next_saturday(today: datetime.date) -> datetime.date:
    """A Saturday 8 to 14 days ahead: past the demo's bookings of the coming days."""
    return today + datetime.timedelta(days=(5 - today.weekday()) % 7 + 7 + (7 if today.weekday() == 5 else 0))


def slot(day: datetime.date, start: str, end: str) -> dict:
    return {"starts_at": source.at(day, datetime.time.fromisoformat(start)),
            "ends_at": source.at(day, datetime.time.fromisoformat(end))}
