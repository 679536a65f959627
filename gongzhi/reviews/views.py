"""Pages of holding service to account, phone first: the hub, an estate's evaluations, interviews and
红黑榜, an evaluation (owners answer; the community enters paper groups and publishes), an interview with
its rectification items (the company reports, the committee or community checks), a company's trend, a
红黑榜 entry (the household objects, the branch reviews). Each form is shown only to those the rules let
submit it; every write is the service the API calls too."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import COMPANY_KINDS, ServiceContract
from gongzhi.core import clock
from gongzhi.core.errors import InvalidInput, PermissionDenied
from gongzhi.core.figures import place_get, places_for
from gongzhi.core.files import Upload
from gongzhi.core.roles import Role
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import ascii_int
from gongzhi.core.web import attempt, posted_action, posted_date, posted_id
from gongzhi.places.selectors import estate_get
from gongzhi.reviews import rules, selectors, services
from gongzhi.reviews.choices import (
    LEVELS,
    NINE_DONTS,
    CaseStatus,
    EntryKind,
    EvaluationKind,
    EvaluationStatus,
    GroupKind,
    InterviewReason,
    InterviewStatus,
    ItemStatus,
    MediationKind,
    Scale,
)
from gongzhi.reviews.models import ReportPhoto

BAD_ITEMS_TEXT = "每行写一个评议项目和权重，如“保洁 30” / One item and its weight per line, e.g. 保洁 30"
BAD_COMMITMENTS_TEXT = ("每行写一项整改承诺和工作日，如“清理楼道杂物 | 5” / "
                        "One commitment and its working days per line, e.g. 清理楼道杂物 | 5")
BAD_WHEN = "请填写日期时间 / Give a date and time"
DEFAULT_ITEMS = "保洁 20\n绿化 20\n安保 20\n维修响应 25\n服务态度 15"


def _number(value, field: str, message: str) -> int:
    found = ascii_int(value)
    if found is None:
        raise InvalidInput(message, field=field)
    return found


def _items(text: str) -> list[dict]:
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, weight = line.strip().rpartition(" ")
        if not name.strip():
            raise InvalidInput(BAD_ITEMS_TEXT, field="items")
        items.append({"name": name.strip(), "weight": _number(weight, "items", BAD_ITEMS_TEXT)})
    return items


def _commitments(text: str) -> list[dict]:
    found = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        commitment, sep, days = line.rpartition("|")
        if not sep:
            raise InvalidInput(BAD_COMMITMENTS_TEXT, field="commitments")
        found.append({"text": commitment.strip(), "working_days": _number(days.strip(), "commitments",
                                                                          BAD_COMMITMENTS_TEXT)})
    return found


def _when(value, field: str) -> datetime.datetime:
    parsed = None
    try:
        parsed = parse_datetime(value or "")
    except ValueError:
        pass
    if parsed is None or not 2000 <= parsed.year <= 2100:
        raise InvalidInput(BAD_WHEN, field=field)
    return clock.aware(parsed)


def _day(value, field: str) -> datetime.date:
    day = posted_date(value)
    if day is None or not 2000 <= day.year <= 2100:
        raise InvalidInput(BAD_WHEN, field=field)
    return day


def _optional_weight(value):
    return None if value in (None, "") else ascii_int(value) if ascii_int(value) is not None else -1


@login_required
def hub(request):
    user = request.user
    scope = scope_for(user)
    estates = scope.estates(rules.REVIEW_READER_ROLES).order_by("name")[:30]
    evaluations = selectors.evaluation_list(fetched_by=user)
    return render(request, "reviews/hub.html", {
        "estates": estates,
        "open": [e for e in evaluations.filter(status=EvaluationStatus.OPEN)[:20] if selectors.is_open(e)],
        "published": evaluations.filter(status=EvaluationStatus.PUBLISHED)[:20],
        "companies": selectors.companies_evaluated(fetched_by=user),
        "entries": selectors.my_entries(user)[:10],
        "to_review": selectors.entries_to_review(user),
        "staff": scope.has_any(rules.REVIEW_STAFF_ROLES),
    })


def _companies(estate):
    return [c.company for c in ServiceContract.objects.filter(estate=estate, company__kind__in=COMPANY_KINDS)
            .select_related("company").order_by("-start")]


@login_required
def estate_reviews(request, estate_id: int):
    """An estate's evaluations and interviews; the forms to start one, for the community."""
    user = request.user
    estate = get_in_scope(scope_for(user).estates(rules.REVIEW_READER_ROLES), pk=estate_id)
    organiser = rules.may_organise(user, estate)
    decider = rules.may_decide_renewal(user, estate)
    if request.method == "POST" and request.POST.get("action") == "renewal":
        if not decider:
            raise PermissionDenied(services.RENEWAL_ONLY)
        post = request.POST
        if attempt(request, lambda: services.renewal_decide(
                user, estate_id=estate.pk, ranking_id=posted_id(post.get("ranking_id")),
                renew=post.get("renew") == "yes", reason=post.get("reason", ""),
                end=_day(post.get("end"), "end") if post.get("end") else None), _("已保存")) is not None:
            return redirect("reviews:estate", estate.pk)
    elif request.method == "POST":
        if not organiser:
            raise PermissionDenied(services.ORGANISER_ONLY)
        post = request.POST

        def create():
            return services.evaluation_create(
                user, estate_id=estate.pk, company_id=posted_id(post.get("company_id")), title=post.get("title", ""),
                kind=post.get("kind", ""), scale=post.get("scale", ""),
                period_start=_day(post.get("period_start"), "period_start"),
                period_end=_day(post.get("period_end"), "period_end"),
                closes_at=_when(post.get("closes_at"), "closes_at"), items=_items(post.get("items", "")),
                owners_weight=_number(post.get("owners_weight") or "60", "owners_weight",
                                      services.WEIGHT_RANGE.format(low=0)),
                survey_weight=_optional_weight(post.get("survey_weight")),
                requests_weight=_optional_weight(post.get("requests_weight")),
                fee_weight=_optional_weight(post.get("fee_weight")), threshold=post.get("threshold") or "60")

        def complain():
            return services.interview_open(
                user, estate_id=estate.pk, reason=InterviewReason.COMPLAINTS,
                company_id=posted_id(post.get("company_id")), held_on=_day(post.get("held_on"), "held_on"),
                minutes=post.get("minutes", ""), commitments=_commitments(post.get("commitments", "")))

        found = attempt(request, posted_action(request, {"evaluation": create, "complaints": complain}), _("已保存"))
        if found is not None:
            name = "reviews:evaluation_detail" if post.get("action") == "evaluation" else "reviews:interview_detail"
            return redirect(name, found.pk)
    today = clock.today()
    last_year = clock.period(clock.PeriodKind.YEAR, today).previous()
    serving = list(dict.fromkeys(_companies(estate)))
    running = selectors.running_contract_of(estate) if decider else None
    return render(request, "reviews/estate.html", {
        "estate": estate, "organiser": organiser,
        "mediations": scope_for(user).holds_any(rules.MEDIATION_READER_ROLES, estate),
        "evaluations": selectors.evaluation_list(fetched_by=user, estate_id=estate.pk)[:50],
        "interviews": selectors.interview_list(fetched_by=user, estate_id=estate.pk)[:50],
        "companies": serving if organiser else [],
        "complaints": [(c, selectors.complaints(estate, c)) for c in serving],
        "decider": decider, "running": running,
        "decided": running is not None and selectors.renewal_decided(running),
        "rankings": selectors.rankings_for_estate(estate, running.company) if running is not None else [],
        "decisions": selectors.renewal_decisions(estate) if decider or rules.may_read_details(user, estate) else [],
        "kinds": EvaluationKind.choices, "scales": Scale.choices, "default_items": DEFAULT_ITEMS,
        "defaults": {"period_start": last_year.start, "period_end": last_year.end,
                     "closes_at": f"{today + datetime.timedelta(days=14)}T18:00", "held_on": today},
        "post": request.POST,
    })


