"""Pages for residents' requests: file one (phone first), follow it, handle it, the public progress
board, the metrics, the routing table, and 三单制 orders."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongzhi.core import clock
from gongzhi.core.errors import GongzhiError, NotFound
from gongzhi.core.figures import place_get
from gongzhi.core.files import Upload
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.web import attempt, posted_action, posted_date, posted_id, posted_ids
from gongzhi.requests import rules, selectors, services
from gongzhi.requests.choices import (
    FIRST_HANDLERS,
    Category,
    Channel,
    Handler,
    Level,
    OrderKind,
    OrderStatus,
    Status,
    Tier,
)
from gongzhi.requests.models import Photo
from gongzhi.requests.routing import routing_table
from gongzhi.requests.services.orders import NOT_A_HELPER
from gongzhi.requests.services.summons import UNKNOWN_DEPARTMENT

CHOOSE_ESTATE = gettext_noop("请选择小区")  # shown translated


def _uploads(files) -> list[Upload]:
    return [Upload(f.name, f.read()) for f in files]


def _int(value):
    return posted_id(value)


# --- requests -------------------------------------------------------------------------------------
@login_required
def request_list(request):
    user = request.user
    get = request.GET
    qs = selectors.requests_filtered(
        fetched_by=user, status=get.get("status", ""), estate_id=_int(get.get("estate")),
        category=get.get("category", ""), overdue=bool(get.get("overdue")), mine=bool(get.get("mine")),
        place=place_get(user, get["place"], None) if get.get("place") else None,
        start=posted_date(get.get("start")), end=posted_date(get.get("end")), level=_int(get.get("level")),
        summoned=bool(get.get("summoned")), late=bool(get.get("late")), sort=get.get("sort", "new"))
    page = Paginator(qs, 30).get_page(get.get("page"))
    kind, place = selectors.default_metrics_place(user)
    return render(request, "requests/request_list.html", {
        "page": page, "awaiting": selectors.awaiting_me(user), "late_departments": list(
            selectors.late_departments(user)[:50]) if rules.may_follow_summonses(user) else [],
        "statuses": Status.choices, "categories": Category.choices, "filters": get, "metrics_place": place,
        "levels": Level.choices, "staff": rules.may_see_ages(user),
        "kept_filters": [(key, get[key]) for key in ("place", "start", "end", "summoned", "late") if get.get(key)],
        "now": clock.now(),
    })


def _my_units(user):
    return list(scope_for(user).units().select_related("estate", "building").order_by("estate__name", "code")[:20])


def _intake_estates(user):
    return list(scope_for(user).estates().order_by("name")[:500])


def _intake_channels(user):
    channels = rules.intake_channels(user)
    return [(c, Channel(c).label) for c in Channel.values if c in channels]


@login_required
def request_new(request):
    user = request.user
    if request.method == "POST":
        post = request.POST
        unit_id = _int(post.get("unit"))
        estate_id = _int(post.get("estate"))
        if unit_id:  # a problem inside the home: its estate
            unit = scope_for(user).units().filter(pk=unit_id).first()
            estate_id = unit.estate_id if unit else estate_id
        data = services.Intake(
            estate_id=estate_id or 0, category=post.get("category", ""), description=post.get("description", ""),
            building_id=_int(post.get("building")), unit_id=unit_id, place_text=post.get("place_text", ""),
            emergency=bool(post.get("emergency")), anonymous=bool(post.get("anonymous")),
            channel=post.get("channel") or Channel.WEB, contact_name=post.get("contact_name", ""),
            contact_phone=post.get("contact_phone", ""), photos=_uploads(request.FILES.getlist("photos")))
        if not data.estate_id:
            messages.error(request, _(CHOOSE_ESTATE))
            created = None
        else:
            created = attempt(request, lambda: services.request_submit(user, data), _("诉求已提交，我们会尽快处理"))
        if created:
            return redirect("requests:request_detail", created.pk)
    units = _my_units(user)
    return render(request, "requests/request_new.html", {
        "categories": Category.choices, "units": units, "estates": _intake_estates(user),
        "home_estate": units[0].estate_id if units else None,
        "channels": _intake_channels(user), "max_photos": services.PHOTOS_MAX, "posted": request.POST,
    })


_ACTIONS = {
    "respond": (lambda u, pk, p, f: services.request_respond(u, request_id=pk, note=p.get("note", "")),
                "已受理"),
    "resolve": (lambda u, pk, p, f: services.request_resolve(u, request_id=pk, note=p.get("note", ""),
                                                             photos=_uploads(f.getlist("photos"))), "已办结"),
    "call_up": (lambda u, pk, p, f: services.request_call_up(
        u, request_id=pk, reason=p.get("reason", ""),
        department_ids=posted_ids(p.getlist("departments"), UNKNOWN_DEPARTMENT, "departments")), "已上报"),
    "summon": (lambda u, pk, p, f: services.request_summon(
        u, request_id=pk, department_ids=posted_ids(p.getlist("departments"), UNKNOWN_DEPARTMENT, "departments")), "已吹哨"),
    "confirm": (lambda u, pk, p, f: services.request_confirm(
        u, request_id=pk, satisfaction=_int(p.get("satisfaction")) or 0, comment=p.get("comment", "")),
                "感谢您的评价"),
    "reopen": (lambda u, pk, p, f: services.request_reopen(u, request_id=pk, reason=p.get("reason", "")),
               "已退回重新办理"),
    "report": (lambda u, pk, p, f: services.summons_report(u, summons_id=_int(p.get("summons")) or 0,
                                                           note=p.get("note", "")), "已报到"),
    "act": (lambda u, pk, p, f: services.summons_act(u, summons_id=_int(p.get("summons")) or 0,
                                                     note=p.get("note", "")), "处置情况已记录"),
}


@login_required
def request_detail(request, request_id: int):
    user = request.user
    req = selectors.request_get(fetched_by=user, request_id=request_id)
    if request.method == "POST":
        fn, done = posted_action(request, _ACTIONS)
        attempt(request, lambda: fn(user, req.pk, request.POST, request.FILES), _(done))
        return redirect("requests:request_detail", req.pk)
    # Which forms the page shows: exactly the actions the rules allow this user now.
    actions = rules.request_actions(user, req)
    days = settings.GONGZHI_REQUEST_CONFIRM_DAYS
    confirm_until = (req.resolved_at + datetime.timedelta(days=days)) if req.resolved_at else None
    departments = selectors.departments_for(req) if "summon" in actions else []
    summonses = [(s, rules.summons_actions(user, s)) for s in req.summonses.select_related("department")]
    return render(request, "requests/request_detail.html", {
        "req": req, "events": selectors.timeline(req), "requester": selectors.requester_for(user, req),
        "shown": selectors.text_shown(user, req),
        "photos": list(req.photos.all()), "actions": actions, "confirm_until": confirm_until,
        "summonses": summonses, "departments": departments, "now": clock.now(), "levels": Level,
    })


@login_required
def request_photo(request, photo_id: int):
    photo = Photo.objects.filter(pk=photo_id, request__in=selectors.request_list(fetched_by=request.user)).first()
    if photo is None:
        raise Http404
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


def request_board(request, estate_id: int):
    """Public: what was reported in this estate and what was done (no personal data)."""
    try:
        estate, rows, month = selectors.public_board(estate_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "requests/board.html", {"estate": estate, "rows": rows, "month": month})


@login_required
def metrics_page(request):
    user = request.user
    get = request.GET
    default_kind, place = selectors.default_metrics_place(user)
    if place is None:
        raise Http404
    kind = get.get("place") or default_kind
    place_id = _int(get.get("place_id")) or (place.pk if kind == default_kind else 0)
    # By default the last complete month, with the current month to date beside it.
    last_month = clock.last_complete(clock.PeriodKind.MONTH)
    this_month = clock.period(clock.PeriodKind.MONTH).to_date()
    chosen = bool(get.get("start") or get.get("end"))
    start = posted_date(get.get("start")) or last_month.start
    end = posted_date(get.get("end")) or last_month.end
    error, current = None, None
    try:
        result = selectors.metrics(fetched_by=user, place=kind, place_id=place_id, start=start, end=end)
        if not chosen:
            current = selectors.metrics(fetched_by=user, place=kind, place_id=place_id, start=this_month.start,
                                        end=this_month.end)
    except GongzhiError as exc:
        if exc.status == 404:
            raise Http404 from exc
        result, error = None, exc.message
    scope = scope_for(user)
    return render(request, "requests/metrics.html", {
        "m": result, "error": error, "kind": kind, "start": start, "end": end, "current": current,
        "last_month": last_month, "this_month": this_month,
        "subdistricts": scope.subdistricts(rules.METRICS_ROLES).order_by("name")[:20],
        "communities": scope.communities(rules.METRICS_ROLES).order_by("name")[:100],
        "estates": scope.estates(rules.METRICS_ROLES).order_by("name")[:300],
    })


@login_required
def routing_page(request, community_id: int):
    user = request.user
    scope = scope_for(user)
    community = get_in_scope(scope.communities(), pk=community_id)
    if request.method == "POST":
        post = request.POST
        attempt(request, lambda: services.route_set(
            user, community_id=community.pk, category=post.get("category", ""), handler=post.get("handler", ""),
            tier=post.get("tier", ""), response_amount=_int(post.get("response_amount")) or 0,
            response_unit=post.get("response_unit", ""), resolve_amount=_int(post.get("resolve_amount")) or 0,
            resolve_unit=post.get("resolve_unit", "")), _("派单规则已保存"))
        return redirect("requests:request_routing", community.pk)
    return render(request, "requests/routing.html", {
        "community": community, "rows": [
            {**vars(row), "own": own, "category_label": Category(row.category).label,
             "handler_label": Handler(row.handler).label, "tier_label": Tier(row.tier).label}
            for row, own in routing_table(community.pk)],
        "handlers": [(h, Handler(h).label) for h in FIRST_HANDLERS], "tiers": Tier.choices,
        "units": clock.Unit.choices, "terms": clock.terms(),
        "can_edit": rules.may_edit_routing(user, community),
    })


# --- 三单制 --------------------------------------------------------------------------------------------
@login_required
def order_list(request):
    user = request.user
    if request.method == "POST":
        post = request.POST
        order = attempt(request, lambda: services.order_place(
            user, estate_id=_int(post.get("estate")) or 0, kind=post.get("kind", ""), title=post.get("title", ""),
            description=post.get("description", "")), _("已点单，等待派单"))
        return redirect("requests:order_detail", order.pk) if order else redirect("requests:order_list")
    orders = selectors.order_list_for(user).select_related("estate", "accepted_by").order_by("-created_at", "-pk")
    offered = orders.filter(status=OrderStatus.DISPATCHED, offers__user=user)
    return render(request, "requests/order_list.html", {
        "page": Paginator(orders, 30).get_page(request.GET.get("page")), "offered": list(offered[:20]),
        "kinds": OrderKind.choices, "estates": _intake_estates(user),
    })


_ORDER_ACTIONS = {
    "dispatch": (lambda u, pk, p: services.order_dispatch(
        u, order_id=pk, helper_ids=posted_ids(p.getlist("helpers"), NOT_A_HELPER, "helpers")), "已派单"),
    "accept": (lambda u, pk, p: services.order_accept(u, order_id=pk), "已接单"),
    "complete": (lambda u, pk, p: services.order_complete(u, order_id=pk, note=p.get("note", "")), "已完成"),
    "rate": (lambda u, pk, p: services.order_rate(u, order_id=pk, satisfaction=_int(p.get("satisfaction")) or 0),
             "感谢您的评价"),
}


@login_required
def order_detail(request, order_id: int):
    user = request.user
    order = selectors.order_get(fetched_by=user, order_id=order_id)
    if request.method == "POST":
        fn, done = posted_action(request, _ORDER_ACTIONS)
        attempt(request, lambda: fn(user, order.pk, request.POST), _(done))
        return redirect("requests:order_detail", order.pk)
    # Which forms the page shows: exactly the actions the rules allow this user now.
    actions = rules.order_actions(user, order)
    return render(request, "requests/order_detail.html", {
        "order": order, "actions": actions, "shown": selectors.order_text_shown(user, order),
        "helpers": list(selectors.helpers_for(order.estate)[:100]) if "dispatch" in actions else [],
        "offers": list(order.offers.select_related("user")), "statuses": OrderStatus,
    })

