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
from gongzhi.core.errors import GongzhiError, NotFound, PermissionDenied
from gongzhi.core.exports import xlsx_stream
from gongzhi.core.figures import place_get
from gongzhi.core.files import Upload
from gongzhi.core.masking import redact
from gongzhi.core.paging import EstimatedPaginator
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.web import attempt, posted_action, posted_date, posted_id, posted_ids
from gongzhi.places.models import Building
from gongzhi.requests import rules, selectors, services
from gongzhi.requests.choices import (
    FIRST_HANDLERS,
    Category,
    Channel,
    DeviceEventKind,
    DeviceKind,
    DeviceStatus,
    Handler,
    Level,
    OrderKind,
    OrderStatus,
    Status,
    Tier,
)
from gongzhi.requests.models import Photo
from gongzhi.requests.routing import routing_table
from gongzhi.requests.services.devices import REPORTED_KINDS, SIGNATURE_HEADER
from gongzhi.requests.services.orders import NOT_A_HELPER
from gongzhi.requests.services.summons import UNKNOWN_DEPARTMENT

CHOOSE_ESTATE = gettext_noop("请选择小区")  # shown translated


def _uploads(files) -> list[Upload]:
    return [Upload(f.name, f.read()) for f in files]


def _int(value):
    return posted_id(value)


# --- requests -------------------------------------------------------------------------------------
def _requests(request, *, page=False):
    """The requests list's rows for its filters (the page and its export read the same; the page as
    selectors.requests_listed, which walks the user's branches for one page)."""
    user, get = request.user, request.GET
    read = selectors.requests_listed if page else selectors.requests_filtered
    return read(
        fetched_by=user, status=get.get("status", ""), estate_id=_int(get.get("estate")),
        category=get.get("category", ""), overdue=bool(get.get("overdue")), mine=bool(get.get("mine")),
        place=place_get(user, get["place"], None) if get.get("place") else None,
        start=posted_date(get.get("start")), end=posted_date(get.get("end")), level=_int(get.get("level")),
        summoned=bool(get.get("summoned")), late=bool(get.get("late")), sort=get.get("sort", "new"))


@login_required
def request_list(request):
    user = request.user
    get = request.GET
    qs = _requests(request, page=True)
    page = EstimatedPaginator(qs, 30).get_page(get.get("page"))
    kind, place = selectors.default_metrics_place(user)
    return render(request, "requests/request_list.html", {
        "page": page, "awaiting": selectors.awaiting_me(user), "late_departments": list(
            selectors.late_departments(user)[:50]) if rules.may_follow_summonses(user) else [],
        "statuses": Status.choices, "categories": Category.choices, "filters": get, "metrics_place": place,
        "levels": Level.choices, "staff": rules.may_see_ages(user), "can_export": rules.may_export_requests(user),
        "kept_filters": [(key, get[key]) for key in ("place", "start", "end", "summoned", "late") if get.get(key)],
        "now": clock.now(),
    })


REQUEST_HEADERS = ["编号", "小区", "楼栋", "类别", "内容摘要", "诉求人", "联系电话", "渠道", "状态", "当前层级",
                   "当前办理方", "办理人", "提交时间", "已等待", "办结时限", "剩余/超时", "办结时间", "满意度"]
SUMMARY_LENGTH = 60


def _summary(text: str) -> str:
    """The start of a text already redacted (a cut never leaves half a number shown)."""
    text = " ".join(text.split())
    return text[:SUMMARY_LENGTH] + ("…" if len(text) > SUMMARY_LENGTH else "")


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


class _TimeLeft:
    """clock.remaining for every row of one export at one instant; a working-day count depends only on
    the deadline's date, so it is looked up (in the holiday calendar) once per date, not once per row."""

    def __init__(self, now):
        self.now, self.working_days = now, {}

    def __call__(self, due, unit) -> str:
        if unit != clock.Unit.WORKING_DAYS or due < self.now:
            return clock.remaining(due, unit, self.now)
        day = clock.local_date(due)
        if day not in self.working_days:
            self.working_days[day] = clock.remaining(due, unit, self.now)
        return self.working_days[day]