@login_required
def evaluation_detail(request, evaluation_id: int):
    user = request.user
    evaluation = selectors.evaluation_get(fetched_by=user, evaluation_id=evaluation_id)
    organiser = rules.may_organise(user, evaluation.estate)
    items = list(evaluation.items.all())
    open_now = selectors.is_open(evaluation)
    mine = selectors.owned_units(user, evaluation)
    answered = selectors.answered_units(evaluation, mine)
    to_answer = [u for u in mine if u.pk not in answered] if open_now else []
    if request.method == "POST":
        post = request.POST

        def answer():
            return services.response_submit(
                user, evaluation_id=evaluation.pk, unit_id=posted_id(post.get("unit_id")),
                scores={str(i.pk): ascii_int(post.get(f"item_{i.pk}")) for i in items}, comment=post.get("comment", ""))

        def group():
            return services.offline_enter(
                user, evaluation_id=evaluation.pk, name=post.get("name", ""), kind=post.get("kind", ""),
                weight=_number(post.get("weight"), "weight", services.WEIGHT_RANGE.format(low=1)),
                forms=_number(post.get("forms"), "forms", services.FORMS_RANGE),
                scores={str(i.pk): post.get(f"group_{i.pk}", "") for i in items})

        def publish():
            return services.evaluation_publish(user, evaluation_id=evaluation.pk)

        def interview():
            return services.interview_open(
                user, estate_id=evaluation.estate_id, reason=InterviewReason.LOW_RESULT, evaluation_id=evaluation.pk,
                held_on=_day(post.get("held_on"), "held_on"), minutes=post.get("minutes", ""),
                commitments=_commitments(post.get("commitments", "")))

        action = post.get("action", "")
        if action in ("group", "publish", "interview") and not organiser:
            raise PermissionDenied(services.ORGANISER_ONLY)
        done = attempt(request, posted_action(request, {"answer": answer, "group": group, "publish": publish,
                                                        "interview": interview}),
                       {"answer": _("感谢您的评议"), "group": _("已录入"), "publish": _("评议结果已公示"),
                        "interview": _("已登记约谈")}.get(action))
        if done is not None:
            if action == "interview":
                return redirect("reviews:interview_detail", done.pk)
            return redirect("reviews:evaluation_detail", evaluation.pk)
    result = evaluation.result if evaluation.status == EvaluationStatus.PUBLISHED else None
    return render(request, "reviews/evaluation_detail.html", {
        "evaluation": evaluation, "items": items, "to_answer": to_answer, "answered": [u for u in mine
                                                                                       if u.pk in answered],
        "levels": sorted(LEVELS.items(), reverse=True), "organiser": organiser, "open_now": open_now,
        "coverage": selectors.coverage(evaluation) if rules.may_read_details(user, evaluation.estate) else None,
        "groups": selectors.groups_of(evaluation) if rules.may_read_details(user, evaluation.estate) else [],
        "group_kinds": GroupKind.choices, "result": result,
        "may_publish": organiser and evaluation.status == EvaluationStatus.OPEN and not open_now,
        "may_interview": organiser and result is not None and result.get("below_threshold"),
        "today": clock.today(), "post": request.POST,
    })


