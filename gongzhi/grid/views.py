"""Grid work's pages, phone first: the hub; an estate's patrol plans (set one up), a plan (its route,
add a checkpoint, print the checkpoints' QR codes, start a patrol), the patrol on the phone (tap to mark,
findings with photos, one tap to a request, finish), the page a checkpoint's QR code opens; an estate's
register and household visits, the visitor's own list, a person's page (record a visit) and a visit
(its needs to a request or an order); the rules library (an estate's rules and its community's, each
rule's versions with what changed, adoption and the version in force on a date). Each form is shown only to those the rules let submit it."""

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied
from gongzhi.core.files import Upload
from gongzhi.core.scoping import holders
from gongzhi.core.web import attempt, posted_action, posted_date, posted_id
from gongzhi.grid import printing, rules, selectors, services
from gongzhi.grid.choices import AdoptedBy, MarkHow, Patroller, RuleKind, SpecialGroup, VisitHow
from gongzhi.grid.models import RuleDocument
from gongzhi.people.models import Person
from gongzhi.places.models import Unit
from gongzhi.places.selectors import estate_get
from gongzhi.requests.choices import Category

UNIT_CODE_UNKNOWN = "未找到该房号 / No such unit in this estate"
PERSON_NOT_IN_UNIT = "该房屋没有此姓名的业主或住户 / No owner or resident of that name in this unit"


def _post(request, name, default=""):
    return request.POST.get(name, default)


def _uploads(files) -> list[Upload]:
    return [Upload(f.name, f.read()) for f in files]


@login_required
def hub(request):
    user = request.user
    return render(request, "grid/hub.html", {
        "plans": selectors.my_patrol_plans(user), "patrol_estates": selectors.patrol_estates(user),
        "register_estates": selectors.register_estates(user), "overdue": selectors.overdue_count(user),
    })


# --- 两巡 -------------------------------------------------------------------------------------------------
@login_required
def estate_patrols(request, estate_id: int):
    user = request.user
    estate = selectors.patrol_estate(fetched_by=user, estate_id=estate_id)
    kinds = [k for k in Patroller if rules.may_keep_plan(user, estate, k)]
    if request.method == "POST":
        if not kinds:
            raise PermissionDenied(rules.NOT_PLAN_KEEPER)
        names = [n for n in _post(request, "checkpoints").splitlines() if n.strip()]
        plan = attempt(request, lambda: services.patrol_plan_create(
            user, estate_id=estate.pk, title=_post(request, "title"), patroller=_post(request, "patroller"),
            every_days=posted_id(_post(request, "every_days")) or 0,
            starts_on=posted_date(_post(request, "starts_on")) or clock.today(),
            assignee_id=posted_id(_post(request, "assignee_id")), checkpoints=names), _("巡查计划已制定"))
        if plan is not None:
            return redirect("grid:plan", patrol_plan_id=plan.pk)
    assignees = []
    if kinds:
        ids = set()
        for kind in kinds:
            ids |= holders(rules.GRID_PATROL_ROLES if kind == Patroller.GRID else rules.PROPERTY_PATROL_ROLES, estate)
        assignees = list(get_user_model().objects.filter(pk__in=ids).order_by("first_name")[:50])
    return render(request, "grid/estate_patrols.html", {
        "estate": estate, "plans": selectors.plan_list(estate=estate), "missed": selectors.missed_in(estate=estate),
        "patrols": selectors.recent_patrols(estate=estate), "kinds": kinds, "assignees": assignees,
        "today": clock.today(), "posted": request.POST,
    })


