"""Reads of meetings and matters, through the scope filter; the numbers per estate, community,
subdistrict and period."""

import datetime
import statistics

from django.db.models import Count, Q, QuerySet

from gongzhi.core import clock
from gongzhi.core.queries import narrow
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.meetings import rules
from gongzhi.meetings.models import ActionItem, Matter, MatterStatus, MatterStep, Meeting, MeetingStatus, Outcome
from gongzhi.meetings.procedures import Procedure


def meeting_list(*, fetched_by) -> QuerySet:
    return Meeting.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate")


def meeting_get(*, fetched_by, meeting_id: int) -> Meeting:
    return get_in_scope(meeting_list(fetched_by=fetched_by), pk=meeting_id)


def matter_list(*, fetched_by) -> QuerySet:
    return Matter.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate")


def matter_get(*, fetched_by, matter_id: int) -> Matter:
    return get_in_scope(matter_list(fetched_by=fetched_by), pk=matter_id)


def public_results(*, estate) -> QuerySet:
    """An estate's public list: matters whose resolution or result has been published."""
    return (MatterStep.objects.filter(matter__estate=estate, notice__isnull=False)
            .select_related("matter", "notice").order_by("-at", "-pk"))


def numbers(*, fetched_by, estate_ids=None, community_id=None, subdistrict_id=None,
            start: datetime.date, end: datetime.date) -> dict:
    """Meetings held by type, matters discussed / decided / with a published result, median days
    from proposal to published result, overdue action items — within the viewer's scope."""
    estates = narrow(scope_for(fetched_by).estates(), pk__in=estate_ids, community_id=community_id,
                     community__subdistrict_id=subdistrict_id)
    period = Q(scheduled_at__date__gte=start, scheduled_at__date__lte=end)
    held = Meeting.objects.filter(period, estate__in=estates, status=MeetingStatus.CLOSED)
    by_type = dict(held.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    matters = Matter.objects.filter(estate__in=estates, created_at__date__gte=start, created_at__date__lte=end)
    discussed = matters.filter(meetings__in=held).distinct().count()
    decided = matters.filter(decisions__isnull=False).distinct().count()
    results = (MatterStep.objects.filter(matter__in=matters, notice__kind="implementation", outcome=Outcome.DONE)
               .values_list("matter__created_at", "at"))
    days = [(at - created).total_seconds() / 86400 for created, at in results]
    overdue = ActionItem.objects.filter(matter__estate__in=estates, done_at__isnull=True,
                                        due_on__lt=clock.today()).count()
    return {
        "meetings_held": sum(by_type.values()),
        "meetings_by_type": by_type,
        "matters": matters.count(),
        "matters_discussed": discussed,
        "matters_decided": decided,
        "matters_result_published": len(days),
        "matters_completed": matters.filter(status=MatterStatus.COMPLETED).count(),
        "median_days_to_result": round(statistics.median(days), 1) if days else None,
        "overdue_actions": overdue,
    }


def action_items(*, fetched_by, mine: bool = False, open_only: bool = False, matter_id: int | None = None,
                 meeting_id: int | None = None, estate_id: int | None = None) -> QuerySet:
    """Action items of the estates the user sees (anyone in scope may read them); `mine`: those the
    user is responsible for, in person or for a body (meetings.rules.assigned_to)."""
    qs = ActionItem.objects.filter(matter__estate__in=scope_for(fetched_by).estates())
    if mine:
        qs = qs.filter(rules.assigned_to(fetched_by))
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    qs = narrow(qs, matter_id=matter_id, meeting_id=meeting_id, matter__estate_id=estate_id)
    return qs.select_related("matter__estate", "owner", "organisation").distinct().order_by("due_on", "id")


def action_item_get(*, fetched_by, item_id: int) -> ActionItem:
    return get_in_scope(action_items(fetched_by=fetched_by), pk=item_id)


def my_open_action_items(user, limit: int = 10) -> list:
    """The open items the user is responsible for (the home page's card)."""
    return list(action_items(fetched_by=user, mine=True, open_only=True)[:limit])


def meetings_this_month(user, limit: int = 10) -> list[Meeting]:
    """The meetings of the estates the user organises for (who may convene there) in this local month,
    and any planned in the next two weeks: the secretary's "this month's meeting"."""
    today = clock.today()
    start, _end = clock.period("month", today).bounds
    soon = clock.at(today + datetime.timedelta(days=15))
    estates = scope_for(user).estates(rules.ESTATE_CONVENERS)
    return list(Meeting.objects.filter(estate__in=estates).filter(
        Q(scheduled_at__gte=start, scheduled_at__lt=_end) | Q(status=MeetingStatus.PLANNED, scheduled_at__gte=start,
                                                              scheduled_at__lt=soon))
        .select_related("estate").order_by("scheduled_at", "pk")[:limit])


def open_items_of(meetings) -> list[ActionItem]:
    """The open action items of the matters on these meetings' agendas, or recorded at them."""
    ids = [m.pk for m in meetings]
    return list(ActionItem.objects.filter(Q(meeting_id__in=ids) | Q(matter__meetings__in=ids), done_at__isnull=True)
                .select_related("matter__estate", "owner", "organisation").distinct().order_by("due_on", "id")[:20])


def matters_awaiting_step(user, limit: int = 10) -> list[Matter]:
    """Matters in procedure whose current step this user may take (the chair's "waiting for me")."""
    matters = (Matter.objects.filter(estate__in=scope_for(user).estates(), status=MatterStatus.IN_PROGRESS)
               .select_related("estate").order_by("created_at", "pk")[:200])
    found = []
    for matter in matters:
        steps = Procedure.from_data(matter.procedure).steps
        if matter.step_index < len(steps) and rules.may_take_step(user, steps[matter.step_index], matter.estate):
            matter.current_step = steps[matter.step_index]
            found.append(matter)
    return found[:limit]


def resolutions(*, fetched_by, estate_id: int | None = None) -> QuerySet:
    """Published resolutions and results of the estates the user sees."""
    estates = narrow(scope_for(fetched_by).estates(), pk=estate_id)
    return (MatterStep.objects.filter(matter__estate__in=estates, notice__isnull=False)
            .select_related("matter", "notice").order_by("-at", "-pk"))
