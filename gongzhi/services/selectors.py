"""Reads of community life, each through the scope filter: spaces and their week, bookings, activities
with their roster and attendance, volunteers' teams and hours, and the dashboard's section."""

import datetime
import decimal
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.choices import OrgKind
from gongzhi.bodies.models import CoConstructionAgreement
from gongzhi.core import clock
from gongzhi.core.figures import Chart, Figure, Place, Section, Series, records_link
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.meetings.choices import MatterStatus
from gongzhi.meetings.procedures import Procedure
from gongzhi.services import rules
from gongzhi.services.choices import HOLDING, BookingStatus, SignupStatus
from gongzhi.services.models import (
    Activity,
    ActivityPhoto,
    AdviceOpinion,
    AdviceRequest,
    Adviser,
    Booking,
    MilestonePhoto,
    Pairing,
    Pledge,
    PledgePayment,
    Project,
    Signup,
    Space,
    VolunteerHours,
    VolunteerMember,
    VolunteerTeam,
)
from gongzhi.votes.selectors import consultation_summary

WEEK = 7


def space_list(*, fetched_by, estate_id: int | None = None):
    qs = Space.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("estate__name", "name", "pk")


def space_get(*, fetched_by, space_id: int) -> Space:
    return get_in_scope(space_list(fetched_by=fetched_by).select_related("estate__community__subdistrict"),
                        pk=space_id)


def booking_list(*, fetched_by, space_id: int | None = None, start: datetime.date | None = None,
                 end: datetime.date | None = None, holding_only: bool = False):
    """Bookings of spaces the viewer sees (the calendar's; who booked is shown by `booker_shown`)."""
    qs = Booking.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("space", "booked_by")
    if space_id is not None:
        qs = qs.filter(space_id=space_id)
    if start is not None:
        qs = qs.filter(ends_at__gt=clock.at(start))
    if end is not None:
        qs = qs.filter(starts_at__lt=clock.at(end + clock.ONE_DAY))
    if holding_only:
        qs = qs.filter(status__in=HOLDING)
    return qs.order_by("starts_at", "pk")


def booker_shown(viewer, booking: Booking) -> bool:
    """Who booked and why: the one who booked, the approvers and those who see the estate's people."""
    return (viewer.pk == booking.booked_by_id or rules.may_read_roster(viewer, booking.space.estate)
            or rules.may_approve_booking(viewer, booking.space))


def my_bookings(user, *, limit: int = 20):
    if not user.is_authenticated:
        return Booking.objects.none()
    return (Booking.objects.filter(booked_by=user, status__in=HOLDING, ends_at__gt=clock.now())
            .select_related("space").order_by("starts_at")[:limit])


def pending_bookings(user, *, limit: int = 20) -> list[Booking]:
    """Bookings waiting for this user's approval."""
    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    found = []
    for approver, roles in rules.APPROVER_ROLES.items():
        if scope.has_any(roles):
            found += list(Booking.objects.filter(status=BookingStatus.PENDING, space__approver=approver,
                                                 estate__in=scope.estates(roles), ends_at__gt=clock.now())
                          .select_related("space").order_by("starts_at")[:limit])
    return sorted(found, key=lambda b: b.starts_at)[:limit]


@dataclass
class Day:
    date: datetime.date
    bookings: list


def week_of(space: Space, bookings, first: datetime.date) -> list[Day]:
    """The seven days from `first`, each with the bookings holding a slot that day."""
    days = [Day(first + datetime.timedelta(days=i), []) for i in range(WEEK)]
    for b in bookings:
        for day in days:
            if clock.local_date(b.starts_at) == day.date:
                day.bookings.append(b)
    return days


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def usage_counts(*, fetched_by, estate_id: int, start: datetime.date, end: datetime.date) -> list[tuple[str, int]]:
    """Confirmed bookings per space of the estate over the dates (usage counts)."""
    lo, hi = clock.day_bounds(start, end)
    counts = dict(Booking.objects.filter(estate__in=scope_for(fetched_by).estates(), estate_id=estate_id,
                                         status=BookingStatus.CONFIRMED, starts_at__gte=lo, starts_at__lt=hi)
                  .values_list("space__name").annotate(n=Count("pk")))
    return [(s.name, counts.get(s.name, 0)) for s in space_list(fetched_by=fetched_by, estate_id=estate_id)]


