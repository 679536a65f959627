"""Community life's pages, phone first: the hub (my bookings and sign-ups, the estates' spaces and
activities), a space's week with booking, an estate's activities, an activity (sign up, cancel, the
organiser's QR code, ticks, report, volunteers' hours), the door's check-in, a volunteer's record.
Each form is shown only to those the rules let submit it."""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied, WrongState
from gongzhi.core.figures import place_get
from gongzhi.core.files import Upload
from gongzhi.core.money import yuan
from gongzhi.core.scoping import scope_for
from gongzhi.core.web import attempt, posted_action, posted_date, posted_id, posted_ids
from gongzhi.finance.rules import may_keep_books
from gongzhi.meetings.selectors import matter_get
from gongzhi.places.models import Building
from gongzhi.places.selectors import estate_get
from gongzhi.services import forms, rules, selectors, services
from gongzhi.services.choices import ActivityKind, SignupStatus
from gongzhi.services.services import activities as activity_services
from gongzhi.services.services import advisers as adviser_services
from gongzhi.services.services import partners as partner_services
from gongzhi.services.services import projects as project_services
from gongzhi.services.services import spaces as space_services
from gongzhi.services.services import volunteers as volunteer_services

BOOKED = _("预约成功")
BAD_TICKS = "勾选的名单有误 / The ticked list is not valid"


def _uploads(files) -> list[Upload]:
    return [Upload(f.name, f.read()) for f in files]


def _bound(request, action: str):
    return request.POST if request.method == "POST" and request.POST.get("action") == action else None


@login_required
def hub(request):
    user = request.user
    estates = scope_for(user).estates(rules.TAKING_PART_ROLES).order_by("name")[:20]
    return render(request, "services/hub.html", {
        "estates": estates, "bookings": selectors.my_bookings(user), "signups": selectors.my_signups(user),
        "pending": selectors.pending_bookings(user), "open": selectors.open_activities_for(user, limit=10),
        "advice": selectors.my_advice_waiting(user),
    })


@login_required
def space_list(request, estate_id: int):
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    form = forms.SpaceForm(_bound(request, "space"), prefix="space") if rules.may_keep_spaces(user, estate) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(space_services.KEEPER_ONLY)
        posted_action(request, {"space": form})
        if form.is_valid():
            space = attempt(request, lambda: services.space_create(user, estate_id=estate.pk, **form.cleaned_data),
                            _("已登记"))
            if space is not None:
                return redirect("services:space_detail", space_id=space.pk)
    today = clock.today()
    return render(request, "services/space_list.html", {
        "estate": estate, "spaces": selectors.space_list(fetched_by=user, estate_id=estate.pk), "form": form,
        "usage": selectors.usage_counts(fetched_by=user, estate_id=estate.pk, start=today - datetime.timedelta(days=29),
                                        end=today),
    })


