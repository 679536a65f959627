"""Pages of joint deliberation: matters (the procedure as a timeline, the current step), meetings
(before, during on a phone — sign-in, quorum, decisions — and after), an estate's published
resolutions and results, and the numbers."""

import datetime
import mimetypes
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import UNIT_KINDS
from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput
from gongzhi.core.exports import xlsx_stream
from gongzhi.core.figures import parse_place, place_get
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.core.web import attempt as _attempt
from gongzhi.core.web import posted_date, posted_ids
from gongzhi.core.web import posted_id as _int
from gongzhi.meetings import records, rules, selectors, services
from gongzhi.meetings.models import MatterSource, MatterStatus, Meeting, MeetingStatus, Party, Repeat
from gongzhi.meetings.procedures import SHIPPED, Procedure
from gongzhi.meetings.quorum import quorum_check
from gongzhi.meetings.rules import MEETING_TYPES, meeting_type, meeting_types
from gongzhi.meetings.services.meetings import LEVEL_LABELS
from gongzhi.notices.selectors import leaf_indices
from gongzhi.places.selectors import estate_get
from gongzhi.votes.models import Vote, VoteStatus


def _run(request, action, success, *redirect_to):
    _attempt(request, action, success)
    return redirect(*redirect_to)


def _when(value: str):
    try:
        parsed = parse_datetime(value or "")
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30T09:00
        parsed = None
    if parsed is None:
        raise InvalidInput("请填写时间 / Give a date and time", field="scheduled_at")
    return clock.aware(parsed)


def _amount(value: str):
    if not (value or "").strip():
        return None
    try:
        return Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput(services.BAD_AMOUNT, field="amount") from None


def _assignee(value: str) -> tuple[int | None, int | None]:
    """The posted assignee, "user:12" or "org:5", as (owner_id, organisation_id)."""
    kind, _sep, pk = (value or "").partition(":")
    pk = _int(pk)
    if kind == "user" and pk:
        return pk, None
    if kind == "org" and pk:
        return None, pk
    raise InvalidInput(services.ASSIGNEE_REQUIRED, field="assignee")


def _posted_place(post) -> dict:
    """The place a form names: above the estate `above` = "community:3" / "subdistrict:2" / "district:1",
    else the estate chosen in `estate`."""
    code = post.get("above", "")
    if code:
        level, pk = parse_place(code)
        if level == "estate":
            return {"estate_id": pk}
        return {f"{level}_id": pk}
    return {"estate_id": _int(post.get("estate")) or 0}


def _repeat(value: str):
    """The posted repeat of a standing meeting; "auto" (or nothing) leaves it to the meeting type."""
    return None if value in ("", "auto", None) else value


def _due(value: str) -> datetime.date:
    day = posted_date(value)
    if day is None:
        raise InvalidInput(services.ACTION_DUE_REQUIRED, field="due_on")
    return day


@login_required
def matter_list(request):
    user = request.user
    if request.method == "POST":
        post = request.POST

        matter = _attempt(request, lambda: services.matter_create(
            user, **_posted_place(post), title=post.get("title", ""),
            estate_ids=posted_ids(post.getlist("concerns"), services.CONCERNS_OUTSIDE, "estate_ids")
            if post.get("above") else None,
            procedure=post.get("procedure", ""), source=post.get("source", ""),
            description=post.get("description", ""), amount=_amount(post.get("amount", "")),
            major=bool(post.get("major"))), _("议题已建立"))
        if matter:
            return redirect("meetings:matter_detail", matter.pk)
        return _list_page(request, "matter")
    return _list_page(request)


def _place(user, get):
    return place_get(user, get["place"], None) if get.get("place") else None