@login_required
def plan(request, patrol_plan_id: int):
    user = request.user
    found = selectors.plan_get(fetched_by=user, patrol_plan_id=patrol_plan_id)
    may_keep = rules.may_keep_plan(user, found.estate, found.patroller)
    may_walk = rules.may_patrol(user, found) and found.active
    if request.method == "POST":
        calls = {
            "start": lambda: services.patrol_start(user, patrol_plan_id=found.pk),
            "checkpoint": lambda: services.checkpoint_add(user, patrol_plan_id=found.pk, name=_post(request, "name"),
                                                          building_id=posted_id(_post(request, "building_id"))),
            "stop": lambda: services.patrol_plan_stop(user, patrol_plan_id=found.pk),
        }
        action = _post(request, "action")
        if (action == "start" and not may_walk) or (action in ("checkpoint", "stop") and not may_keep):
            raise PermissionDenied(rules.NOT_PATROLLER if action == "start" else rules.NOT_PLAN_KEEPER)
        result = attempt(request, posted_action(request, calls), None if action == "start" else _("已保存"))
        if result is not None:
            if action == "start":
                return redirect("grid:patrol", patrol_id=result.pk)
            return redirect("grid:plan", patrol_plan_id=found.pk)
    today = clock.today()
    period = selectors.period_of(found, today)
    return render(request, "grid/plan.html", {
        "plan": found, "checkpoints": found.checkpoints.select_related("building").order_by("position"),
        "may_keep": may_keep, "may_walk": may_walk, "period": period,
        "buildings": found.estate.buildings.order_by("code") if may_keep else [],
        "patrols": found.patrols.select_related("patroller")[:20], "missed": found.missed.all()[:20],
    })


@login_required
def plan_print(request, patrol_plan_id: int):
    user = request.user
    found = selectors.plan_get(fetched_by=user, patrol_plan_id=patrol_plan_id)
    pdf = printing.checkpoints_pdf(found, url_for=lambda c: request.build_absolute_uri(
        reverse("grid:checkpoint", args=[c.pk])))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="patrol-plan-{found.pk}.pdf"'
    return response


@login_required
def patrol(request, patrol_id: int):
    user = request.user
    found = selectors.patrol_get(fetched_by=user, patrol_id=patrol_id)
    mine = found.patroller_id == user.pk and found.finished_at is None
    may_raise = rules.may_raise_finding(user, found.estate)
    if request.method == "POST":
        action = _post(request, "action")
        if action in ("mark", "finding", "finish") and not mine:
            raise PermissionDenied(rules.NOT_PATROL_OWNER)
        if action == "raise" and not may_raise:
            raise PermissionDenied(rules.NOT_RAISER)
        calls = {
            "mark": lambda: services.patrol_mark(user, patrol_id=found.pk, how=MarkHow.TAP,
                                                 checkpoint_id=posted_id(_post(request, "checkpoint_id")) or 0),
            "finding": lambda: services.finding_record(
                user, patrol_id=found.pk, note=_post(request, "note"),
                checkpoint_id=posted_id(_post(request, "checkpoint_id")),
                photos=_uploads(request.FILES.getlist("photos"))),
            "finish": lambda: services.patrol_finish(user, patrol_id=found.pk),
            "raise": lambda: services.finding_raise(user, finding_id=posted_id(_post(request, "finding_id")) or 0,
                                                    category=_post(request, "category"),
                                                    emergency=bool(_post(request, "emergency"))),
        }
        messages = {"mark": _("已打卡"), "finding": _("已记录发现"), "finish": _("巡查已完成"), "raise": None}
        result = attempt(request, posted_action(request, calls), messages.get(action))
        if result is not None:
            if action == "raise":
                flash.success(request, _("已转为诉求：%(id)s 号") % {"id": result.pk})
            return redirect("grid:patrol", patrol_id=found.pk)
    sheet = selectors.patrol_sheet(found)
    return render(request, "grid/patrol.html", {
        "patrol": found, "sheet": sheet, "marked": sum(1 for s in sheet if s["mark"]),
        "findings": selectors.patrol_findings(found), "mine": mine, "may_raise": may_raise,
        "categories": Category.choices,
    })


@login_required
def checkpoint(request, checkpoint_id: int):
    """What the phone opens from the checkpoint's QR code: one tap marks it (starting the patrol if needed)."""
    user = request.user
    found = selectors.checkpoint_get(fetched_by=user, checkpoint_id=checkpoint_id)
    may_walk = rules.may_patrol(user, found.plan) and found.plan.active
    if request.method == "POST":
        if not may_walk:
            raise PermissionDenied(rules.NOT_PATROLLER)
        mark = attempt(request, lambda: services.checkpoint_scan(user, checkpoint_id=found.pk),
                       _("已打卡：%(name)s") % {"name": found.name})
        if mark is not None:
            return redirect("grid:patrol", patrol_id=mark.patrol_id)
    return render(request, "grid/checkpoint.html", {"checkpoint": found, "may_walk": may_walk})


@login_required
def finding_photo(request, finding_photo_id: int):
    photo = selectors.finding_photo_get(fetched_by=request.user, finding_photo_id=finding_photo_id)
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type)