# --- activities ---------------------------------------------------------------------------------------
def activity_list(*, fetched_by, estate_id: int | None = None, place: Place | None = None,
                  start: datetime.date | None = None, end: datetime.date | None = None, upcoming: bool = False):
    qs = (Activity.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate", "space")
          .annotate(signed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
                    attended=Count("signups", filter=Q(signups__checked_in_at__isnull=False,
                                                       signups__status=SignupStatus.CONFIRMED))))
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if place is not None:
        qs = qs.filter(**place.lookup())
    if start is not None:
        qs = qs.filter(starts_at__gte=clock.at(start))
    if end is not None:
        qs = qs.filter(starts_at__lt=clock.at(end + clock.ONE_DAY))
    if upcoming:
        return qs.filter(ends_at__gt=clock.now()).order_by("starts_at", "pk")
    return qs.order_by("-starts_at", "-pk")


def activity_get(*, fetched_by, activity_id: int) -> Activity:
    return get_in_scope(activity_list(fetched_by=fetched_by).select_related("estate__community__subdistrict",
                                                                            "organiser"), pk=activity_id)


def partner_units(*, fetched_by, estate):
    """Partner units and departments the viewer sees that may bring a service to the estate (五进小区)."""
    return (scope_for(fetched_by).organisations().filter(kind__in=[OrgKind.PARTNER_UNIT, OrgKind.DEPARTMENT])
            .filter(Q(estate__isnull=True) | Q(estate=estate)).order_by("name"))


def roster(activity: Activity) -> list[Signup]:
    """Those signed up, then the waiting list in order (the organiser's list)."""
    rank = {SignupStatus.CONFIRMED: 0, SignupStatus.WAITING: 1}
    rows = activity.signups.exclude(status=SignupStatus.CANCELLED).select_related("user")
    return sorted(rows, key=lambda s: (rank[s.status], s.signed_up_at, s.pk))


def my_signup(user, activity: Activity) -> Signup | None:
    if not user.is_authenticated:
        return None
    return Signup.objects.filter(activity=activity, user=user).exclude(status=SignupStatus.CANCELLED).first()


def my_signups(user, *, limit: int = 20):
    if not user.is_authenticated:
        return Signup.objects.none()
    return (Signup.objects.filter(user=user, activity__ends_at__gt=clock.now())
            .exclude(status=SignupStatus.CANCELLED).select_related("activity").order_by("activity__starts_at")[:limit])


def open_activities_for(user, *, limit: int = 5):
    """Upcoming activities of the user's estates they have not signed up for (the home card)."""
    if not user.is_authenticated:
        return Activity.objects.none()
    mine = Signup.objects.filter(user=user).exclude(status=SignupStatus.CANCELLED).values("activity_id")
    return (Activity.objects.filter(estate__in=scope_for(user).estates(rules.TAKING_PART_ROLES),
                                    starts_at__gt=clock.now()).exclude(pk__in=mine)
            .select_related("estate").order_by("starts_at")[:limit])


@dataclass
class Attendance:
    signed_up: int
    waiting: int
    attended: int  # person-times: those checked in


def attendance(activity: Activity) -> Attendance:
    rows = dict(activity.signups.values_list("status").annotate(n=Count("pk")))
    came = activity.signups.filter(status=SignupStatus.CONFIRMED, checked_in_at__isnull=False).count()
    return Attendance(rows.get(SignupStatus.CONFIRMED, 0), rows.get(SignupStatus.WAITING, 0), came)


# --- volunteers ---------------------------------------------------------------------------------------
def teams_seen(viewer):
    """Teams of the estates the viewer sees, and of their communities' own associations (None: all)."""
    qs = VolunteerTeam.objects.select_related("estate", "community")
    if viewer is None:
        return qs
    estates = scope_for(viewer).estates()
    return qs.filter(Q(estate__in=estates) | Q(estate__isnull=True, community__in=estates.values("community_id")))


def member_ids(estate) -> set[int]:
    """Users in a team of the estate or of its community's association."""
    return set(VolunteerMember.objects.filter(Q(team__estate=estate) | Q(team__estate__isnull=True,
                                                                      team__community_id=estate.community_id))
               .values_list("user_id", flat=True))


def team_list(*, fetched_by, estate_id: int | None = None, community_id: int | None = None):
    qs = teams_seen(fetched_by).annotate(size=Count("members"))
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if community_id is not None:
        qs = qs.filter(estate__isnull=True, community_id=community_id)
    return qs.order_by("estate_id", "name", "pk")