@login_required
def interview_detail(request, interview_id: int):
    user = request.user
    interview = selectors.interview_get(fetched_by=user, interview_id=interview_id)
    estate = interview.estate
    company = rules.may_report(user, estate)
    checker = rules.may_check(user, estate)
    organiser = rules.may_organise(user, estate)
    if request.method == "POST":
        post = request.POST
        item_id = posted_id(post.get("item_id"))

        def report():
            photos = [Upload(f.name, f.read()) for f in request.FILES.getlist("photos")]
            return services.rectification_report(user, item_id=item_id, text=post.get("text", ""), photos=photos)

        def check(passed):
            return lambda: services.rectification_check(user, item_id=item_id, passed=passed, note=post.get("note", ""))

        def replace():
            return services.replacement_propose(user, interview_id=interview.pk,
                                                opens_at=_when(post.get("opens_at"), "opens_at"),
                                                closes_at=_when(post.get("closes_at"), "closes_at"),
                                                company_id=posted_id(post.get("company_id")),
                                                start=_day(post.get("start"), "start"))

        if attempt(request, posted_action(request, {"report": report, "pass": check(True), "reject": check(False),
                                                    "replace": replace}), _("已保存")) is not None:
            return redirect("reviews:interview_detail", interview.pk)
    items = selectors.items_of(interview)
    for item in items:
        item.may_report = company and item.status == ItemStatus.OPEN
        item.may_check = checker and (item.status == ItemStatus.REPORTED or item.overdue)
    vote_opens = clock.today() + datetime.timedelta(days=16)
    may_replace = organiser and interview.status in (InterviewStatus.FAILED, InterviewStatus.RECTIFYING) and any(
        i.status == ItemStatus.FAILED for i in items)
    return render(request, "reviews/interview_detail.html", {
        "interview": interview, "items": items,
        "minutes_shown": rules.may_read_details(user, estate) or company,
        "may_replace": may_replace,
        "incoming": selectors.incoming_companies(interview) if may_replace else [],
        "vote_opens": f"{vote_opens}T09:00", "vote_closes": f"{vote_opens + datetime.timedelta(days=14)}T18:00",
        "new_start": vote_opens + datetime.timedelta(days=30),
    })