# --- 两访 -------------------------------------------------------------------------------------------------
def _person_in_unit(unit, name: str):
    name = name.strip()
    return Person.objects.filter(name=name).filter(
        pk__in=[*unit.ownerships.filter(until__isnull=True).values_list("person_id", flat=True),
                *unit.residencies.filter(until__isnull=True).values_list("person_id", flat=True)]).first()


@login_required
def estate_visits(request, estate_id: int):
    """The estate's register (each person shown is an audited read) and its household visits."""
    user = request.user
    estate = selectors.register_estate(fetched_by=user, estate_id=estate_id)
    if request.method == "POST":
        action = _post(request, "action")
        if action == "frequency":
            result = attempt(request, lambda: services.visit_frequency_set(
                user, community_id=estate.community_id, group=_post(request, "group"),
                every_days=posted_id(_post(request, "every_days")) or 0), _("走访频次已设置"))
            if result is not None:
                return redirect("grid:estate_visits", estate_id=estate.pk)
        else:
            unit = Unit.objects.filter(estate=estate, code=_post(request, "unit_code").strip()).first()
            if unit is None:
                flash.error(request, UNIT_CODE_UNKNOWN)
            elif action == "special":
                person = _person_in_unit(unit, _post(request, "name"))
                if person is None:
                    flash.error(request, PERSON_NOT_IN_UNIT)
                else:
                    special = attempt(request, lambda: services.special_person_add(
                        user, estate_id=estate.pk, person_id=person.pk, unit_id=unit.pk, group=_post(request, "group"),
                        visitor_id=posted_id(_post(request, "visitor_id")) or 0, note=_post(request, "note")),
                        _("已登记"))
                    if special is not None:
                        return redirect("grid:special", special_person_id=special.pk)
            else:
                calls = {"home_visit": lambda: services.home_visit_record(
                    user, estate_id=estate.pk, unit_id=unit.pk, how=_post(request, "how"),
                    on=posted_date(_post(request, "on")) or clock.today(), needs=_post(request, "needs"),
                    note=_post(request, "note"))}
                visit = attempt(request, posted_action(request, calls), _("走访已记录"))
                if visit is not None:
                    return redirect("grid:visit", visit_id=visit.pk)
    visitors = get_user_model().objects.filter(pk__in=holders(rules.VISITOR_ROLES, estate)).order_by("first_name")[:80]
    return render(request, "grid/estate_visits.html", {
        "estate": estate, "register": selectors.register_list(fetched_by=user, estate=estate),
        "households": selectors.household_visits(estate=estate), "groups": SpecialGroup.choices,
        "frequencies": selectors.frequency_rows(estate.community_id), "hows": VisitHow.choices,
        "may_set_frequency": rules.may_keep_frequencies(user, estate.community_id), "visitors": visitors,
        "today": clock.today(), "posted": request.POST,
    })


@login_required
def my_visits(request):
    return render(request, "grid/my_visits.html", {"specials": selectors.my_specials(request.user),
                                                   "today": clock.today()})


@login_required
def special(request, special_person_id: int):
    user = request.user
    found = selectors.special_get(fetched_by=user, special_person_id=special_person_id)
    if request.method == "POST":
        calls = {
            "visit": lambda: services.visit_record(
                user, special_person_id=found.pk, how=_post(request, "how"),
                on=posted_date(_post(request, "on")) or clock.today(), needs=_post(request, "needs"),
                note=_post(request, "note")),
            "end": lambda: services.special_person_end(user, special_person_id=found.pk),
        }
        action = _post(request, "action")
        result = attempt(request, posted_action(request, calls), _("走访已记录") if action == "visit" else _("已移出名册"))
        if result is not None:
            if action == "visit":
                return redirect("grid:visit", visit_id=result.pk)
            return redirect("grid:estate_visits", estate_id=found.estate_id)
    return render(request, "grid/special.html", {
        "special": found, "visits": selectors.visits_of(found), "hows": VisitHow.choices, "today": clock.today(),
        "may_end": rules.reads_register(user, found.estate) and found.active,
    })


