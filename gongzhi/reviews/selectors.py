"""Every read of holding service to account that reaches a user, through the scope filter; and the
evaluation's formula.

The result of an evaluation (评议结果), on a 0–100 scale, rounded half up to one decimal at the end:

1. An answer's score (an owner's online answer, or an offline group's average per item) is the weighted
   mean of its items, w_i the items' weights and s_i the score 1–5 (好差评: 非常满意 5 … 非常不满意 1),
   times 20:  A = 20 · Σ w_i·s_i / Σ w_i.
2. Owners' part O: the mean of the owners' answers (one per unit). Each offline group g has its own
   score G_g and weight w_g. The questionnaire's score
       S = (w_owners·O + Σ_g w_g·G_g) / (w_owners + Σ_g w_g)
   over the parts that have answers (no online answers: the groups alone, and so on).
3. The requests' part R: the mean of the estate's resolution rate, on-time rate and satisfaction rate
   (percent, from the requests app's metrics over the evaluation's period), of those that exist.
4. For 双评 the fee part F: the estate's property-fee collection rate over the period (finance).
5. The result  T = (a·S + b·R + c·F) / (a + b + c), a, b, c the evaluation's survey, requests and fee
   weights, over the parts that exist (a part with no data, or weight 0, drops out of both sums).

Worked example (tests/reviews/test_evaluations.py): items 保洁 30, 安保 30, 维修响应 40; owners answer
(5, 4, 3) → 78 and (4, 4, 4) → 80, so O = 79; 行业部门 (weight 20) averages (4.0, 3.0, 3.5) → 70,
业主代表 (weight 20) (5, 5, 4) → 92; with w_owners 60, S = (60·79 + 20·70 + 20·92) / 100 = 79.8.
Rates 90 %, 80 %, 70 % give R = 80; a 75 % collection rate F = 75; with weights 50/20/30,
T = (50·79.8 + 20·80 + 30·75) / 100 = 78.4."""

import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.choices import OrgKind
from gongzhi.bodies.models import AUTONOMOUS_KINDS, COMPANY_KINDS, Membership, Organisation, ServiceContract
from gongzhi.bodies.services import add_years, max_term_years
from gongzhi.core import clock
from gongzhi.core.errors import NotFound
from gongzhi.core.figures import Figure, Listing, Section
from gongzhi.core.masking import redact
from gongzhi.core.registry import CandidateNote
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.finance.selectors import collection_rate
from gongzhi.people.models import Ownership
from gongzhi.places.models import Estate, Unit
from gongzhi.requests.choices import Category, Handler, Level, Status
from gongzhi.requests.models import Request
from gongzhi.requests.routing import routing_table
from gongzhi.requests.selectors import metrics
from gongzhi.reviews import rules
from gongzhi.reviews.choices import (
    CaseStatus,
    EntryStatus,
    EvaluationKind,
    EvaluationStatus,
    InterviewStatus,
    ItemStatus,
    MediationStatus,
)
from gongzhi.reviews.models import (
    ConductCase,
    ConductRules,
    Evaluation,
    Interview,
    ListEntry,
    Mediation,
    OfflineGroup,
    Ranking,
    Rectification,
    RenewalDecision,
    Response,
)

POINTS = 20  # a score of 1–5 is worth 20 points each on the 0–100 scale
TENTH = Decimal("0.1")