def _list_page(request, refused_form: str = ""):
    """The matters and meetings; after a refused form, that form open again with what was typed. The
    matters take the dashboard's filters (place, proposed or decided on the days start–end)."""
    user = request.user
    get = request.GET
    estates = list(scope_for(user).estates().order_by("name")[:500])
    matters = selectors.matters_filtered(fetched_by=user, place=_place(user, get), start=posted_date(get.get("start")),
                                         end=posted_date(get.get("end")), decided=bool(get.get("decided")))
    return render(request, "meetings/matter_list.html", {
        "matters": list(matters[:200]),
        "total": matters.count(),
        "kept_filters": [(k, get[k]) for k in ("place", "start", "end", "decided") if get.get(k)],
        "meetings": list(selectors.meeting_list(fetched_by=user).order_by("-scheduled_at")[:50]),
        "estates": estates,
        "above": [(f"{level}:{p.pk}", p.name, LEVEL_LABELS[level]) for level, p in rules.convening_places(user)],
        "units": list(scope_for(user).organisations().filter(kind__in=UNIT_KINDS, active=True)
                      .order_by("kind", "name")[:100]),
        "repeats": Repeat.choices,
        "can_propose": rules.may_propose_somewhere(user, estates, SHIPPED.values()),
        "can_convene": rules.may_convene_somewhere(user, estates),
        "procedures": SHIPPED.values(),
        "sources": MatterSource.choices,
        "types": _types_for(user),
        "matter_posted": request.POST if refused_form == "matter" else None,
        "meeting_posted": request.POST if refused_form == "meeting" else None,
        "posted_agenda": request.POST.getlist("agenda") if refused_form == "meeting" else [],
        "posted_units": request.POST.getlist("unit") if refused_form == "meeting" else [],
        "posted_concerns": request.POST.getlist("concerns") if refused_form == "matter" else [],
    }, status=400 if refused_form else 200)


def _types_for(user):
    """The shipped meeting types and those the user's communities added."""
    types = dict(MEETING_TYPES)
    for community_id in set(scope_for(user).estates().values_list("community_id", flat=True)[:50]):
        types.update(meeting_types(community_id))
    return types.values()


@login_required
def matter_detail(request, matter_id: int):
    user = request.user
    matter = selectors.matter_get(fetched_by=user, matter_id=matter_id)
    post = request.POST
    if request.method == "POST":
        here = ("meetings:matter_detail", matter.pk)
        if "step" in post:
            return _run(request, lambda: services.matter_step(
                user, matter_id=matter.pk, step_key=post["step"], outcome=post.get("outcome", "done"),
                note=post.get("note", ""), meeting_id=_int(post.get("meeting")), vote_id=_int(post.get("vote")),
                attachment=request.FILES.get("attachment")), _("已记录"), *here)
        if "bid" in post:
            return _run(request, lambda: services.bid_add(
                user, matter_id=matter.pk, supplier=post.get("supplier", ""), amount=_amount(post.get("amount", ""))),
                _("报价已登记"), *here)
        if "choose" in post:
            return _run(request, lambda: services.bid_choose(user, bid_id=_int(post.get("choose")) or 0),
                        _("已确定中标"), *here)
        if "delivery" in post:
            return _run(request, lambda: services.delivery_set(
                user, matter_id=matter.pk, label=post.get("label", ""), item_id=_int(post.get("item")),
                status=post.get("status", "pending")), _("交付项已更新"), *here)
        if "action" in post:
            owner_id, organisation_id = _assignee(post.get("assignee", ""))
            return _run(request, lambda: services.action_add(
                user, matter_id=matter.pk, text=post.get("text", ""), owner_id=owner_id,
                organisation_id=organisation_id, meeting_id=_int(post.get("meeting")),
                due_on=_due(post.get("due_on"))), _("行动事项已添加"), *here)
        if "done" in post:
            return _run(request, lambda: services.action_done(user, item_id=_int(post.get("done")) or 0),
                        _("已完成"), *here)
    procedure = Procedure.from_data(matter.procedure)
    steps = list(matter.steps.select_related("actor", "meeting", "vote", "notice"))
    current = procedure.steps[matter.step_index] if matter.status == MatterStatus.IN_PROGRESS else None
    can_organise = rules.may_organise_matter(user, matter)
    where = matter.estate if matter.estate_id is not None else matter
    actions = list(matter.actions.select_related("owner", "organisation", "meeting", "matter__estate"))
    for a in actions:
        a.may_mark_done = rules.may_mark_action_done(user, a, matter)
        a.mine = user.pk in rules.action_assignees(a)
    people, bodies, agenda_meetings = [], [], []
    if can_organise:
        users = get_user_model().objects.filter(pk__in=services.assignable_users(where))
        people = list(users.order_by("first_name", "username")[:300])
        bodies = list(services.assignable_organisations(user, where).order_by("kind", "name")[:300])
        agenda_meetings = list(matter.meetings.order_by("-scheduled_at")[:20])
    return render(request, "meetings/matter_detail.html", {
        "matter": matter, "shown": scope_for(user).contacts_shown(matter.estate_id),
        "procedure": procedure,
        "timeline": steps,
        "current": current,
        "may_take_step": current is not None and rules.may_take_step(user, current, matter),
        "concerns": matter.concerns.order_by("name"),
        "can_organise": can_organise,
        "current_roles": "、".join(str(Role(r).label) for r in current.roles) if current else "",
        "upcoming": procedure.steps[matter.step_index + 1:] if current else [],
        "meetings": Meeting.objects.filter(decisions__matter=matter).distinct(),
        "votes": Vote.objects.filter(estate=matter.estate, status=VoteStatus.CLOSED).order_by("-closed_at")[:20],
        "decisions": matter.decisions.select_related("meeting"),
        "bids": matter.bids.all(),
        "bid_chosen": matter.bids.filter(chosen=True).exists(),
        "assignable_people": people,
        "assignable_bodies": bodies,
        "agenda_meetings": agenda_meetings,
        "deliveries": matter.deliveries.all(),
        "done_count": matter.deliveries.filter(status="done").count(),
        "actions": actions,
        "today": clock.today(),
    })