@login_required
def visit(request, visit_id: int):
    user = request.user
    found = selectors.visit_get(fetched_by=user, visit_id=visit_id)
    may_raise = rules.may_raise_visit(user, found.estate)
    if request.method == "POST":
        action = _post(request, "action")
        if action == "raise" and not may_raise:
            raise PermissionDenied(rules.NOT_RAISER)
        calls = {
            "raise": lambda: services.visit_raise(user, visit_id=found.pk, category=_post(request, "category")),
            "order": lambda: services.visit_order(user, visit_id=found.pk, title=_post(request, "title")),
        }
        result = attempt(request, posted_action(request, calls), None)
        if result is not None:
            flash.success(request, (_("已转为诉求：%(id)s 号") if action == "raise" else _("已转为点单：%(id)s 号"))
                          % {"id": result.pk})
            return redirect("grid:visit", visit_id=found.pk)
    return render(request, "grid/visit.html", {"visit": found, "may_raise": may_raise, "categories": Category.choices})



# --- the rules library ----------------------------------------------------------------------------------------
@login_required
def estate_rules(request, estate_id: int):
    user = request.user
    estate = estate_get(fetched_by=user, estate_id=estate_id)
    may_estate = rules.may_draft_rule(user, RuleDocument(estate=estate, community_id=estate.community_id))
    may_community = rules.may_draft_rule(user, RuleDocument(community_id=estate.community_id))
    if request.method == "POST":
        if not (may_estate or may_community):
            raise PermissionDenied(rules.NOT_RULE_KEEPER)
        where = {"community_id": estate.community_id} if _post(request, "place") == "community" \
            else {"estate_id": estate.pk}
        document = attempt(request, lambda: services.rule_document_create(
            user, kind=_post(request, "kind"), title=_post(request, "title"), text=_post(request, "text"),
            change_note=_post(request, "change_note"), **where), _("规则已建立"))
        if document is not None:
            return redirect("grid:rule", rule_document_id=document.pk)
    return render(request, "grid/estate_rules.html", {
        "estate": estate, "documents": selectors.rules_of_estate(fetched_by=user, estate=estate),
        "may_estate": may_estate, "may_community": may_community, "kinds": RuleKind.choices, "posted": request.POST,
    })


@login_required
def rule(request, rule_document_id: int):
    user = request.user
    document = selectors.rule_document_get(fetched_by=user, rule_document_id=rule_document_id)
    may_draft, may_adopt = rules.may_draft_rule(user, document), rules.may_adopt_rule(user, document)
    if request.method == "POST":
        action = _post(request, "action")
        if (action == "propose" and not may_draft) or (action == "adopt" and not may_adopt):
            raise PermissionDenied(rules.NOT_RULE_KEEPER if action == "propose" else rules.NOT_RULE_ADOPTER)
        calls = {
            "propose": lambda: services.rule_version_propose(user, rule_document_id=document.pk,
                                                             text=_post(request, "text"),
                                                             change_note=_post(request, "change_note")),
            "adopt": lambda: services.rule_version_adopt(
                user, rule_version_id=posted_id(_post(request, "rule_version_id")) or 0,
                adopted_by=_post(request, "adopted_by"), in_force_from=posted_date(_post(request, "in_force_from")),
                vote_id=posted_id(_post(request, "vote_id")), matter_id=posted_id(_post(request, "matter_id"))),
        }
        if attempt(request, posted_action(request, calls), _("已保存")) is not None:
            return redirect("grid:rule", rule_document_id=document.pk)
    versions = selectors.rule_versions(document)
    on = posted_date(request.GET.get("on")) or clock.today()
    in_force = selectors.version_in_force(document, on) if 1900 <= on.year <= 2200 else None
    by_number = {v.number: v for v in versions}
    newer = by_number.get(posted_id(request.GET.get("to")) or 0) or (versions[0] if versions else None)
    older = by_number.get(posted_id(request.GET.get("from")) or 0) or (versions[1] if len(versions) > 1 else None)
    votes = document.estate and document.estate.votes.filter(status="closed").order_by("-closes_at")[:20]
    return render(request, "grid/rule.html", {
        "document": document, "versions": versions, "in_force": in_force, "on": on,
        "diff": selectors.rule_diff(older, newer) if older and newer and older != newer else None,
        "older": older, "newer": newer, "may_draft": may_draft, "may_adopt": may_adopt,
        "adoptions": AdoptedBy.choices, "votes": votes or [], "latest": versions[0] if versions else None,
        "today": clock.today(),
    })