@login_required
def space_detail(request, space_id: int):
    """The space's week (Monday to Sunday), one day under the other; book a slot; cancel or decide."""
    user = request.user
    space = selectors.space_get(fetched_by=user, space_id=space_id)
    may_book = rules.may_take_part(user, space.estate) and space.active
    may_approve = rules.may_approve_booking(user, space)
    form = forms.BookingForm(_bound(request, "book"), initial={"day": clock.today()}) if may_book else None
    if request.method == "POST":
        action = request.POST.get("action", "")
        booking_id = posted_id(request.POST.get("booking_id")) or 0
        calls = {
            "cancel": lambda: services.booking_cancel(user, booking_id=booking_id),
            "approve": lambda: services.booking_decide(user, booking_id=booking_id, approve=True),
            "refuse": lambda: services.booking_decide(user, booking_id=booking_id, approve=False),
        }
        if action == "book":
            if form is None:
                raise PermissionDenied(space_services.TAKING_PART_ONLY)
            if form.is_valid():
                start, end = form.slot()
                booking = attempt(request, lambda: services.booking_create(
                    user, space_id=space.pk, starts_at=start, ends_at=end, purpose=form.cleaned_data["purpose"]),
                    None)
                if booking is not None:
                    messages.success(request, f"{BOOKED}：{space.name} {clock.stamp(booking.starts_at)}–"
                                              f"{clock.stamp(booking.ends_at, '%H:%M')}"
                                              f"（{booking.get_status_display()}）")
                    return redirect(f"{reverse('services:space_detail', args=[space.pk])}"
                                    f"?week={selectors.week_start(clock.local_date(booking.starts_at))}")
        elif attempt(request, posted_action(request, calls), _("已保存")) is not None:
            return redirect("services:space_detail", space_id=space.pk)
    asked = posted_date(request.GET.get("week"))
    first = selectors.week_start(asked if asked and 2000 <= asked.year <= 2100 else clock.today())
    bookings = list(selectors.booking_list(fetched_by=user, space_id=space.pk, start=first,
                                           end=first + datetime.timedelta(days=6), holding_only=True))
    for b in bookings:
        b.shown = selectors.booker_shown(user, b)
        b.cancellable = rules.may_cancel_booking(user, b) and b.ends_at > clock.now()
    return render(request, "services/space_detail.html", {
        "space": space, "form": form, "may_approve": may_approve,
        "days": selectors.week_of(space, bookings, first),
        "previous": first - datetime.timedelta(days=7), "next": first + datetime.timedelta(days=7),
    })


def _place(user, get):
    return place_get(user, get["place"], None) if get.get("place") else None


@login_required
def activity_list(request):
    """Activities the viewer sees, by place and dates (the dashboard's links)."""
    user, get = request.user, request.GET
    qs = selectors.activity_list(fetched_by=user, place=_place(user, get), start=posted_date(get.get("start")),
                                 end=posted_date(get.get("end")))
    return render(request, "services/activity_list.html", {"page": Paginator(qs, 50).get_page(get.get("page")),
                                                           "filters": get})


@login_required
def estate_activities(request, estate_id: int):
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    form = None
    if rules.may_organise_activities(user, estate):
        form = forms.ActivityForm(_bound(request, "activity"), prefix="act",
                                  spaces=selectors.space_list(fetched_by=user, estate_id=estate.pk).filter(active=True),
                                  partners=selectors.partner_units(fetched_by=user, estate=estate),
                                  pairings=selectors.pairing_list(fetched_by=user, estate_id=estate.pk).filter(
                                      Q(ends_on__isnull=True) | Q(ends_on__gte=clock.today())))
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(activity_services.ORGANISER_ONLY)
        posted_action(request, {"activity": form})
        if form.is_valid():
            activity = attempt(request, lambda: services.activity_create(user, estate_id=estate.pk,
                                                                         **form.service_arguments()), _("活动已发布"))
            if activity is not None:
                return redirect("services:activity_detail", activity_id=activity.pk)
    return render(request, "services/estate_activities.html", {
        "estate": estate, "form": form,
        "upcoming": selectors.activity_list(fetched_by=user, estate_id=estate.pk, upcoming=True)[:50],
        "past": selectors.activity_list(fetched_by=user, estate_id=estate.pk).filter(ends_at__lte=clock.now())[:50],
    })