@login_required
def meeting_list(request):
    """Meetings, newest first, filtered by place, the days they were held on, state and type."""
    user, get = request.user, request.GET
    qs = _meetings(request)
    return render(request, "meetings/meeting_list.html", {
        "page": Paginator(qs, 30).get_page(get.get("page")), "statuses": MeetingStatus.choices,
        "types": _types_for(user), "filters": get,
        "kept_filters": [(k, get[k]) for k in ("place", "start", "end") if get.get(k)],
    })


def _meetings(request):
    user, get = request.user, request.GET
    return selectors.meetings_filtered(fetched_by=user, place=_place(user, get), start=posted_date(get.get("start")),
                                       end=posted_date(get.get("end")), status=get.get("status", ""),
                                       kind=get.get("kind", ""))


def _actions(request):
    user, get = request.user, request.GET
    return selectors.action_items(fetched_by=user, place=_place(user, get), overdue=bool(get.get("overdue")),
                                  open_only=bool(get.get("open")), mine=bool(get.get("mine")))


@login_required
def meeting_export(request):
    """The meetings list, with its filters, as Excel."""
    names = {t.code: t.name for t in _types_for(request.user)}
    rows = ([m.place_name, str(names.get(m.kind, m.kind)), m.title, clock.stamp(m.scheduled_at), m.place,
             m.get_status_display()] for m in _meetings(request).iterator(chunk_size=2000))
    return xlsx_stream("会议", ["小区", "会议类型", "会议名称", "时间", "地点", "状态"], rows, "meetings")


@login_required
def matter_export(request):
    """The matters list, with its filters, as Excel."""
    user, get = request.user, request.GET
    matters = selectors.matters_filtered(fetched_by=user, place=_place(user, get), start=posted_date(get.get("start")),
                                         end=posted_date(get.get("end")), decided=bool(get.get("decided")))
    rows = ([m.place_name, m.title, str(Procedure.from_data(m.procedure).name), m.get_source_display(),
             m.get_status_display(), "是" if m.major else "", clock.stamp(m.created_at), clock.stamp(m.completed_at)]
            for m in matters.iterator(chunk_size=2000))
    return xlsx_stream("议题", ["小区", "议题", "议事程序", "来源", "状态", "三重一大", "提出时间", "完成时间"], rows, "matters")