def tenth(value) -> Decimal | None:
    """A number rounded half up to one decimal (a Fraction computes exactly until here)."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(TENTH, ROUND_HALF_UP)


def answer_score(scores: dict, weights: dict) -> Fraction:
    """Step 1: 20 · Σ w_i·s_i / Σ w_i over the items (`scores` and `weights` keyed alike)."""
    total = sum(weights.values())
    return POINTS * sum(Fraction(weights[k]) * Fraction(str(scores[k])) for k in weights) / total


def weighted(parts: list[tuple[int, Fraction | Decimal | None]]) -> Fraction | None:
    """Σ w·v / Σ w over the parts with a value and a weight; None when none has both."""
    present = [(w, Fraction(str(v)) if isinstance(v, Decimal | float) else Fraction(v)) for w, v in parts
               if v is not None and w]
    if not present:
        return None
    return sum(w * v for w, v in present) / sum(w for w, _v in present)


def combine(*, owners: list[Fraction], owners_weight: int, groups: list[tuple[int, Fraction]],
            rates: list, survey_weight: int, requests_weight: int, fee=None, fee_weight: int = 0) -> dict:
    """Steps 2–5 of the formula: the parts and the result, each rounded to one decimal for showing."""
    owners_score = sum(owners) / len(owners) if owners else None
    survey = weighted([(owners_weight, owners_score), *groups])
    present_rates = [Fraction(str(r)) for r in rates if r is not None]
    requests_part = sum(present_rates) / len(present_rates) if present_rates else None
    total = weighted([(survey_weight, survey), (requests_weight, requests_part), (fee_weight, fee)])
    return {"owners": tenth(owners_score), "survey": tenth(survey), "requests": tenth(requests_part),
            "fee": tenth(fee) if fee is not None and fee_weight else None, "score": tenth(total)}


def _system_viewer():
    # The figures are the estate's as a whole (the system sees everything), published with the result.
    return get_user_model()(is_superuser=True, is_active=True)


def request_rates(estate, start: datetime.date, end: datetime.date) -> dict:
    found = metrics(fetched_by=_system_viewer(), place="estate", place_id=estate.pk, start=start, end=end)
    return {"received": found.received, "resolution_rate": found.resolution_rate,
            "on_time_rate": found.on_time_rate, "satisfaction_rate": found.satisfaction_rate}


def evaluation_result(evaluation: Evaluation) -> dict:
    """The whole result of the formula above, with what went into it (published in the notice)."""
    items = list(evaluation.items.all())
    weights = {str(i.pk): i.weight for i in items}
    owners = [answer_score(r.scores, weights) for r in evaluation.responses.all()]
    groups = list(evaluation.groups.all())
    group_scores = [(g.weight, answer_score(g.scores, weights)) for g in groups]
    rates = request_rates(evaluation.estate, evaluation.period_start, evaluation.period_end)
    fee = None
    if evaluation.kind == EvaluationKind.DOUBLE:
        fee = collection_rate([evaluation.estate_id], evaluation.period_start, evaluation.period_end)["rate"]
    result = combine(owners=owners, owners_weight=evaluation.owners_weight, groups=group_scores,
                     rates=[rates["resolution_rate"], rates["on_time_rate"], rates["satisfaction_rate"]],
                     survey_weight=evaluation.survey_weight, requests_weight=evaluation.requests_weight,
                     fee=fee, fee_weight=evaluation.fee_weight if evaluation.kind == EvaluationKind.DOUBLE else 0)
    by_item = {}
    for item in items:
        key = str(item.pk)
        marks = [Fraction(r.scores[key]) for r in evaluation.responses.all()]
        by_item[item.name] = str(tenth(POINTS * sum(marks) / len(marks))) if marks else None
    return {
        **{k: (str(v) if v is not None else None) for k, v in result.items()},
        "responses": len(owners), "groups": [{"name": g.name, "weight": g.weight, "forms": g.forms,
                                              "score": str(tenth(s))} for g, (_w, s) in zip(groups, group_scores,
                                                                                              strict=True)],
        "rates": {k: (float(v) if v is not None else None) for k, v in rates.items()},
        "fee_rate": str(fee) if fee is not None else None, "by_item": by_item,
        "below_threshold": result["score"] is not None and result["score"] < evaluation.threshold,
    }


# --- evaluations --------------------------------------------------------------------------------------
def _evaluations(fetched_by):
    return Evaluation.objects.filter(estate__in=scope_for(fetched_by).estates(rules.REVIEW_READER_ROLES)).select_related(
        "estate", "company")


def evaluation_list(*, fetched_by, estate_id: int | None = None):
    """An estate's evaluations (404 for an estate out of sight, like a missing one), or all in sight."""
    qs = _evaluations(fetched_by)
    if estate_id is not None:
        qs = qs.filter(estate=evaluation_estate(fetched_by=fetched_by, estate_id=estate_id))
    return qs.order_by("-period_end", "-pk")