@login_required
def report_photo(request, report_photo_id: int):
    photo = ReportPhoto.objects.filter(
        pk=report_photo_id, report__item__interview__estate__in=scope_for(request.user).estates(rules.REVIEW_READER_ROLES)).first()
    if photo is None:
        raise Http404()
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


@login_required
def company_trend(request, organisation_id: int):
    rows = selectors.company_trend(fetched_by=request.user, company_id=organisation_id)
    if not rows:
        raise Http404()
    return render(request, "reviews/company.html", {"company": rows[0].company, "rows": rows,
                                                    "chart": [(f"{e.estate.name} {e.period_end:%Y}", e.score)
                                                              for e in rows]})


@login_required
def honour_list(request, estate_id: int):
    """The estate's 红黑榜 (building and entrance, never names); for recorders and reviewers, every entry
    and the form to record one."""
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    recorder = rules.may_record_entry(user, estate)
    if request.method == "POST":
        if not recorder:
            raise PermissionDenied(services.RECORDER_ONLY)
        post = request.POST

        def record():
            unit = estate.units.filter(code=(post.get("unit_code") or "").strip()).first()
            if unit is None:
                raise InvalidInput(services.UNIT_ELSEWHERE, field="unit_code")
            return services.entry_record(user, unit_id=unit.pk, kind=post.get("kind", ""),
                                         article=post.get("article", ""), evidence=post.get("evidence", ""))

        entry = attempt(request, record, _("已记录并告知该户"))
        if entry is not None:
            return redirect("reviews:entry_detail", entry.pk)
    return render(request, "reviews/honour_list.html", {
        "estate": estate, "board": selectors.board(fetched_by=user, estate_id=estate.pk),
        "entries": selectors.entries_for_staff(fetched_by=user, estate_id=estate.pk)[:100],
        "recorder": recorder, "kinds": EntryKind.choices, "post": request.POST,
    })


@login_required
def entry_detail(request, list_entry_id: int):
    user = request.user
    entry = selectors.entry_get(fetched_by=user, entry_id=list_entry_id)
    household = selectors.my_entries(user).filter(pk=entry.pk).exists()
    reviewer = rules.may_review_entry(user, entry.estate)
    if request.method == "POST":
        post = request.POST
        calls = {
            "object": lambda: services.entry_object(user, entry_id=entry.pk, text=post.get("text", "")),
            "uphold": lambda: services.entry_review(user, entry_id=entry.pk, upheld=True, note=post.get("note", "")),
            "dismiss": lambda: services.entry_review(user, entry_id=entry.pk, upheld=False, note=post.get("note", "")),
        }
        if attempt(request, posted_action(request, calls), _("已保存")) is not None:
            return redirect("reviews:entry_detail", entry.pk)
    today = clock.today()
    return render(request, "reviews/entry_detail.html", {
        "entry": entry, "shown": selectors.shown_place(entry.unit),
        "role_label": Role(entry.recorded_role).label if entry.recorded_role in Role.values else "",
        "may_object": household and selectors.objection_open(entry, today),
        "may_review": reviewer and (entry.status == "objected" or (entry.status == "notified"
                                                                    and today > entry.objection_until)),
        "staff": rules.may_record_entry(user, entry.estate) or reviewer,
    })