def _confirmed_on(qs, start, end):
    """Confirmed hours whose activity started, or whose order was completed, within the dates."""
    qs = qs.filter(confirmed_at__isnull=False)
    if start is not None:
        qs = qs.filter(Q(activity__starts_at__gte=clock.at(start)) | Q(order__done_at__gte=clock.at(start)))
    if end is not None:
        qs = qs.filter(Q(activity__starts_at__lt=clock.at(end + clock.ONE_DAY))
                       | Q(order__done_at__lt=clock.at(end + clock.ONE_DAY)))
    return qs


def volunteer_hours_of(user_ids, *, start: datetime.date | None = None, end: datetime.date | None = None) -> dict:
    """Confirmed volunteer minutes per user over the dates, from activities and orders (for the
    party-points ledger: the caller has already decided it may read these users)."""
    qs = _confirmed_on(VolunteerHours.objects.filter(user_id__in=list(user_ids)), start, end)
    return dict(qs.values_list("user_id").annotate(m=Sum("minutes")))


def served_on(hours: VolunteerHours):
    return hours.activity.starts_at if hours.activity_id else hours.order.done_at


def my_record(user):
    """A volunteer's own record: the teams, each confirmed activity's or order's hours (newest first),
    the total in minutes, and the orders' hours still waiting for confirmation."""
    if not user.is_authenticated:
        return [], [], 0, []
    teams = (VolunteerMember.objects.filter(user=user).select_related("team__estate", "team__community")
             .order_by("joined_on", "pk"))
    rows = list(VolunteerHours.objects.filter(user=user).select_related("activity__estate", "order__estate"))
    confirmed = sorted((h for h in rows if h.confirmed_at), key=lambda h: (served_on(h), h.pk), reverse=True)
    waiting = [h for h in rows if not h.confirmed_at]
    return list(teams), confirmed, sum(h.minutes for h in confirmed), waiting


def hours_to_confirm(user, *, limit: int = 50) -> list:
    """Orders' hours waiting for this user's confirmation (as their dispatcher or the estate's organiser)."""
    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    qs = (VolunteerHours.objects.filter(order__isnull=False, confirmed_at__isnull=True,
                                        order__estate__in=scope.estates())
          .filter(Q(order__dispatched_by=user) | Q(order__estate__in=scope.estates(rules.ACTIVITY_ORGANISER_ROLES)))
          .select_related("order__estate", "user").order_by("order__done_at", "pk"))
    return list(qs[:limit])


def attended_volunteers(activity: Activity) -> list:
    """Those who checked in and are in one of the estate's (or its community's) teams, with their hours."""
    members = member_ids(activity.estate)
    done = dict(VolunteerHours.objects.filter(activity=activity).values_list("user_id", "minutes"))
    return [(s.user, done.get(s.user_id)) for s in activity.signups.filter(
        status=SignupStatus.CONFIRMED, checked_in_at__isnull=False).select_related("user") if s.user_id in members]


def activity_photo_get(*, fetched_by, activity_photo_id: int) -> ActivityPhoto:
    return get_in_scope(ActivityPhoto.objects.filter(activity__estate__in=scope_for(fetched_by).estates()),
                        pk=activity_photo_id)


def milestone_photo_get(*, fetched_by, milestone_photo_id: int) -> MilestonePhoto:
    return get_in_scope(MilestonePhoto.objects.filter(
        milestone__project__estate__in=scope_for(fetched_by).estates()), pk=milestone_photo_id)


# --- 挂点结对 (五进小区) ----------------------------------------------------------------------------------
def pairing_list(*, fetched_by, estate_id: int | None = None):
    qs = (Pairing.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate", "partner",
                                                                                             "agreement")
          .annotate(delivered=Count("activities", filter=Q(activities__ends_at__lte=clock.now()), distinct=True),
                    reach=Count("activities__signups", filter=Q(activities__ends_at__lte=clock.now(),
                                                                activities__signups__status=SignupStatus.CONFIRMED,
                                                                activities__signups__checked_in_at__isnull=False))))
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("-starts_on", "pk")


def pairing_get(*, fetched_by, pairing_id: int) -> Pairing:
    return get_in_scope(pairing_list(fetched_by=fetched_by).select_related("estate__community__subdistrict"),
                        pk=pairing_id)


def pairing_services(pairing: Pairing):
    """The activities the pairing brought (newest first), each with its attendance (person-times)."""
    return (Activity.objects.filter(pairing=pairing)
            .annotate(attended=Count("signups", filter=Q(signups__checked_in_at__isnull=False,
                                                         signups__status=SignupStatus.CONFIRMED)))
            .order_by("-starts_at", "-pk"))