def evaluation_get(*, fetched_by, evaluation_id) -> Evaluation:
    return get_in_scope(_evaluations(fetched_by), pk=evaluation_id)


def is_open(evaluation: Evaluation, now: datetime.datetime | None = None) -> bool:
    return evaluation.status == EvaluationStatus.OPEN and (now or clock.now()) < evaluation.closes_at


def owned_units(user, evaluation: Evaluation) -> list[Unit]:
    """The units of the estate this user owns (an owner answers for each of them, once)."""
    if user is None or not user.is_authenticated:
        return []
    own = Ownership.objects.filter(person__user=user, until__isnull=True).values("unit_id")
    return list(Unit.objects.filter(estate_id=evaluation.estate_id, pk__in=own).order_by("code"))


def answered_units(evaluation: Evaluation, units) -> set[int]:
    return set(Response.objects.filter(evaluation=evaluation, unit__in=units).values_list("unit_id", flat=True))


def coverage(evaluation: Evaluation) -> dict:
    """Households that answered online, of all, by building (like a consultation's coverage)."""
    answered = Counter(Response.objects.filter(evaluation=evaluation).values_list("unit__building__code", flat=True))
    rows = (Unit.objects.filter(estate_id=evaluation.estate_id).values("building__code")
            .annotate(n=Count("pk")).order_by())
    buildings = sorted(((r["building__code"], r["n"], answered.get(r["building__code"], 0)) for r in rows),
                       key=lambda r: (len(r[0]), r[0]))
    total = sum(n for _c, n, _a in buildings)
    done = sum(answered.values())
    return {"households": total, "answered": done,
            "coverage": f"{done * 100 / total:.1f}%" if total else "0.0%",
            "buildings": [{"building": c, "households": n, "answered": a} for c, n, a in buildings]}


def groups_of(evaluation: Evaluation) -> list[OfflineGroup]:
    return list(evaluation.groups.all())


def company_trend(*, fetched_by, company_id: int) -> list[Evaluation]:
    """The company's published results across the estates and years the viewer sees, oldest first (404 for
    a company out of sight, like a missing one)."""
    get_in_scope(scope_for(fetched_by).organisations().filter(kind__in=COMPANY_KINDS), pk=company_id)
    return list(_evaluations(fetched_by).filter(company_id=company_id, status=EvaluationStatus.PUBLISHED)
                .order_by("period_end", "estate__name"))


def companies_evaluated(*, fetched_by) -> list[dict]:
    """Each company with published results in scope: its latest score and the number of results."""
    rows = defaultdict(list)
    for e in _evaluations(fetched_by).filter(status=EvaluationStatus.PUBLISHED).order_by("period_end"):
        rows[e.company].append(e)
    return [{"company": c, "latest": es[-1], "count": len(es)} for c, es in sorted(rows.items(), key=lambda x: x[0].name)]