@login_required
def action_export(request):
    """The action items, with their filters, as Excel."""
    today = clock.today()

    def state(a):
        return "已完成" if a.done_at else "已逾期" if a.due_on < today else "未完成"

    rows = ([a.matter.place_name, a.matter.title, a.text,
             (a.owner.get_full_name() or a.owner.username) if a.owner else a.organisation.name if a.organisation else "",
             a.due_on, state(a), clock.stamp(a.done_at)] for a in _actions(request).iterator(chunk_size=2000))
    return xlsx_stream("行动事项", ["小区", "议题", "事项", "负责", "期限", "状态", "完成时间"], rows, "actions")


@login_required
def action_list(request):
    """Action items: open or overdue ones, mine, or a place's (the dashboard's link)."""
    get = request.GET
    qs = _actions(request)
    return render(request, "meetings/action_list.html", {
        "page": Paginator(qs, 30).get_page(get.get("page")), "filters": get, "today": clock.today(),
        "kept_filters": [(k, get[k]) for k in ("place",) if get.get(k)],
    })


@login_required
def meeting_new(request):
    user = request.user
    post = request.POST
    if request.method == "POST":
        meeting = _attempt(request, lambda: services.meeting_plan(
            user, **_posted_place(post), kind=post.get("kind", ""), title=post.get("title", ""),
            unit_ids=posted_ids(post.getlist("unit"), services.UNIT_UNKNOWN, "unit_ids"),
            repeat=_repeat(post.get("repeat", "")),
            scheduled_at=_when(post.get("scheduled_at")) if not post.get("open_now") else clock.now(),
            place=post.get("place", ""), agenda_ids=posted_ids(post.getlist("agenda"), services.AGENDA_UNKNOWN, "agenda"),
            open_now=bool(post.get("open_now")), repeat_months=_int(post.get("repeat_months")) or 0), _("会议已通知"))
        if meeting:
            return redirect("meetings:meeting_detail", meeting.pk)
        return _list_page(request, "meeting")
    return redirect("meetings:matter_list")


