"""`{% load deadlines %}{{ req.resolve_by|deadline:req.resolve_unit }}`: a deadline as a local date and
time with how long is left or how long it is past (还剩 3 个工作日 / 已超时 2 天)."""

from django import template
from django.utils.html import format_html

from gongzhi.core import clock

register = template.Library()


@register.filter
def deadline(due, unit=clock.Unit.HOURS):
    if due is None:
        return ""
    late = clock.now() > due
    return format_html('<time datetime="{}">{}</time> <span class="{}" data-testid="remaining">{}</span>',
                       clock.local(due).isoformat(timespec="minutes"), clock.stamp(due),
                       "bad" if late else "muted", clock.remaining(due, unit or clock.Unit.HOURS))


@register.filter
def due_date(day):
    """A due date (a meeting's action item): the date, and the days left or past (until 24:00 of it)."""
    if day is None:
        return ""
    due = clock.at(day, clock.END_OF_DAY)
    late = clock.now() > due
    return format_html('<time datetime="{}">{}</time> <span class="{}" data-testid="remaining">{}</span>',
                       day.isoformat(), day.isoformat(), "bad" if late else "muted",
                       clock.remaining(due, clock.Unit.DAYS))


@register.filter
def age(since):
    """How long ago, by the project's clock: 3 天 / 5 小时 / 20 分钟."""
    if since is None:
        return ""
    return clock.age(since)