def complaints(estate, company, now: datetime.datetime | None = None) -> int:
    """A run of complaints against a company at an estate: the estate's requests of the last
    GONGZHI_COMPLAINT_DAYS days that their requester rated unsatisfied (1 or 2 of 5), handled by the
    property company — its handler is the property (物业服务企业), or it climbed from a category the
    community's routing gives the property first — and filed while this company held the estate's
    contract (a complaint about the company before it, or after it left, does not count against it)."""
    now = now or clock.now()
    since = clock.at(clock.local_date(now) - datetime.timedelta(days=settings.GONGZHI_COMPLAINT_DAYS))
    served = Q(pk__in=[])
    for start, end in ServiceContract.objects.filter(estate=estate, company=company).values_list("start", "end"):
        period = Q()
        if start is not None:
            period &= Q(created_at__gte=clock.at(start))
        if end is not None:
            period &= Q(created_at__lt=clock.at(end + datetime.timedelta(days=1)))
        served |= period
    property_first = [row.category for row, _own in routing_table(estate.community_id)
                      if row.handler == Handler.PROPERTY]
    handled = Q(handler=Handler.PROPERTY) | (Q(category__in=property_first) & ~Q(level=Level.ESTATE))
    return Request.objects.filter(served, handled, estate=estate, created_at__gte=since, satisfaction__lte=2).count()


# --- interviews and rectification ---------------------------------------------------------------------
def _interviews(fetched_by):
    return Interview.objects.filter(estate__in=scope_for(fetched_by).estates(rules.REVIEW_READER_ROLES)).select_related(
        "estate", "company", "evaluation")


def interview_list(*, fetched_by, estate_id: int | None = None):
    qs = _interviews(fetched_by)
    if estate_id is not None:
        qs = qs.filter(estate=evaluation_estate(fetched_by=fetched_by, estate_id=estate_id))
    return qs.order_by("-held_on", "-pk")


def interview_get(*, fetched_by, interview_id) -> Interview:
    return get_in_scope(_interviews(fetched_by), pk=interview_id)


def item_get(*, fetched_by, item_id) -> Rectification:
    qs = Rectification.objects.filter(interview__in=_interviews(fetched_by)).select_related("interview__estate")
    return get_in_scope(qs, pk=item_id)


def items_of(interview: Interview) -> list[Rectification]:
    items = list(interview.items.prefetch_related("reports__photos"))
    now = clock.now()
    for item in items:
        item.overdue = item.status == ItemStatus.OPEN and now > item.due_at
    return items


def open_items(user, roles, limit: int = 10) -> dict:
    """Rectification items not yet passed at the estates where the user holds one of `roles`, the overdue
    ones first (the company's and the community's home pages)."""
    estates = scope_for(user).estates(roles)
    qs = Rectification.objects.filter(interview__estate__in=estates,
                                      status__in=[ItemStatus.OPEN, ItemStatus.REPORTED]).select_related(
        "interview__estate", "interview__company")
    now = clock.now()
    overdue = qs.filter(status=ItemStatus.OPEN, due_at__lt=now)
    listed = list(overdue.order_by("due_at")[:limit])
    listed += list(qs.exclude(pk__in=[i.pk for i in listed]).order_by("due_at")[:max(0, limit - len(listed))])
    for item in listed:
        item.overdue = item.status == ItemStatus.OPEN and now > item.due_at
    return {"items": listed, "open": qs.count(), "overdue": overdue.count()}


def failed_items(interview: Interview):
    return interview.items.filter(status=ItemStatus.FAILED)


# --- 红黑榜 -------------------------------------------------------------------------------------------
def shown_place(unit: Unit) -> str:
    """How a household is named on the published board: GONGZHI_LIST_DETAIL "entrance" (default:
    building and entrance, 5号楼1单元) or "unit" (the flat, 5-1-302); never a name."""
    parts = unit.code.split("-")
    if settings.GONGZHI_LIST_DETAIL == "unit" or len(parts) < 2:
        return unit.code
    return f"{parts[0]}号楼{parts[1]}单元"


def board(*, fetched_by, estate_id: int, today: datetime.date | None = None) -> list[ListEntry]:
    """What is on the estate's board today: reviewed, listed, and not past its period."""
    today = today or clock.today()
    estate = get_in_scope(scope_for(fetched_by).estates(rules.REVIEW_READER_ROLES), pk=estate_id)
    rows = list(ListEntry.objects.filter(estate=estate, status=EntryStatus.LISTED, listed_from__lte=today,
                                         listed_until__gte=today).select_related("unit").order_by("kind", "-listed_from"))
    for row in rows:
        row.shown = shown_place(row.unit)
    return rows