def pairings_on(estate, day: datetime.date):
    """The estate's pairings running on the day (the activity form's choices)."""
    return (Pairing.objects.filter(estate=estate, starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .select_related("partner").order_by("partner__name"))


def agreements_with(partners):
    """Co-construction agreements with these units (the pairing form's choices)."""
    return CoConstructionAgreement.objects.filter(partner__in=partners).select_related(
        "party_organisation", "partner").order_by("-signed_on")


# --- advisers -------------------------------------------------------------------------------------------
def current_step(matter):
    """The procedure step the matter stands at, or None when it is finished."""
    if matter.status != MatterStatus.IN_PROGRESS:
        return None
    return Procedure.from_data(matter.procedure).steps[matter.step_index]


def adviser_list(*, fetched_by, estate_id: int | None = None, active_only: bool = True):
    qs = Adviser.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate", "user")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("panel", "added_at", "pk")


def advice_for_matter(*, fetched_by, matter) -> list[AdviceRequest]:
    """The matter's askings, each with its opinions (the viewer sees the matter)."""
    asked = list(AdviceRequest.objects.filter(matter=matter, estate__in=scope_for(fetched_by).estates())
                 .select_related("asked_by").order_by("asked_at", "pk"))
    for a in asked:
        a.answers = list(a.opinions.select_related("adviser__user").order_by("adviser__panel", "pk"))
        a.written = sum(1 for o in a.answers if o.written_at)
    return asked


def advice_request_get(*, fetched_by, advice_request_id: int) -> AdviceRequest:
    return get_in_scope(AdviceRequest.objects.filter(estate__in=scope_for(fetched_by).estates())
                        .select_related("matter", "estate", "asked_by"), pk=advice_request_id)


def my_opinion(user, asked: AdviceRequest) -> AdviceOpinion | None:
    if not user.is_authenticated:
        return None
    return AdviceOpinion.objects.filter(request=asked, adviser__user=user).first()


def my_advice_waiting(user, *, limit: int = 10):
    if not user.is_authenticated:
        return AdviceOpinion.objects.none()
    return (AdviceOpinion.objects.filter(adviser__user=user, adviser__active=True, written_at__isnull=True,
                                         request__estate__in=scope_for(user).estates())
            .select_related("request__matter").order_by("request__asked_at")[:limit])


# --- 红色物业项目 ---------------------------------------------------------------------------------------
def project_list(*, fetched_by, estate_id: int | None = None):
    qs = Project.objects.filter(estate__in=scope_for(fetched_by).estates()).select_related("estate")
    if estate_id is not None:
        qs = qs.filter(estate_id=estate_id)
    return qs.order_by("closed_at", "-opened_at", "-pk")


def project_get(*, fetched_by, project_id: int) -> Project:
    return get_in_scope(project_list(fetched_by=fetched_by).select_related("estate__community__subdistrict",
                                                                           "building"), pk=project_id)


@dataclass
class ProjectMoney:
    pledged: int  # fen
    received: int  # fen, in the estate's journal
    person_days: float
    households: int  # households pledging money


def project_money(project: Project) -> ProjectMoney:
    money = Pledge.objects.filter(project=project, kind="money")
    labour = Pledge.objects.filter(project=project, kind="labour").aggregate(d=Sum("person_days"))["d"] or 0
    received = PledgePayment.objects.filter(pledge__project=project).aggregate(s=Sum("amount"))["s"] or 0
    return ProjectMoney(money.aggregate(s=Sum("amount"))["s"] or 0, received, float(labour),
                        money.values("unit_id").distinct().count())


def concerned(project: Project):
    """The households a project concerns (its shares: 电梯集资 by floor), by code."""
    return project.shares.select_related("unit").order_by("unit__code")


def pledges_of(project: Project, viewer) -> list:
    """Each pledge with what was paid; the pledger's name only for those who see the estate's people."""
    shown = rules.may_read_roster(viewer, project.estate)
    paid = dict(PledgePayment.objects.filter(pledge__project=project).values_list("pledge_id").annotate(s=Sum("amount")))
    rows = project.pledges.select_related("unit", "user").order_by("created_at", "pk")
    return [(p, paid.get(p.pk, 0), shown or p.user_id == viewer.pk) for p in rows]


def project_consultation(project: Project) -> dict | None:
    """The owners' opinions asked through the votes app's consultation: its counts so far (or as frozen
    when it was closed) and whether it is still open."""
    consultation = project.consultation
    if consultation is None:
        return None
    summary = consultation.summary or consultation_summary(consultation)
    return {"consultation": consultation, "open": consultation.is_open(), "summary": summary}


def estate_users(estate):
    """Users who own or live in the estate now (the adviser form's choices)."""
    live = Q(person__ownerships__unit__estate=estate, person__ownerships__until__isnull=True) | Q(
        person__residencies__unit__estate=estate, person__residencies__until__isnull=True)
    return get_user_model().objects.filter(live, is_active=True).distinct().order_by("first_name", "username")


# --- the dashboard ------------------------------------------------------------------------------------
def _counts(place: Place, period: clock.Period) -> dict:
    lo, hi = period.bounds
    bookings = Booking.objects.filter(**place.lookup(), status=BookingStatus.CONFIRMED, starts_at__gte=lo,
                                      starts_at__lt=hi)
    activities = Activity.objects.filter(**place.lookup(), starts_at__gte=lo, starts_at__lt=hi)
    person_times = Signup.objects.filter(activity__in=activities, status=SignupStatus.CONFIRMED,
                                         checked_in_at__isnull=False).count()
    minutes = (VolunteerHours.objects.filter(confirmed_at__isnull=False)
               .filter(Q(activity__in=activities) | Q(**place.lookup("order__estate"), order__done_at__gte=lo,
                                                     order__done_at__lt=hi)).aggregate(m=Sum("minutes"))["m"] or 0)
    received = PledgePayment.objects.filter(**place.lookup("pledge__project__estate"), transaction__date__gte=period.start,
                                            transaction__date__lte=period.end).aggregate(s=Sum("amount"))["s"] or 0
    partnered = activities.filter(Q(partners__isnull=False) | Q(pairing__isnull=False)).distinct()
    pledged = Pledge.objects.filter(**place.lookup("project__estate"), kind="money", created_at__gte=lo,
                                    created_at__lt=hi).aggregate(s=Sum("amount"))["s"] or 0
    return {"received": received, "pledged": pledged, "partner_services": partnered.count(),
            "partner_reach": Signup.objects.filter(activity__in=partnered, status=SignupStatus.CONFIRMED,
                                                   checked_in_at__isnull=False).count(),
            "projects": Project.objects.filter(**place.lookup(), opened_at__gte=lo, opened_at__lt=hi).count(),
            "bookings": bookings.count(), "activities": activities.count(), "person_times": person_times,
            "volunteer_hours": round(minutes / 60, 1),
            "by_space": dict(bookings.values_list("space__name").annotate(n=Count("pk")))}


def yuan_of(value_fen: int) -> decimal.Decimal:
    return decimal.Decimal(value_fen) / 100


def dashboard_section(*, fetched_by, place: Place, period: clock.Period) -> Section:
    """Activities and person-times, volunteer hours, bookings, 红色物业项目 and the money received for them:
    each beside the same period last year."""
    now, before = _counts(place, period), _counts(place, period.a_year_earlier())
    listed = reverse("services:activity_list")
    figures = [
        Figure("activities", _("开展活动"), now["activities"], before["activities"],
               link=records_link(listed, place, period)),
        Figure("person_times", _("参加活动人次"), now["person_times"], before["person_times"]),
        Figure("partner_services", _("共建单位送服务（五进小区）"), now["partner_services"], before["partner_services"]),
        Figure("partner_reach", _("共建单位服务人次"), now["partner_reach"], before["partner_reach"]),
        Figure("pairings", _("挂点结对单位（现状）"), Pairing.objects.filter(**place.lookup()).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=clock.today())).count()),
        Figure("volunteer_hours", _("志愿服务时长（小时）"), now["volunteer_hours"], before["volunteer_hours"]),
        Figure("bookings", _("场地预约（已确认）"), now["bookings"], before["bookings"]),
        Figure("spaces", _("开放的活动场地（现状）"), Space.objects.filter(**place.lookup(), active=True).count()),
        Figure("projects", _("新成立的红色物业项目"), now["projects"], before["projects"]),
        Figure("projects_running", _("在办的红色物业项目（现状）"),
               Project.objects.filter(**place.lookup(), closed_at__isnull=True).count()),
        Figure("project_pledged", _("项目认捐金额"), yuan_of(now["pledged"]), yuan_of(before["pledged"]), unit="元"),
        Figure("project_money", _("项目认捐到账"), yuan_of(now["received"]), yuan_of(before["received"]), unit="元"),
    ]
    spaces = sorted(now["by_space"], key=lambda k: (-now["by_space"][k], k))[:12]
    return Section("services", str(_("社区生活")), figures, charts=[
        Chart("bookings_by_space", str(_("场地使用次数")), "bar", spaces,
              [Series(period.label, [now["by_space"][k] for k in spaces])]),
    ])