def _labels(choices) -> dict:
    """A choice's labels in the viewer's language, looked up once per export (get_FOO_display
    translates its whole list of choices again on every call)."""
    return {value: str(label) for value, label in choices}


def _request_row(user, req, now, time_left, labels) -> list:
    """One request as this viewer reads it on its page: the requester (none when anonymous) and the
    phone as selectors.requester_for gives them, the description redacted by selectors.text_shown."""
    requester = selectors.requester_for(user, req)
    return [
        req.number, req.estate.name, f"{req.building.code}号楼" if req.building else "", labels["category"][req.category],
        _summary(redact(req.description, selectors.text_shown(user, req))),
        (requester.name or "—") if requester else "匿名", requester.phone if requester else "",
        labels["channel"][req.channel], labels["status"][req.status], labels["level"][req.level],
        labels["handler"][req.handler], _name(req.handler_user), clock.stamp(req.created_at),
        clock.age(req.created_at, now), clock.stamp(req.resolve_by),
        time_left(req.resolve_by, req.resolve_unit) if req.is_open else "", clock.stamp(req.resolved_at),
        req.satisfaction or "",
    ]


@login_required
def request_export(request):
    """The staff requests list, with its filters and all its pages, as Excel (streamed from a spooled
    file, the rows read in chunks: memory does not grow with the list)."""
    user = request.user
    if not rules.may_export_requests(user):
        raise PermissionDenied()
    now = clock.now()
    time_left = _TimeLeft(now)
    labels = {"category": _labels(Category.choices), "channel": _labels(Channel.choices),
              "status": _labels(Status.choices), "level": _labels(Level.choices), "handler": _labels(Handler.choices)}
    rows = (_request_row(user, r, now, time_left, labels)
            for r in _requests(request).select_related("handler_user").iterator(chunk_size=2000))
    return xlsx_stream("诉求", REQUEST_HEADERS, rows, "requests")


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
    status, sort = _order_filters(request)
    orders = selectors.orders_filtered(fetched_by=user, status=status, sort=sort).select_related("estate", "accepted_by")
    offered = selectors.order_list_for(user).filter(status=OrderStatus.DISPATCHED, offers__user=user).select_related(
        "estate").order_by("accept_by", "pk")
    staff = rules.may_export_orders(user)
    return render(request, "requests/order_list.html", {
        "page": Paginator(orders, 30).get_page(request.GET.get("page")), "offered": list(offered[:20]),
        "kinds": OrderKind.choices, "estates": _intake_estates(user), "can_export": staff,
        "status": status, "sort": sort, "statuses": OrderStatus.choices
    })


def _order_filters(request) -> tuple[str, str]:
    """The orders list's status and sort as asked; anything unknown is the default (all, newest first)."""
    status = request.GET.get("status", "")
    sort = request.GET.get("sort", "new")
    return (status if status == "open" or status in OrderStatus.values else "",
            sort if sort in selectors.ORDER_SORTS else "new")


ORDER_HEADERS = ["类别", "事项", "说明", "小区", "楼栋", "点单时间", "已等待", "状态", "接单时限", "接单人", "完成时间",
                 "满意度"]


@login_required
def order_export(request):
    """The orders list of those who dispatch them, as Excel; the words typed into an order as this
    viewer reads them on its page (selectors.order_text_shown)."""
    user = request.user
    if not rules.may_export_orders(user):
        raise PermissionDenied()
    now = clock.now()
    status, sort = _order_filters(request)
    orders = selectors.orders_filtered(fetched_by=user, status=status, sort=sort).select_related(
        "estate", "building", "accepted_by")
    kinds, statuses = _labels(OrderKind.choices), _labels(OrderStatus.choices)
    rows = ([kinds[o.kind], o.title, _summary(redact(o.description, selectors.order_text_shown(user, o))),
             o.estate.name, f"{o.building.code}号楼" if o.building else "", clock.stamp(o.created_at),
             clock.age(o.created_at, now), statuses[o.status],
             clock.stamp(o.accept_by) if o.status == OrderStatus.DISPATCHED else "", _name(o.accepted_by),
             clock.stamp(o.done_at), o.satisfaction or ""] for o in orders.iterator(chunk_size=2000))
    return xlsx_stream("点单", ORDER_HEADERS, rows, "orders")


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