def entries_for_staff(*, fetched_by, estate_id: int):
    """Every entry of the estate for those who record and review them."""
    scope = scope_for(fetched_by)
    estate = get_in_scope(scope.estates(rules.REVIEW_READER_ROLES), pk=estate_id)
    if not (rules.may_record_entry(fetched_by, estate) or rules.may_review_entry(fetched_by, estate)):
        return ListEntry.objects.none()
    return ListEntry.objects.filter(estate=estate).select_related("unit").order_by("-recorded_at")


def my_entries(user):
    """Entries against the households the user owns or lives in (told, may object)."""
    if not user.is_authenticated:
        return ListEntry.objects.none()
    return ListEntry.objects.filter(unit__in=scope_for(user).units()).filter(
        Q(unit__ownerships__person__user=user, unit__ownerships__until__isnull=True)
        | Q(unit__residencies__person__user=user, unit__residencies__until__isnull=True)
    ).distinct().select_related("unit", "estate").order_by("-recorded_at")


def entry_get(*, fetched_by, entry_id) -> ListEntry:
    """An entry for its household or for the estate's recorders and reviewers (404 for anyone else)."""
    scope = scope_for(fetched_by)
    entry = get_in_scope(ListEntry.objects.filter(estate__in=scope.estates()).select_related("unit", "estate"),
                         pk=entry_id)
    if rules.may_record_entry(fetched_by, entry.estate) or rules.may_review_entry(fetched_by, entry.estate):
        return entry
    if my_entries(fetched_by).filter(pk=entry.pk).exists():
        return entry
    raise NotFound()


def objection_open(entry: ListEntry, today: datetime.date | None = None) -> bool:
    return entry.status == EntryStatus.NOTIFIED and (today or clock.today()) <= entry.objection_until


def entries_to_review(user, limit: int = 10) -> list[ListEntry]:
    today = clock.today()
    estates = scope_for(user).estates(rules.LIST_REVIEWER_ROLES)
    return list(ListEntry.objects.filter(estate__in=estates).filter(
        Q(status=EntryStatus.OBJECTED) | Q(status=EntryStatus.NOTIFIED, objection_until__lt=today)
    ).select_related("unit", "estate").order_by("recorded_at")[:limit])


# --- the dashboard ------------------------------------------------------------------------------------
def dashboard_section(*, fetched_by, place, period: clock.Period) -> Section | None:
    """Evaluations published and below the line, interviews, and rectification items open and overdue now."""
    if not scope_for(fetched_by).has_any(rules.REVIEW_STAFF_ROLES):
        return None
    lo, hi = period.bounds
    evaluations = Evaluation.objects.filter(**place.lookup(), status=EvaluationStatus.PUBLISHED)
    published = evaluations.filter(published_at__gte=lo, published_at__lt=hi)
    scored = [e for e in published if e.score is not None]
    items = Rectification.objects.filter(**place.lookup("interview__estate"),
                                         status__in=[ItemStatus.OPEN, ItemStatus.REPORTED])
    overdue = items.filter(status=ItemStatus.OPEN, due_at__lt=clock.now()).select_related("interview__estate")
    interviews = Interview.objects.filter(**place.lookup(), opened_at__gte=lo, opened_at__lt=hi).count()
    figures = [
        Figure("evaluations", _("公布评议结果"), len(scored)),
        Figure("below_line", _("低于约谈线"), sum(1 for e in scored if e.score < e.threshold)),
        Figure("interviews", _("约谈物业服务企业"), interviews),
        Figure("rectifying", _("未完成的整改事项（现状）"), items.count()),
        Figure("overdue", _("逾期的整改事项（现状）"), overdue.count()),
        Figure("replacements", _("提请更换（现状）"),
               Interview.objects.filter(**place.lookup(), status=InterviewStatus.REPLACEMENT).count()),
    ]
    rows = [(f"{i.interview.estate.name} · {i.commitment[:30]}", reverse("reviews:interview_detail",
                                                                          args=[i.interview_id]))
            for i in overdue.order_by("due_at")[:10]]
    return Section("reviews", str(_("评议与整改")), figures,
                   listings=[Listing("overdue_items", str(_("逾期的整改事项")), rows)] if rows else [])


