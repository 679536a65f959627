"""Reads of meetings and matters, through the scope filter; the numbers per estate, community,
subdistrict and period."""

import datetime
import statistics

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.figures import Chart, Figure, Place, Section, Series, records_link
from gongzhi.core.queries import narrow
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.tallies import sums
from gongzhi.meetings import rules
from gongzhi.meetings.models import (
    LEVELS,
    ActionItem,
    Invitation,
    Matter,
    MatterStatus,
    MatterStep,
    Meeting,
    MeetingStatus,
    Outcome,
    at_or_below,
)
from gongzhi.meetings.procedures import Procedure
from gongzhi.meetings.rollups import MATTERS, MEETINGS

PLACE_RELATED = ("estate", "community", "subdistrict", "district")
ACTION_ITEM_RELATED = (*(f"matter__{place}" for place in PLACE_RELATED), "owner", "organisation")


def _above_estates(scope) -> Q:
    """Rows hanging above the estate at a place the user covers as a whole."""
    return (Q(estate__isnull=True, community__in=scope.communities())
            | Q(estate__isnull=True, subdistrict__in=scope.subdistricts())
            | Q(estate__isnull=True, district__in=scope.districts()))


def visible_meetings(user, scope=None) -> Q:
    """The meetings a user sees: those of the estates in sight; above the estate, those at a place the user
    covers as a whole (the community's staff the community's, the subdistrict's officers the subdistrict's,
    a department's officers the district's); and any meeting they were invited to or whose required units
    they act for. `scope`: the user's, or a narrowed one (the back office's)."""
    scope = scope or scope_for(user)
    if scope.is_root:
        return Q()
    q = Q(estate__in=scope.estates()) | _above_estates(scope)
    if user is not None and user.is_authenticated:
        q |= Q(pk__in=Invitation.objects.filter(user=user).values("meeting_id"))
        q |= Q(pk__in=Meeting.units.through.objects.filter(organisation__in=rules.member_units(user))
               .values("meeting_id"))
    return q


def visible_matters(user, scope=None) -> Q:
    """The matters a user sees: those of the estates in sight, those above the estate at a place the user
    covers, and those concerning an estate the user serves (its committee, property staff, grid worker)."""
    scope = scope or scope_for(user)
    if scope.is_root:
        return Q()
    return (Q(estate__in=scope.estates()) | _above_estates(scope)
            | Q(pk__in=Matter.concerns.through.objects.filter(
                estate__in=scope.estates(rules.CONCERNED_READER_ROLES)).values("matter_id")))


def meeting_list(*, fetched_by) -> QuerySet:
    return Meeting.objects.filter(visible_meetings(fetched_by)).select_related(*PLACE_RELATED)


def meeting_get(*, fetched_by, meeting_id: int) -> Meeting:
    return get_in_scope(meeting_list(fetched_by=fetched_by), pk=meeting_id)


def matter_list(*, fetched_by) -> QuerySet:
    return Matter.objects.filter(visible_matters(fetched_by)).select_related(*PLACE_RELATED)


def in_place(place: Place | None, path: str = "") -> Q:
    """Rows at the dashboard's place or below it (a community's figures count its own meetings too)."""
    return Q() if place is None else at_or_below(place.level, place.pk, path)


def _on_days(field: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    """`field` falls on these local days (inclusive); either end may be open."""
    if start is None and end is None:
        return Q()
    lo, hi = clock.day_bounds(start or datetime.date(2000, 1, 1), end or datetime.date(2100, 12, 31))
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})


def meetings_filtered(*, fetched_by, place: Place | None = None, start=None, end=None, status: str = "",
                      kind: str = "") -> QuerySet:
    """The meetings list with its filters: held (scheduled) on these days, in this place, state and type."""
    qs = narrow(meeting_list(fetched_by=fetched_by), status=status, kind=kind).filter(in_place(place))
    return qs.filter(_on_days("scheduled_at", start, end)).order_by("-scheduled_at", "-pk")