# --- smart-estate devices ------------------------------------------------------------------------------
def _device_form(user) -> dict:
    """What the register form offers: the estates the user manages devices in, their buildings, the kinds."""
    estates = list(scope_for(user).estates(rules.DEVICE_MANAGER_ROLES).order_by("name")[:200])
    buildings = {}
    for b in Building.objects.filter(estate__in=estates).order_by("estate_id", "pk"):
        buildings.setdefault(b.estate_id, []).append(b)
    return {"manage_estates": [(e, buildings.get(e.pk, [])) for e in estates], "device_kinds": DeviceKind.choices,
            "reported_kinds": [(k, DeviceEventKind(k).label) for k in REPORTED_KINDS]}


def _secret_page(request, device, secret):
    response = render(request, "requests/device_secret.html", {
        "device": device, "secret": secret, "header": SIGNATURE_HEADER})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def device_list(request):
    user = request.user
    if not rules.may_see_devices(user):
        raise PermissionDenied()
    if request.method == "POST":
        post = request.POST
        got = attempt(request, lambda: services.device_register(
            user, estate_id=_int(post.get("estate")) or 0, name=post.get("name", ""), kind=post.get("kind", ""),
            location=post.get("location", ""), event_kinds=post.getlist("event_kinds"),
            building_id=_int(post.get("building")), quiet_minutes=_int(post.get("quiet_minutes")) or 0),
            _("设备已登记，请立即把密钥配置到设备上"))
        if got:
            return _secret_page(request, *got)
        return redirect("requests:device_list")
    status = request.GET.get("status", "")
    estate_id = _int(request.GET.get("estate"))
    devices = selectors.device_list(fetched_by=user, estate_id=estate_id,
                                    status=status if status in ("online", "quiet", "retired") else "")
    page = Paginator(devices, 50).get_page(request.GET.get("page"))
    counts = selectors.device_counts(page.object_list)
    return render(request, "requests/device_list.html", {
        "page": page, "rows": [(d, counts.get(d.pk, 0)) for d in page.object_list], "status": status,
        "statuses": DeviceStatus.choices, "can_register": rules.may_manage_devices(user),
        **(_device_form(user) if rules.may_manage_devices(user) else {}),
    })


def _device_update(user, device, post):
    return services.device_update(
        user, device_id=device.pk, name=post.get("name", ""), location=post.get("location", ""),
        building_id=_int(post.get("building")), clear_building=not post.get("building"),
        event_kinds=post.getlist("event_kinds"), quiet_minutes=_int(post.get("quiet_minutes")) or 0)


@login_required
def device_detail(request, device_id: int):
    user = request.user
    device = selectors.device_get(fetched_by=user, device_id=device_id)
    can_manage = rules.may_manage_device(user, device.estate)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "secret":
            got = attempt(request, lambda: services.device_secret_reset(user, device_id=device.pk),
                          _("已重置密钥，旧密钥立即失效"))
            if got:
                return _secret_page(request, *got)
        else:
            actions = {"update": (lambda: _device_update(user, device, request.POST), _("设备信息已保存")),
                       "retire": (lambda: services.device_update(user, device_id=device.pk, active=False),
                                  _("设备已停用，其上报将被拒收")),
                       "activate": (lambda: services.device_update(user, device_id=device.pk, active=True),
                                    _("设备已重新启用"))}
            fn, done = posted_action(request, actions)
            attempt(request, fn, done)
        return redirect("requests:device_detail", device.pk)
    return render(request, "requests/device_detail.html", {
        "device": device, "incidents": selectors.device_incidents(device),
        "events": selectors.device_recent_events(device), "can_manage": can_manage,
        "buildings": list(Building.objects.filter(estate_id=device.estate_id).order_by("pk")) if can_manage else [],
        "reported_kinds": [(k, DeviceEventKind(k).label) for k in REPORTED_KINDS],
    })