@login_required
def rankings(request):
    """奖优惩劣: the year's ranking in a community or subdistrict the viewer reads; organisers publish it."""
    user, get = request.user, request.GET
    choices = [p for p in places_for(user, rules.REVIEW_STAFF_ROLES) if p.level in ("community", "subdistrict")]
    if not choices:
        raise Http404()
    code = (request.POST if request.method == "POST" else get).get("place") or choices[0].code
    place = place_get(user, code, rules.REVIEW_STAFF_ROLES)
    this_year = clock.today().year
    year = ascii_int((request.POST if request.method == "POST" else get).get("year")) or this_year
    kind = (request.POST if request.method == "POST" else get).get("kind") or EvaluationKind.ORDINARY
    if kind not in EvaluationKind.values:
        kind = EvaluationKind.ORDINARY
    may_publish = place.level in ("community", "subdistrict") and rules.may_organise_place(user, place)
    if request.method == "POST":
        if not may_publish:
            raise PermissionDenied(services.ORGANISER_ONLY)
        if attempt(request, lambda: services.ranking_publish(user, place=place.code, year=year, kind=kind),
                   _("排名已公示")) is not None:
            return redirect(f"{request.path}?place={place.code}&year={year}&kind={kind}")
    rows = selectors.ranking(place, year, kind) if 2000 <= year <= 2100 else []
    return render(request, "reviews/rankings.html", {
        "place": place, "choices": choices, "year": year, "kind": kind, "kinds": EvaluationKind.choices,
        "years": list(range(this_year, this_year - 5, -1)), "rows": rows,
        "may_publish": may_publish and bool(rows) and year <= this_year,
    })


@login_required
def conflicts(request):
    """每季度化解矛盾问题评比: the comparison per grid and estate for a community or subdistrict and a
    quarter; organisers publish it once the quarter is over."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    choices = [p for p in places_for(user, rules.REVIEW_STAFF_ROLES) if p.level in ("community", "subdistrict")]
    if not choices:
        raise Http404()
    place = place_get(user, source.get("place") or choices[0].code, rules.REVIEW_STAFF_ROLES)
    last = clock.last_complete(clock.PeriodKind.QUARTER)
    try:
        period = clock.parse_period(source.get("quarter") or last.code)
    except ValueError:
        period = last
    if period.kind != clock.PeriodKind.QUARTER:
        period = last
    may_publish = place.level in ("community", "subdistrict") and rules.may_organise_place(user, place)
    if request.method == "POST":
        if not may_publish:
            raise PermissionDenied(services.ORGANISER_ONLY)
        if attempt(request, lambda: services.conflicts_publish(user, place=place.code, quarter=period.code),
                   _("评比已公示")) is not None:
            return redirect(f"{request.path}?place={place.code}&quarter={period.code}")
    quarters = [last]
    for _i in range(7):
        quarters.append(quarters[-1].previous())
    return render(request, "reviews/conflicts.html", {
        "place": place, "choices": choices, "period": period, "quarters": quarters,
        "result": selectors.conflicts(place, period), "may_publish": may_publish and period.end < clock.today(),
    })


@login_required
def conduct(request, estate_id: int):
    """九不准: the estate's current list and its versions; organisers adopt a new version; the estate's people
    report a member's breach; the community and the supervisors see the cases."""
    user = request.user
    estate = get_in_scope(scope_for(user).estates(rules.REVIEW_READER_ROLES), pk=estate_id)
    organiser = rules.may_organise(user, estate)
    reporter = rules.may_report_breach(user, estate)
    current = selectors.current_rules(estate)
    if request.method == "POST":
        post = request.POST

        def adopt():
            if not organiser:
                raise PermissionDenied(services.ORGANISER_ONLY)
            return services.conduct_rules_adopt(user, estate_id=estate.pk, items=[
                line.strip() for line in post.get("items", "").splitlines() if line.strip()])

        def report():
            if not reporter:
                raise PermissionDenied(services.REPORTER_ONLY)
            return services.breach_report(user, estate_id=estate.pk, member_id=posted_id(post.get("member_id")),
                                          item=ascii_int(post.get("item")), evidence=post.get("evidence", ""))

        done = attempt(request, posted_action(request, {"adopt": adopt, "report": report}), _("已保存"))
        if done is not None:
            if post.get("action") == "report":
                return redirect("reviews:case_detail", done.pk)
            return redirect("reviews:conduct", estate.pk)
    return render(request, "reviews/conduct.html", {
        "estate": estate, "current": current, "history": selectors.rules_history(estate)[1:],
        "organiser": organiser, "reporter": reporter and current is not None,
        "members": selectors.committee_members(estate) if reporter else [],
        "cases": selectors.cases_for(fetched_by=user, estate_id=estate.pk)[:50],
        "draft": "\n".join(current.items if current else NINE_DONTS), "post": request.POST,
    })