def matters_filtered(*, fetched_by, place: Place | None = None, start=None, end=None, decided=False) -> QuerySet:
    """The matters list with its filters: proposed on these days; with `decided`, instead those decided at
    a meeting held on these days."""
    qs = matter_list(fetched_by=fetched_by).filter(in_place(place))
    if decided:
        held = Meeting.objects.filter(_on_days("scheduled_at", start, end), status=MeetingStatus.CLOSED)
        return qs.filter(decisions__meeting__in=held).distinct().order_by("-created_at", "-pk")
    return qs.filter(_on_days("created_at", start, end)).order_by("-created_at", "-pk")


def matter_get(*, fetched_by, matter_id: int) -> Matter:
    return get_in_scope(matter_list(fetched_by=fetched_by), pk=matter_id)


def step_attachment_get(*, fetched_by, step_id: int) -> MatterStep | None:
    """A recorded step with an attachment, of a matter the user may read; else None (404, as missing)."""
    return (MatterStep.objects.filter(pk=step_id, matter__in=Matter.objects.filter(visible_matters(fetched_by))
                                      .values("pk")).exclude(attachment="").first())


def public_results(*, estate) -> QuerySet:
    """An estate's public list: matters whose resolution or result has been published."""
    return (MatterStep.objects.filter(matter__estate=estate, notice__isnull=False)
            .select_related("matter", "notice").order_by("-at", "-pk"))