def evaluations_to_answer(user, limit: int = 3) -> list[tuple[Evaluation, list[Unit]]]:
    """Open evaluations of the estates where the user owns units not yet answered for."""
    if not user.is_authenticated:
        return []
    own = Ownership.objects.filter(person__user=user, until__isnull=True)
    estates = set(own.values_list("unit__estate_id", flat=True))
    found = []
    for evaluation in Evaluation.objects.filter(estate_id__in=estates, status=EvaluationStatus.OPEN,
                                                closes_at__gt=clock.now()).select_related("company")[:20]:
        units = owned_units(user, evaluation)
        left = [u for u in units if u.pk not in answered_units(evaluation, units)]
        if left:
            found.append((evaluation, left))
        if len(found) >= limit:
            break
    return found


# --- 奖优惩劣 -----------------------------------------------------------------------------------------
EXCELLENT = Decimal(90)  # a yearly mean at or above this is 优秀 (rewarded)


def ranking(place, year: int, kind: str) -> list[dict]:
    """The companies evaluated (published results of `kind` whose period ends in `year`) at the estates of
    the community or subdistrict, ranked by the mean of their results (ties by name): rank, company, the
    estates, the number of results, the mean, and the verdict — 优秀 at EXCELLENT or above, 督促整改 when a
    result fell below its line, else 合格."""
    rows = defaultdict(list)
    qs = Evaluation.objects.filter(**place.lookup(), status=EvaluationStatus.PUBLISHED, kind=kind,
                                   period_end__year=year, score__isnull=False).select_related("company", "estate")
    for e in qs:
        rows[e.company].append(e)
    ranked = []
    for company, results in rows.items():
        mean = tenth(Fraction(sum(Fraction(str(e.score)) for e in results), len(results)))
        below = any(e.score < e.threshold for e in results)
        verdict = "督促整改" if below else "优秀" if mean >= EXCELLENT else "合格"
        ranked.append({"company_id": company.pk, "company": company.name, "results": len(results),
                       "estates": sorted({e.estate.name for e in results}), "mean": str(mean), "verdict": verdict})
    ranked.sort(key=lambda r: (-Decimal(r["mean"]), r["company"]))
    for i, row in enumerate(ranked, 1):
        row["rank"] = i
    return ranked


# --- the quarterly comparison of conflicts resolved (每季度化解矛盾问题评比) -----------------------------
CONFLICT_CATEGORIES = (Category.NEIGHBOUR_DISPUTE, Category.NOISE, Category.FEE_DISPUTE, Category.PARKING)


def _conflict_counts(estates, period: clock.Period) -> dict[int, tuple[int, int]]:
    """Per estate: (received, resolved) — the conflict requests filed in the period and the mediations taken
    up in it, each resolved (a request resolved or closed, a mediation settled) by now."""
    lo, hi = period.bounds
    requests = (Request.objects.filter(estate__in=estates, category__in=CONFLICT_CATEGORIES, created_at__gte=lo,
                                       created_at__lt=hi)
                .values("estate_id").annotate(received=Count("pk"), resolved=Count(
                    "pk", filter=Q(status__in=[Status.RESOLVED, Status.CLOSED])))
                .order_by())
    mediations = (Mediation.objects.filter(estate__in=estates, received_on__gte=period.start,
                                           received_on__lte=period.end)
                  .values("estate_id").annotate(received=Count("pk"), resolved=Count(
                      "pk", filter=Q(status=MediationStatus.SETTLED)))
                  .order_by())
    counts: dict[int, tuple[int, int]] = {}
    for r in [*requests, *mediations]:
        received, resolved = counts.get(r["estate_id"], (0, 0))
        counts[r["estate_id"]] = (received + r["received"], resolved + r["resolved"])
    return counts