@login_required
def meeting_detail(request, meeting_id: int):
    user = request.user
    meeting = selectors.meeting_get(fetched_by=user, meeting_id=meeting_id)
    post = request.POST
    here = ("meetings:meeting_detail", meeting.pk)
    if request.method == "POST":
        if "open" in post:
            return _run(request, lambda: services.meeting_open(user, meeting_id=meeting.pk), _("会议开始"), *here)
        if "sign_in" in post:
            return _run(request, lambda: services.meeting_sign_in(
                user, meeting_id=meeting.pk, party=post.get("party", ""), person_id=_int(post.get("person"))),
                _("已签到"), *here)
        if "decide" in post:
            return _run(request, lambda: services.decision_record(
                user, meeting_id=meeting.pk, matter_id=_int(post.get("decide")) or 0, text=post.get("text", ""),
                votes_for=_int(post.get("votes_for")) or 0, votes_against=_int(post.get("votes_against")) or 0,
                votes_abstain=_int(post.get("votes_abstain")) or 0), _("决定已记录"), *here)
        if "invite" in post:
            return _run(request, lambda: services.meeting_invite(
                user, meeting_id=meeting.pk, user_ids=posted_ids(post.getlist("user"), services.NOT_AN_INVITEE, "user")),
                _("已邀请"), *here)
        if "approve_minutes" in post:
            return _run(request, lambda: services.minutes_approve(user, meeting_id=meeting.pk), _("已确认纪要"), *here)
        if "close" in post:
            return _run(request, lambda: services.meeting_close(user, meeting_id=meeting.pk,
                                                                minutes=post.get("minutes", "")), _("会议结束"), *here)
    kind = meeting_type(meeting.kind, meeting.types_community_id)
    convener = rules.may_convene(user, meeting)
    attendance = list(meeting.attendance.select_related("person", "user", "organisation")
                      .order_by("signed_in_at", "id"))
    signed_units = {a.organisation_id for a in attendance if a.organisation_id}
    decided = {d.matter_id: d for d in meeting.decisions.all()}
    # an above-estate meeting's decisions are in the transparency log: each links to its entry
    logged = leaf_indices(records.KIND, [d.pk for d in decided.values()]) if meeting.estate_id is None else {}
    attended = services.attended(user, meeting)
    is_open = meeting.status == MeetingStatus.OPEN
    invitable = []
    if convener and meeting.status != MeetingStatus.CLOSED:
        already = set(meeting.invitations.values_list("user_id", flat=True))
        invitable = list(get_user_model().objects.filter(pk__in=services.invitable_users(meeting) - already)
                         .order_by("first_name", "username")[:300])
    return render(request, "meetings/meeting_detail.html", {
        "meeting": meeting, "shown": scope_for(user).contacts_shown(meeting.estate_id),
        "type": kind,
        "required": [Party(p).label for p in rules.required_parties(meeting)],
        "units": [(u, u.pk in signed_units) for u in meeting.units.order_by("kind", "name")],
        "my_parties": rules.sign_in_parties(user, meeting) if is_open and not attended else [],
        "record_parties": rules.record_parties(meeting),
        "convener": convener,
        "attendance": attendance,
        "signed_in": attended,
        "may_approve_minutes": attended and not meeting.minutes_approvals.filter(user=user).exists(),
        "invitable": invitable,
        "actions": list(meeting.actions.select_related("owner", "organisation")),
        "quorum": quorum_check(meeting) if meeting.status == MeetingStatus.OPEN else None,
        "agenda": [(m, decided.get(m.pk), logged.get(decided[m.pk].pk) if m.pk in decided else None)
                   for m in meeting.agenda.all()],
        "minutes_confirmed": meeting.minutes_approvals.count(),
        "minutes_approved": services.minutes_approved(meeting),
        "members": services.proxy_memberships(user, meeting) if convener else [],
    })


@login_required
def step_attachment(request, matter_step_id: int):
    """A step's attachment, to those who may read its matter (a stranger, as a missing one, gets 404): served
    here rather than by the storage's own URL, which on S3 is a presigned link that skips this check."""
    step = selectors.step_attachment_get(fetched_by=request.user, step_id=matter_step_id)
    if step is None:
        raise Http404
    name = step.attachment.name.rsplit("/", 1)[-1]
    return FileResponse(step.attachment.open("rb"), as_attachment=True, filename=name,
                        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")


@login_required
def resolutions(request, estate_id: int):
    """An estate's published resolutions and implementation results."""
    estate = estate_get(fetched_by=request.user, estate_id=estate_id)
    return render(request, "meetings/resolutions.html", {
        "estate": estate, "published": selectors.public_results(estate=estate)[:200]})


@login_required
def numbers(request):
    today = clock.today()
    start = posted_date(request.GET.get("start")) or today.replace(month=1, day=1)
    end = posted_date(request.GET.get("end")) or today
    result = selectors.numbers(fetched_by=request.user, community_id=_int(request.GET.get("community")),
                               subdistrict_id=_int(request.GET.get("subdistrict")),
                               estate_ids=[i for i in [_int(request.GET.get("estate"))] if i], start=start, end=end)
    by_type = [(MEETING_TYPES[code].name if code in MEETING_TYPES else code, n)
               for code, n in sorted(result["meetings_by_type"].items())]
    names = {"estate": _("小区会议"), "community": _("社区会议"), "subdistrict": _("街道会议"),
             "district": _("区/县会议")}
    by_level = [(level, names[level], n) for level, n in result["meetings_by_level"].items()]
    return render(request, "meetings/numbers.html", {"start": start, "end": end, "numbers": result,
                                                     "by_type": by_type, "by_level": by_level})