@login_required
def activity_detail(request, activity_id: int):
    user = request.user
    activity = selectors.activity_get(fetched_by=user, activity_id=activity_id)
    runs = rules.may_run_activity(user, activity)
    report_form = forms.ReportForm(_bound(request, "report"), initial={"report": activity.report}) \
        if runs and activity.ends_at <= clock.now() else None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("tick", "report", "hours") and not runs:
            raise PermissionDenied(activity_services.RUN_ONLY)
        if action == "report":
            if report_form is None:
                raise WrongState(activity_services.REPORT_TOO_EARLY)
            if report_form.is_valid() and attempt(request, lambda: services.activity_report(
                    user, activity_id=activity.pk, photos=_uploads(request.FILES.getlist("photos")),
                    **report_form.cleaned_data), _("已保存")):
                return redirect("services:activity_detail", activity_id=activity.pk)
        else:
            calls = {
                "signup": lambda: services.activity_signup(user, activity_id=activity.pk),
                "cancel": lambda: services.signup_cancel(user, activity_id=activity.pk),
                "tick": lambda: services.attendance_mark(
                    user, activity_id=activity.pk, user_ids=posted_ids(request.POST.getlist("user"), BAD_TICKS)),
                "hours": lambda: services.volunteer_hours_confirm(
                    user, activity_id=activity.pk, user_ids=posted_ids(request.POST.getlist("user"), BAD_TICKS)),
            }
            result = attempt(request, posted_action(request, calls), None)
            if result is not None:
                messages.success(request, _signed_message(result) if action == "signup" else _("已保存"))
                return redirect("services:activity_detail", activity_id=activity.pk)
    mine = selectors.my_signup(user, activity)
    return render(request, "services/activity_detail.html", {
        "activity": activity, "mine": mine, "runs": runs, "attendance": selectors.attendance(activity),
        "position": activity_services.waiting_position(mine) if mine and mine.status == SignupStatus.WAITING else None,
        "may_sign": rules.may_take_part(user, activity.estate) and activity.starts_at > clock.now(),
        "roster": selectors.roster(activity) if runs or rules.may_read_roster(user, activity.estate) else None,
        "tick_open": runs and activity.starts_at - activity_services.CHECKIN_OPENS_BEFORE <= clock.now() < activity.ends_at,
        "volunteers": selectors.attended_volunteers(activity) if runs and activity.ends_at <= clock.now() else None,
        "report_form": report_form, "partners": activity.partners.all(), "photos": activity.photos.all(),
        "photos_max": activity_services.PHOTOS_MAX,
    })


def _signed_message(signup) -> str:
    if signup.status == SignupStatus.WAITING:
        return str(_("名额已满，您已列入候补第 %(n)s 位") % {"n": activity_services.waiting_position(signup)})
    return str(_("报名成功：%(title)s") % {"title": signup.activity.title})


@login_required
def activity_qr(request, activity_id: int):
    """The organiser's screen at the door: a QR code of the check-in address, renewed every few minutes."""
    user = request.user
    activity = selectors.activity_get(fetched_by=user, activity_id=activity_id)
    if not rules.may_run_activity(user, activity):
        raise PermissionDenied(activity_services.RUN_ONLY)
    code = activity_services.checkin_code(activity)
    url = request.build_absolute_uri(f"{reverse('services:activity_checkin', args=[activity.pk])}?code={code}")
    return render(request, "services/activity_qr.html", {
        "activity": activity, "url": url, "qr": segno.make(url, error="m").svg_data_uri(scale=6, border=2),
        "minutes": activity_services.CHECKIN_CODE_MINUTES,
    })


@login_required
def activity_checkin(request, activity_id: int):
    """What the resident's phone opens from the QR code: one tap checks in."""
    user = request.user
    activity = selectors.activity_get(fetched_by=user, activity_id=activity_id)
    code = request.POST.get("code") if request.method == "POST" else request.GET.get("code", "")
    if request.method == "POST":
        if attempt(request, lambda: services.activity_checkin(user, activity_id=activity.pk, code=code or ""),
                   _("签到成功：%(title)s") % {"title": activity.title}) is not None:
            return redirect("services:activity_detail", activity_id=activity.pk)
    return render(request, "services/activity_checkin.html", {
        "activity": activity, "code": (code or "")[:200], "mine": selectors.my_signup(user, activity)})