def mediations_for(*, fetched_by, estate_id: int, limit: int = 200) -> list[Mediation]:
    """The estate's mediated disputes, newest first, for its staff (the parties' affairs are not the
    neighbours' to read); numbers typed into the text are masked for whoever may not read them."""
    scope = scope_for(fetched_by)
    estate = get_in_scope(scope.estates(rules.MEDIATION_READER_ROLES), pk=estate_id)
    rows = list(Mediation.objects.filter(estate=estate).order_by("-received_on", "-pk")[:limit])
    shown = scope.contacts_shown(estate.pk)
    for row in rows:
        row.summary, row.outcome = redact(row.summary, shown), redact(row.outcome, shown)
    return rows


def conflicts(place, period: clock.Period) -> dict:
    """Disputes and neighbour conflicts (requests of CONFLICT_CATEGORIES and mediations) received in the
    quarter and resolved since, per grid and per estate of the place, beside the quarter before; each list ranked by
    the resolution rate (then the number resolved)."""
    estates = list(Estate.objects.filter(**place.lookup("")).select_related("grid").order_by("name"))
    now, before = _conflict_counts(estates, period), _conflict_counts(estates, period.previous())

    def row(name, ids):
        received = sum(now.get(i, (0, 0))[0] for i in ids)
        resolved = sum(now.get(i, (0, 0))[1] for i in ids)
        last = sum(before.get(i, (0, 0))[1] for i in ids)
        rate = tenth(Fraction(100 * resolved, received)) if received else None
        return {"name": name, "received": received, "resolved": resolved,
                "rate": str(rate) if rate is not None else None, "resolved_before": last}

    def ranked(rows):
        rows = sorted(rows, key=lambda r: (-(Decimal(r["rate"]) if r["rate"] else Decimal(-1)), -r["resolved"],
                                           r["name"]))
        for i, r in enumerate(rows, 1):
            r["rank"] = i
        return rows

    grids = defaultdict(list)
    for e in estates:
        if e.grid_id:
            grids[e.grid].append(e.pk)
    return {"period": period, "grids": ranked([row(str(g), ids) for g, ids in grids.items()]),
            "estates": ranked([row(e.name, [e.pk]) for e in estates if e.pk in now or e.pk in before])}


# --- 九不准 -------------------------------------------------------------------------------------------
def current_rules(estate) -> ConductRules | None:
    return ConductRules.objects.filter(estate=estate).order_by("-version").first()


def rules_history(estate) -> list[ConductRules]:
    return list(ConductRules.objects.filter(estate=estate).order_by("-version"))


def committee_members(estate) -> list[Membership]:
    """The serving members of the estate's autonomous bodies (业委会, 物管会, 楼院自治委员会)."""
    return list(Membership.objects.filter(organisation__estate=estate, organisation__kind__in=AUTONOMOUS_KINDS,
                                          organisation__active=True, active=True)
                .select_related("person", "organisation").order_by("organisation__name", "role", "pk"))


def cases_for(*, fetched_by, estate_id: int):
    estate = get_in_scope(scope_for(fetched_by).estates(rules.REVIEW_READER_ROLES), pk=estate_id)
    if not rules.may_read_cases(fetched_by, estate):
        return ConductCase.objects.none()
    return ConductCase.objects.filter(estate=estate).select_related("member", "rules").order_by("-reported_at")