def numbers(*, fetched_by, estate_ids=None, community_id=None, subdistrict_id=None,
            start: datetime.date, end: datetime.date) -> dict:
    """Meetings held by type and by level, matters discussed / decided / with a published result, median
    days from proposal to published result, overdue action items — within the viewer's scope. A community's,
    subdistrict's or district's own meetings and matters count at their level, beside the estates' below it
    (`meetings_by_level`); a place given narrows to it and what hangs below it."""
    scope = scope_for(fetched_by)
    # counted by place: the estates in sight and the places above them the viewer covers as a whole (not a
    # meeting one was only invited to, nor a matter one only serves an estate it concerns)
    sight = Q() if scope.is_root else Q(estate__in=scope.estates()) | _above_estates(scope)
    place = Q()
    if estate_ids:
        place &= Q(estate_id__in=estate_ids)
    if community_id:
        place &= at_or_below("community", community_id)
    if subdistrict_id:
        place &= at_or_below("subdistrict", subdistrict_id)
    held = Meeting.objects.filter(sight, place, _on_days("scheduled_at", start, end),
                                  status=MeetingStatus.CLOSED)
    by_type = dict(held.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    levels = dict.fromkeys(LEVELS, 0)
    for row in held.values("estate_id", "community_id", "subdistrict_id", "district_id"):
        levels[next(level for level in LEVELS if row[f"{level}_id"] is not None)] += 1
    in_sight = Matter.objects.filter(sight, place)
    matters = in_sight.filter(_on_days("created_at", start, end))
    discussed = matters.filter(meetings__in=held).distinct().count()
    decided = matters.filter(decisions__isnull=False).distinct().count()
    results = (MatterStep.objects.filter(matter__in=matters, notice__kind="implementation", outcome=Outcome.DONE)
               .values_list("matter__created_at", "at"))
    days = [(at - created).total_seconds() / 86400 for created, at in results]
    overdue = ActionItem.objects.filter(matter__in=in_sight.values("pk"), done_at__isnull=True,
                                        due_on__lt=clock.today()).count()
    return {
        "meetings_held": sum(by_type.values()),
        "meetings_by_type": by_type,
        "meetings_by_level": levels,
        "matters": matters.count(),
        "matters_discussed": discussed,
        "matters_decided": decided,
        "matters_result_published": len(days),
        "matters_completed": matters.filter(status=MatterStatus.COMPLETED).count(),
        "median_days_to_result": round(statistics.median(days), 1) if days else None,
        "overdue_actions": overdue,
    }


def action_items(*, fetched_by, mine: bool = False, open_only: bool = False, matter_id: int | None = None,
                 meeting_id: int | None = None, estate_id: int | None = None, place: Place | None = None,
                 overdue: bool = False) -> QuerySet:
    """Action items of the estates the user sees (anyone in scope may read them); `mine`: those the
    user is responsible for, in person or for a body (meetings.rules.assigned_to); `overdue`: open
    and past the due day."""
    if mine:  # (visible or assigned) and assigned is assigned: the home card need not build the sight rule
        qs = ActionItem.objects.filter(rules.assigned_to(fetched_by))
    else:
        qs = ActionItem.objects.filter(Q(matter__in=Matter.objects.filter(visible_matters(fetched_by)).values("pk"))
                                       | rules.assigned_to(fetched_by))
    if open_only or overdue:
        qs = qs.filter(done_at__isnull=True)
    if overdue:
        qs = qs.filter(due_on__lt=clock.today())
    qs = qs.filter(in_place(place, "matter__"))
    qs = narrow(qs, matter_id=matter_id, meeting_id=meeting_id, matter__estate_id=estate_id)
    return qs.select_related(*ACTION_ITEM_RELATED).order_by("due_on", "id")  # every branch is a subquery: no duplicates


def action_item_get(*, fetched_by, item_id: int) -> ActionItem:
    return get_in_scope(action_items(fetched_by=fetched_by), pk=item_id)


def my_open_action_items(user, limit: int = 10) -> list:
    """The open items the user is responsible for (the home page's card). The rule's subqueries are
    chosen first on their own, and the few rows then read with their joins: on PostgreSQL planning the
    rule together with seven joins took 4-8 ms, longer than any other query of the home page."""
    ids = list(action_items(fetched_by=user, mine=True, open_only=True).select_related(None)
               .values_list("pk", flat=True)[:limit])
    return list(ActionItem.objects.filter(pk__in=ids).select_related(*ACTION_ITEM_RELATED).order_by("due_on", "id"))


def meetings_this_month(user, limit: int = 10) -> list[Meeting]:
    """The meetings of the estates the user organises for (who may convene there) in this local month,
    and any planned in the next two weeks: the secretary's "this month's meeting"."""
    today = clock.today()
    start, _end = clock.period("month", today).bounds
    soon = clock.at(today + datetime.timedelta(days=15))
    scope = scope_for(user)
    estates = scope.estates(rules.ESTATE_CONVENERS)
    above = (Q(estate__isnull=True, community__in=scope.communities(rules.LEVEL_CONVENERS))
             | Q(estate__isnull=True, subdistrict__in=scope.subdistricts(rules.LEVEL_CONVENERS)))
    return list(Meeting.objects.filter(Q(estate__in=estates) | above).filter(
        Q(scheduled_at__gte=start, scheduled_at__lt=_end) | Q(status=MeetingStatus.PLANNED, scheduled_at__gte=start,
                                                              scheduled_at__lt=soon))
        .select_related(*PLACE_RELATED).order_by("scheduled_at", "pk")[:limit])


def open_items_of(meetings) -> list[ActionItem]:
    """The open action items of the matters on these meetings' agendas, or recorded at them."""
    ids = [m.pk for m in meetings]
    on_agenda = Matter.objects.filter(meetings__in=ids).values("pk")
    return list(ActionItem.objects.filter(Q(meeting_id__in=ids) | Q(matter__in=on_agenda), done_at__isnull=True)
                .select_related("matter__estate", "owner", "organisation").order_by("due_on", "id")[:20])


def matters_awaiting_step(user, limit: int = 10) -> list[Matter]:
    """Matters in procedure whose current step this user may take (the chair's "waiting for me")."""
    matters = (Matter.objects.filter(visible_matters(user), status=MatterStatus.IN_PROGRESS)
               .select_related(*PLACE_RELATED).order_by("created_at", "pk")[:200])
    found = []
    for matter in matters:
        steps = Procedure.from_data(matter.procedure).steps
        if matter.step_index < len(steps) and rules.may_take_step(user, steps[matter.step_index], matter):
            matter.current_step = steps[matter.step_index]
            found.append(matter)
    return found[:limit]


def resolutions(*, fetched_by, estate_id: int | None = None) -> QuerySet:
    """Published resolutions and results of the estates the user sees."""
    estates = narrow(scope_for(fetched_by).estates(), pk=estate_id)
    return (MatterStep.objects.filter(matter__estate__in=estates, notice__isnull=False)
            .select_related("matter", "notice").order_by("-at", "-pk"))


# --- the dashboard's section -------------------------------------------------------------------------
def _held(place: Place, period: clock.Period) -> QuerySet:
    lo, hi = period.bounds
    return Meeting.objects.filter(in_place(place), status=MeetingStatus.CLOSED, scheduled_at__gte=lo, scheduled_at__lt=hi)


def _meeting_counts(place: Place, period: clock.Period) -> dict:
    """Meetings held (by type) and matters proposed from the figures rows (meetings.rollups); matters
    decided at the period's meetings from the decisions."""
    held = sums(MEETINGS.name, place.level, place.pk, period.start, period.end).by_key("held")
    return {
        "held": sum(held.values()),
        "proposed": sums(MATTERS.name, place.level, place.pk, period.start, period.end).total("proposed"),
        "decided": Matter.objects.filter(in_place(place), decisions__meeting__in=_held(place, period)).distinct().count(),
        "by_kind": held,
    }


def dashboard_section(*, fetched_by, place: Place, period: clock.Period) -> Section:
    """Meetings held by type, matters proposed and decided, by procedure, and action items overdue now."""
    now, before = _meeting_counts(place, period), _meeting_counts(place, period.a_year_earlier())
    overdue = ActionItem.objects.filter(in_place(place, "matter__"), done_at__isnull=True,
                                        due_on__lt=clock.today()).count()
    meetings, matters = reverse("meetings:meeting_list"), reverse("meetings:matter_list")
    figures = [
        Figure("held", _("召开会议"), now["held"], before["held"],
               link=records_link(meetings, place, period, status=MeetingStatus.CLOSED)),
        Figure("proposed", _("提出议题"), now["proposed"], before["proposed"], link=records_link(matters, place, period)),
        Figure("decided", _("会议决定的议题"), now["decided"], before["decided"],
               link=records_link(matters, place, period, decided=1)),
        Figure("overdue_actions", _("逾期未完成的行动事项（至今）"), overdue,
               link=records_link(reverse("meetings:action_list"), place, overdue=1)),
    ]
    kinds = sorted(set(now["by_kind"]) | set(before["by_kind"]), key=lambda k: (-now["by_kind"].get(k, 0), k))
    names = {code: str(t.name) for code, t in rules.MEETING_TYPES.items()}
    lo, hi = period.bounds
    procedures = {}
    for data in Matter.objects.filter(in_place(place), created_at__gte=lo, created_at__lt=hi).values_list(
            "procedure", flat=True)[:5000]:
        name = str(Procedure.from_data(data).name)
        procedures[name] = procedures.get(name, 0) + 1
    return Section("meetings", str(_("议事协商")), figures, charts=[
        Chart("held_by_type", str(_("按会议类型")), "bar", [names.get(k, k) for k in kinds], [
            Series(period.label, [now["by_kind"].get(k, 0) for k in kinds]),
            Series(period.a_year_earlier().label, [before["by_kind"].get(k, 0) for k in kinds])]),
        Chart("matters_by_procedure", str(_("议题按议事程序")), "pie", list(procedures),
              [Series(period.label, list(procedures.values()))]),
    ])



def find(*, fetched_by, query: str, limit: int):
    """Matters (议题) the user may read, by title."""
    from gongzhi.core.search import Hit

    found = matter_list(fetched_by=fetched_by).filter(title__icontains=query).order_by("-created_at")[:limit]
    return [Hit(m.title, f"{m.place_name} · {m.get_status_display()}", reverse("meetings:matter_detail", args=[m.pk]))
            for m in found]