@login_required
def case_detail(request, conduct_case_id: int):
    user = request.user
    case = selectors.case_get(fetched_by=user, case_id=conduct_case_id)
    organiser = rules.may_organise(user, case.estate)
    may_case = rules.may_open_breach_case(user, case.estate)
    may_removal = rules.may_propose_removal(user, case.estate)
    if request.method == "POST" and request.POST.get("action") in ("accountability", "removal"):
        post = request.POST
        if not (may_case if post["action"] == "accountability" else may_removal):
            raise PermissionDenied(services.CONSEQUENCE_ROLES_ONLY)
        calls = {
            "accountability": lambda: services.breach_case_open(user, case_id=case.pk,
                                                                deadline=_day(post.get("deadline"), "deadline"),
                                                                description=post.get("description", "")),
            "removal": lambda: services.breach_removal_propose(user, case_id=case.pk,
                                                               opens_at=_when(post.get("opens_at"), "opens_at"),
                                                               closes_at=_when(post.get("closes_at"), "closes_at"),
                                                               description=post.get("description", "")),
        }
        if attempt(request, posted_action(request, calls), _("已保存")) is not None:
            return redirect("reviews:case_detail", case.pk)
    elif request.method == "POST":
        if not organiser:
            raise PermissionDenied(services.ORGANISER_ONLY)
        post = request.POST
        calls = {
            "interview": lambda: services.breach_interview(user, case_id=case.pk,
                                                           held_on=_day(post.get("held_on"), "held_on"),
                                                           notes=post.get("notes", "")),
            "confirm": lambda: services.breach_find(user, case_id=case.pk, confirmed=True,
                                                    finding=post.get("finding", "")),
            "clear": lambda: services.breach_find(user, case_id=case.pk, confirmed=False,
                                                  finding=post.get("finding", "")),
        }
        if attempt(request, posted_action(request, calls), _("已保存")) is not None:
            return redirect("reviews:case_detail", case.pk)
    return render(request, "reviews/case_detail.html", {
        "case": case, "item_text": case.rules.items[case.item - 1], "today": clock.today(),
        "may_interview": organiser and case.status == CaseStatus.REPORTED,
        "may_find": organiser and case.status == CaseStatus.INTERVIEWED,
        "staff": rules.may_read_cases(user, case.estate), "basis": selectors.case_basis(case),
        "may_case": may_case and case.status == CaseStatus.CONFIRMED and case.accountability_case_id is None,
        "may_removal": may_removal and case.status == CaseStatus.CONFIRMED and case.removal_vote_id is None,
        "deadline": clock.today() + datetime.timedelta(days=30),
        "vote_opens": f"{clock.today() + datetime.timedelta(days=16)}T09:00",
        "vote_closes": f"{clock.today() + datetime.timedelta(days=30)}T18:00",
    })


@login_required
def mediations(request, estate_id: int):
    """The estate's mediated disputes (矛盾纠纷调解), for its staff; mediators record one and close it
    (settled or not). They count beside the requests in the quarterly comparison."""
    user = request.user
    estate = get_in_scope(scope_for(user).estates(rules.MEDIATION_READER_ROLES), pk=estate_id)
    mediator = rules.may_mediate(user, estate)
    if request.method == "POST":
        if not mediator:
            raise PermissionDenied(services.MEDIATOR_ONLY)
        post = request.POST

        def record():
            return services.mediation_record(user, estate_id=estate.pk, kind=post.get("kind", ""),
                                             summary=post.get("summary", ""), mediator=post.get("mediator", ""),
                                             received_on=posted_date(post.get("received_on")))

        def close():
            return services.mediation_close(user, mediation_id=posted_id(post.get("mediation_id")),
                                            settled=post.get("settled") == "1", outcome=post.get("outcome", ""))

        if attempt(request, posted_action(request, {"record": record, "close": close}), _("已保存")) is not None:
            return redirect("reviews:mediations", estate.pk)
    return render(request, "reviews/mediations.html", {
        "estate": estate, "mediator": mediator, "kinds": MediationKind.choices, "today": clock.today(),
        "rows": selectors.mediations_for(fetched_by=user, estate_id=estate.pk), "post": request.POST,
    })