def case_get(*, fetched_by, case_id) -> ConductCase:
    """A case for the community and the supervisors, or for the one who reported it (404 for others)."""
    scope = scope_for(fetched_by)
    case = get_in_scope(ConductCase.objects.filter(estate__in=scope.estates()).select_related("member", "rules",
                                                                                               "estate"), pk=case_id)
    if rules.may_read_cases(fetched_by, case.estate) or case.reported_by_id == fetched_by.pk:
        return case
    raise NotFound()


def confirmed_breaches(person, since: datetime.date | None = None) -> list[ConductCase]:
    """A member's confirmed breaches (what an election's eligibility review should weigh), those decided
    on or after `since` when given, oldest first."""
    qs = ConductCase.objects.filter(member=person, status=CaseStatus.CONFIRMED).select_related("rules", "estate")
    if since is not None:
        qs = qs.filter(decided_at__gte=clock.at(since))
    return list(qs.order_by("decided_at", "pk"))


def case_basis(case: ConductCase) -> str:
    """依据：the rule the case follows (recorded at the report; the list's version for older cases)."""
    return f"依据：{case.rule_label or rules_label(case.rules)}"


def rules_label(rules_version: ConductRules) -> str:
    """The estate's own list named as a rule (when the rules library has no 九不准 in force)."""
    return f"《{rules_version.estate.name}业主委员会委员九不准负面清单》第{rules_version.version}版"


def candidate_notes(person, estate, day: datetime.date) -> list[CandidateNote]:
    """For an election's 两讲两有 review (core.registry.candidate_notes): the candidate's confirmed 九不准
    breaches decided within one committee term (the estate's longest term) before `day`."""
    since = add_years(day, -max_term_years(estate))
    return [CandidateNote(text=f"九不准认定违反：第{c.item}条 {c.rules.items[c.item - 1]}（{c.estate.name}）",
                          day=clock.local_date(c.decided_at), url=reverse("reviews:case_detail", args=[c.pk]))
            for c in confirmed_breaches(person, since) if clock.local_date(c.decided_at) <= day]


def running_contract(estate, company) -> ServiceContract | None:
    """The estate's contract with the company that no renewal or replacement has followed yet."""
    return (ServiceContract.objects.filter(estate=estate, company=company, successor__isnull=True)
            .order_by("-start", "-pk").first())


def running_contract_of(estate) -> ServiceContract | None:
    """The estate's running contract, whichever company: the newest no renewal or replacement followed."""
    return (ServiceContract.objects.filter(estate=estate, successor__isnull=True).select_related("company")
            .order_by("-start", "-pk").first())


def incoming_companies(interview: Interview) -> list[Organisation]:
    """The property companies the owners may be asked to engage instead (any but the one replaced)."""
    return list(Organisation.objects.filter(kind=OrgKind.PROPERTY_COMPANY, active=True).exclude(
        pk=interview.company_id).order_by("name"))


# --- 奖优惩劣 attached to the contract ---------------------------------------------------------------
def rankings_for_estate(estate, company) -> list[tuple[Ranking, dict]]:
    """The published rankings covering the estate (its community's or its subdistrict's) that rank the
    company, newest first, each with the company's row."""
    found = []
    for ranking in Ranking.objects.filter(Q(community_id=estate.community_id)
                                          | Q(subdistrict_id=estate.community.subdistrict_id)).order_by(
            "-year", "-published_at", "-pk"):
        row = next((r for r in ranking.rows if r.get("company_id") == company.pk), None)
        if row is not None:
            found.append((ranking, row))
    return found


def renewal_decided(contract) -> bool:
    return RenewalDecision.objects.filter(contract=contract).exists()


def renewal_decisions(estate) -> list[RenewalDecision]:
    return list(RenewalDecision.objects.filter(estate=estate).select_related(
        "contract__company", "ranking", "new_contract").order_by("-decided_at", "-pk"))


def evaluation_estate(*, fetched_by, estate_id: int):
    """An estate the viewer reads the reviews of (404 otherwise)."""
    return get_in_scope(scope_for(fetched_by).estates(rules.REVIEW_READER_ROLES), pk=estate_id)