@login_required
def volunteering(request):
    """A volunteer's own record (teams, hours by activity and order) and the teams of their estates and
    communities (join; set up an estate's or the community's); orders' hours waiting for this user's
    confirmation."""
    user = request.user
    keeper_estates = scope_for(user).estates(rules.SPACE_KEEPER_ROLES).order_by("name")[:20]
    keeper_communities = scope_for(user).communities(rules.COMMUNITY_TEAM_KEEPER_ROLES).order_by("name")[:20]
    may_set_up = keeper_estates.exists() or keeper_communities.exists()
    team_form = forms.TeamForm(_bound(request, "team"), prefix="team") if may_set_up else None
    to_confirm = selectors.hours_to_confirm(user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "team":
            if team_form is None:
                raise PermissionDenied(services.volunteers.KEEPER_ONLY)
            place = request.POST.get("place") or f"estate:{request.POST.get('estate_id', '')}"
            kind, _sep, pk = place.partition(":")
            where = {"community_id" if kind == "community" else "estate_id": posted_id(pk) or 0}
            if team_form.is_valid() and attempt(request, lambda: services.volunteer_team_create(
                    user, **where, **team_form.cleaned_data), _("已保存")):
                return redirect("services:volunteering")
        elif action == "confirm":
            hours_form = forms.OrderHoursForm(request.POST)
            hours_id = posted_id(request.POST.get("hours_id")) or 0
            if hours_form.is_valid() and attempt(request, lambda: services.order_hours_confirm(
                    user, hours_id=hours_id, minutes=hours_form.cleaned_data["minutes"]), _("已确认")):
                return redirect("services:volunteering")
        else:
            team_id = posted_id(request.POST.get("team_id")) or 0
            call = posted_action(request, {"join": lambda: services.volunteer_join(user, team_id=team_id)})
            if attempt(request, call, _("已加入")) is not None:
                return redirect("services:volunteering")
    teams, hours, minutes, waiting = selectors.my_record(user)
    joined = {m.team_id for m in teams}
    seen = scope_for(user).estates(rules.TAKING_PART_ROLES)
    return render(request, "services/volunteering.html", {
        "teams": teams, "hours": hours, "total_hours": round(minutes / 60, 1), "joined": joined, "waiting": waiting,
        "estate_teams": selectors.team_list(fetched_by=user).filter(
            Q(estate__in=seen) | Q(estate__isnull=True, community__in=seen.values("community_id")))[:50],
        "team_form": team_form, "keeper_estates": keeper_estates, "keeper_communities": keeper_communities,
        "to_confirm": to_confirm, "order_minutes_max": volunteer_services.ORDER_MINUTES_MAX,
    })


@login_required
def volunteer_record(request):
    """The volunteer's record to print or show: who, the teams, every confirmed hour, the total."""
    user = request.user
    teams, hours, minutes, _waiting = selectors.my_record(user)
    return render(request, "services/volunteer_record.html", {
        "teams": teams, "hours": hours, "total_hours": round(minutes / 60, 1), "today": clock.today(),
        "name": user.first_name or user.get_username()})


@login_required
def estate_projects(request, estate_id: int):
    """An estate's 红色物业项目; the community party organisation opens one."""
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    form = None
    if rules.may_steer_project(user, estate):
        form = forms.ProjectForm(_bound(request, "project"), prefix="project",
                                 buildings=Building.objects.filter(estate=estate).order_by("code"))
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(project_services.OPENER_ONLY)
        posted_action(request, {"project": form})
        if form.is_valid():
            project = attempt(request, lambda: services.project_open(user, estate_id=estate.pk,
                                                                     **form.service_arguments()), _("项目已成立"))
            if project is not None:
                return redirect("services:project_detail", project_id=project.pk)
    projects = selectors.project_list(fetched_by=user, estate_id=estate.pk)[:50]
    return render(request, "services/estate_projects.html", {
        "estate": estate, "form": form, "projects": [(p, yuan(p.budget), yuan(selectors.project_money(p).received)) for p in projects]})


@login_required
def project_detail(request, project_id: int):
    user = request.user
    project = selectors.project_get(fetched_by=user, project_id=project_id)
    running = project.closed_at is None
    steers = rules.may_steer_project(user, project.estate) and running
    books = may_keep_books(user, project.estate) and running
    takes_part = rules.may_take_part(user, project.estate) and running
    units = scope_for(user).units().filter(estate=project.estate).order_by("code")
    shares = selectors.concerned(project)
    if shares.exists():
        units = units.filter(pk__in=shares.values("unit_id"))
    forms_ = {
        "pledge": forms.PledgeForm(_bound(request, "pledge"), prefix="pledge", units=units) if takes_part else None,
        "dispute": forms.DisputeForm(_bound(request, "dispute"), prefix="dispute") if takes_part else None,
        "payment": forms.PaymentForm(_bound(request, "payment"), prefix="pay", initial={"date": clock.today()})
        if books else None,
        "milestone": forms.MilestoneForm(_bound(request, "milestone"), prefix="ms") if steers else None,
        "settle": forms.SettleForm(_bound(request, "settle"), prefix="settle") if steers else None,
        "close": forms.CloseForm(_bound(request, "close"), prefix="close") if steers else None,
        "consult": forms.ConsultForm(_bound(request, "consult"), prefix="consult") if steers else None,
    }
    if request.method == "POST":
        if request.POST.get("action") in forms_ and forms_[request.POST["action"]] is None:
            raise PermissionDenied(project_services.OPENER_ONLY)
        form = posted_action(request, forms_)
        if form.is_valid():
            data = form.cleaned_data
            target = posted_id(request.POST.get("target_id")) or 0
            calls = {
                "pledge": lambda: services.pledge_create(user, project_id=project.pk, **form.service_arguments()),
                "dispute": lambda: services.dispute_raise(user, project_id=project.pk, **data),
                "payment": lambda: services.pledge_payment_record(user, pledge_id=target, **data),
                "milestone": lambda: services.milestone_record(user, project_id=project.pk,
                                                               photos=_uploads(request.FILES.getlist("photos")), **data),
                "consult": lambda: services.project_consult(user, project_id=project.pk, **data),
                "settle": lambda: services.dispute_settle(user, dispute_id=target, **data),
                "close": lambda: services.project_close(user, project_id=project.pk, **data),
            }
            if attempt(request, calls[request.POST["action"]], _("已保存")) is not None:
                return redirect("services:project_detail", project_id=project.pk)
    money = selectors.project_money(project)
    return render(request, "services/project_detail.html", {
        "project": project, "money": money, "budget": yuan(project.budget), "pledged": yuan(money.pledged),
        "received": yuan(money.received), "shares": [(s, yuan(s.amount)) for s in shares[:500]],
        "pledges": [(p, yuan(p.amount), yuan(paid), shown) for p, paid, shown in selectors.pledges_of(project, user)], "milestones": project.milestones.order_by("recorded_at", "pk"),
        "disputes": project.disputes.order_by("raised_at", "pk"), "forms": forms_,
        "consultation": selectors.project_consultation(project),
    })


@login_required
def activity_photo(request, activity_photo_id: int):
    photo = selectors.activity_photo_get(fetched_by=request.user, activity_photo_id=activity_photo_id)
    return FileResponse(photo.file.open("rb"), content_type="image/jpeg")


@login_required
def milestone_photo(request, milestone_photo_id: int):
    photo = selectors.milestone_photo_get(fetched_by=request.user, milestone_photo_id=milestone_photo_id)
    return FileResponse(photo.file.open("rb"), content_type="image/jpeg")


# --- 挂点结对 (五进小区) ----------------------------------------------------------------------------------
@login_required
def estate_partners(request, estate_id: int):
    """The estate's pairings: who, since when, the duties, the services brought and to how many; the
    community pairs a unit."""
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    form = None
    if rules.may_pair(user, estate):
        partners = selectors.partner_units(fetched_by=user, estate=estate)
        form = forms.PairingForm(_bound(request, "pair"), prefix="pair", partners=partners,
                                 agreements=selectors.agreements_with(partners),
                                 initial={"starts_on": clock.today()})
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(partner_services.KEEPER_ONLY)
        posted_action(request, {"pair": form})
        if form.is_valid():
            pairing = attempt(request, lambda: services.pairing_create(user, estate_id=estate.pk,
                                                                       **form.service_arguments()), _("已登记"))
            if pairing is not None:
                return redirect("services:pairing_detail", pairing_id=pairing.pk)
    return render(request, "services/estate_partners.html", {
        "estate": estate, "form": form, "pairings": selectors.pairing_list(fetched_by=user, estate_id=estate.pk)[:100],
        "today": clock.today()})


@login_required
def pairing_detail(request, pairing_id: int):
    user = request.user
    pairing = selectors.pairing_get(fetched_by=user, pairing_id=pairing_id)
    ends = rules.may_pair(user, pairing.estate) and (pairing.ends_on is None or pairing.ends_on >= clock.today())
    form = forms.PairingEndForm(_bound(request, "end"), initial={"ends_on": clock.today()}) if ends else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(partner_services.KEEPER_ONLY)
        posted_action(request, {"end": form})
        if form.is_valid() and attempt(request, lambda: services.pairing_end(
                user, pairing_id=pairing.pk, **form.cleaned_data), _("已保存")):
            return redirect("services:pairing_detail", pairing_id=pairing.pk)
    return render(request, "services/pairing_detail.html", {
        "pairing": pairing, "form": form, "activities": selectors.pairing_services(pairing)[:100],
        "offered": [ActivityKind(k).label for k in pairing.services if k in ActivityKind.values]})


# --- advisers --------------------------------------------------------------------------------------------
@login_required
def estate_advisers(request, estate_id: int):
    """The estate's 顾问组 and 智囊团; the committee chair or the community appoints and removes."""
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    keeps = rules.may_keep_advisers(user, estate)
    form = forms.AdviserForm(_bound(request, "add"), prefix="adv", users=selectors.estate_users(estate)) if keeps else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(adviser_services.KEEPER_ONLY)
        if request.POST.get("action") == "remove":
            adviser_id = posted_id(request.POST.get("adviser_id")) or 0
            if attempt(request, lambda: services.adviser_remove(user, adviser_id=adviser_id), _("已解聘")):
                return redirect("services:estate_advisers", estate_id=estate.pk)
        else:
            posted_action(request, {"add": form})
            if form.is_valid() and attempt(request, lambda: services.adviser_add(
                    user, estate_id=estate.pk, **form.service_arguments()), _("已聘请")):
                return redirect("services:estate_advisers", estate_id=estate.pk)
    return render(request, "services/estate_advisers.html", {
        "estate": estate, "form": form, "keeps": keeps,
        "advisers": selectors.adviser_list(fetched_by=user, estate_id=estate.pk)})


@login_required
def advice_ask(request, matter_id: int):
    """"Ask the advisers" from the matter's page (its form posts here); back to the matter."""
    user = request.user
    matter = matter_get(fetched_by=user, matter_id=matter_id)
    if request.method == "POST":
        if not rules.may_ask_advisers(user, matter):
            raise PermissionDenied(adviser_services.ASK_ONLY)
        form = forms.AskForm(request.POST)
        if form.is_valid():
            attempt(request, lambda: services.advice_ask(user, matter_id=matter.pk, **form.cleaned_data),
                    _("已向顾问征询意见"))
        else:
            messages.error(request, adviser_services.QUESTION_REQUIRED)
    return redirect(f"{reverse('meetings:matter_detail', args=[matter.pk])}#advice")


@login_required
def advice_detail(request, advice_request_id: int):
    """What the advisers were asked, on which matter and step; the adviser writes an opinion here."""
    user = request.user
    asked = selectors.advice_request_get(fetched_by=user, advice_request_id=advice_request_id)
    mine = selectors.my_opinion(user, asked)
    form = forms.OpinionForm(_bound(request, "opinion")) if mine is not None and mine.written_at is None else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(adviser_services.NOT_ASKED if mine is None else adviser_services.ALREADY_GIVEN)
        posted_action(request, {"opinion": form})
        if form.is_valid() and attempt(request, lambda: services.advice_give(
                user, advice_request_id=asked.pk, **form.cleaned_data), _("意见已提交")):
            return redirect("services:advice_detail", advice_request_id=asked.pk)
    opinions = list(asked.opinions.select_related("adviser__user").order_by("adviser__panel", "pk"))
    return render(request, "services/advice_detail.html", {
        "asked": asked, "mine": mine, "form": form, "opinions": opinions,
        "shown": scope_for(user).contacts_shown(asked.estate_id),
        "still_open": selectors.current_step(asked.matter) is not None
        and asked.matter.step_index == asked.step_index})
