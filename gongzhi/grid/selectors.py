"""Every read of grid work that reaches a user, through the scope filter.

The special-population register answers NotFound to anyone but the person's assigned visitor, the
estate's grid worker and the community's staff, and each read of a person on it leaves an audit row
(`special_person.read`): who saw whom, when. Counts without names (a home card's "3 visits overdue")
show nobody and are not audited."""

import datetime
import difflib
from dataclasses import dataclass

from django.db.models import Max, Q

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.grid import rules
from gongzhi.grid.choices import DEFAULT_VISIT_DAYS, MET, AuditAction, Patroller, SpecialGroup
from gongzhi.grid.models import (
    Checkpoint,
    Finding,
    FindingPhoto,
    MissedPatrol,
    Patrol,
    PatrolPlan,
    RuleDocument,
    RuleVersion,
    SpecialPerson,
    Visit,
    VisitFrequency,
)
from gongzhi.party.models import HouseholdVisit
from gongzhi.places.models import Estate


# --- 两巡 -----------------------------------------------------------------------------------------------
def period_of(plan: PatrolPlan, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The plan's period holding `day`: its first day and the first day of the next."""
    index = max((day - plan.starts_on).days, 0) // plan.every_days
    start = plan.starts_on + datetime.timedelta(days=index * plan.every_days)
    return start, start + datetime.timedelta(days=plan.every_days)


def patrol_estate(*, fetched_by, estate_id) -> Estate:
    return estate_for(fetched_by, estate_id, roles=rules.PATROL_READER_ROLES)


def plan_list(*, estate) -> list[PatrolPlan]:
    """An estate (already checked) 's plans, each with its checkpoints' count and whether this
    period's patrol is done."""
    plans = list(PatrolPlan.objects.filter(estate=estate).select_related("assignee", "estate")
                 .prefetch_related("checkpoints").order_by("-active", "title", "pk"))
    today = clock.today()
    for plan in plans:
        plan.period = period_of(plan, today)
        plan.done_now = plan.patrols.filter(period_start=plan.period[0], finished_at__isnull=False).exists()
    return plans


def plan_get(*, fetched_by, patrol_plan_id) -> PatrolPlan:
    qs = PatrolPlan.objects.select_related("estate__community__subdistrict", "assignee")
    return object_for(fetched_by, qs, patrol_plan_id, roles=rules.PATROL_READER_ROLES)


def checkpoint_get(*, fetched_by, checkpoint_id) -> Checkpoint:
    qs = Checkpoint.objects.select_related("plan__estate__community__subdistrict", "plan__assignee", "building")
    return object_for(fetched_by, qs, checkpoint_id, roles=rules.PATROL_READER_ROLES)


def patrol_get(*, fetched_by, patrol_id) -> Patrol:
    qs = Patrol.objects.select_related("plan__estate__community__subdistrict", "patroller")
    return object_for(fetched_by, qs, patrol_id, roles=rules.PATROL_READER_ROLES)


def finding_get(*, fetched_by, finding_id) -> Finding:
    qs = Finding.objects.select_related("patrol__plan", "estate__community__subdistrict", "checkpoint__building")
    return object_for(fetched_by, qs, finding_id, roles=rules.PATROL_READER_ROLES)


def finding_photo_get(*, fetched_by, finding_photo_id) -> FindingPhoto:
    return object_for(fetched_by, FindingPhoto.objects.all(), finding_photo_id, roles=rules.PATROL_READER_ROLES)


def patrol_sheet(patrol: Patrol) -> list[dict]:
    """The patrol's route: each checkpoint with its mark (or none yet)."""
    marks = {m.checkpoint_id: m for m in patrol.marks.all()}
    return [{"checkpoint": c, "mark": marks.get(c.pk)}
            for c in patrol.plan.checkpoints.select_related("building").order_by("position", "pk")]


def patrol_findings(patrol: Patrol) -> list[Finding]:
    return list(patrol.findings.select_related("checkpoint", "request").prefetch_related("photos"))


def recent_patrols(*, estate, limit: int = 20) -> list[Patrol]:
    return list(Patrol.objects.filter(estate=estate).select_related("plan", "patroller")
                .prefetch_related("marks", "findings")[:limit])


def _patrollable(user):
    """Active plans the user may walk: theirs by name, or unassigned ones of a kind their role patrols."""
    if user is None or not user.is_authenticated:
        return PatrolPlan.objects.none()
    scope = scope_for(user)
    q = Q(assignee=user)
    for patroller, roles in ((Patroller.GRID, rules.GRID_PATROL_ROLES), (Patroller.PROPERTY, rules.PROPERTY_PATROL_ROLES)):
        if scope.roles & roles:
            q |= Q(assignee__isnull=True, patroller=patroller, estate__in=scope.estates(roles))
    return PatrolPlan.objects.filter(q, active=True, estate__in=scope.estates())


def my_patrol_plans(user) -> list[PatrolPlan]:
    """The plans the user walks, each marked due (this period's patrol not done) and with their open patrol."""
    plans = list(_patrollable(user).select_related("estate").prefetch_related("checkpoints")[:50])
    today = clock.today()
    open_by_plan = {p.plan_id: p for p in Patrol.objects.filter(patroller=user, finished_at__isnull=True,
                                                                 plan__in=[p.pk for p in plans])}
    for plan in plans:
        plan.period = period_of(plan, today)
        plan.due = plan.starts_on <= today and not plan.patrols.filter(
            period_start=plan.period[0], finished_at__isnull=False).exists()
        plan.open_patrol = open_by_plan.get(plan.pk)
    return plans


def missed_for(user, *, days: int = 30):
    """Missed patrols of the last `days` days in the estates the user reads patrols of, or of plans they walk."""
    if user is None or not user.is_authenticated:
        return MissedPatrol.objects.none()
    scope = scope_for(user)
    since = clock.today() - datetime.timedelta(days=days)
    return (MissedPatrol.objects.filter(Q(estate__in=scope.estates(rules.PATROL_READER_ROLES))
                                        | Q(plan__in=_patrollable(user)), period_end__gt=since)
            .select_related("plan", "estate"))


def missed_in(*, estate, days: int = 30) -> list[MissedPatrol]:
    since = clock.today() - datetime.timedelta(days=days)
    return list(MissedPatrol.objects.filter(estate=estate, period_end__gt=since).select_related("plan"))


# --- 两访 -----------------------------------------------------------------------------------------------
def frequencies(community_id) -> dict[str, int]:
    """Days between visits for each group in this community (its own, else the defaults)."""
    days = {str(group): n for group, n in DEFAULT_VISIT_DAYS.items()}
    days.update(dict(VisitFrequency.objects.filter(community_id=community_id).values_list("group", "every_days")))
    return days


def frequency_rows(community_id) -> list[dict]:
    days = frequencies(community_id)
    return [{"group": g, "label": g.label, "every_days": days[g.value]} for g in SpecialGroup]


@dataclass
class Due:
    last_met: datetime.date | None
    due_on: datetime.date
    overdue_days: int


def _due(specials) -> None:
    """Sets `.due` on each person: the last visit that met them, the day the next is due, days overdue."""
    today = clock.today()
    last = dict(Visit.objects.filter(special__in=[s.pk for s in specials], how__in=MET)
                .values("special_id").annotate(last=Max("on")).values_list("special_id", "last"))
    freq_cache: dict[int, dict] = {}
    for s in specials:
        days = freq_cache.setdefault(s.estate.community_id, frequencies(s.estate.community_id))[s.group]
        met = last.get(s.pk)
        due_on = (met or s.since) + datetime.timedelta(days=days)
        s.due = Due(met, due_on, max((today - due_on).days, 0))


def _audited(actor, specials) -> None:
    """Each person shown is a read of the register."""
    if actor is None:
        return
    for s in specials:
        audit_record(actor, AuditAction.SPECIAL_PERSON_READ, s, after={"person": s.person_id})


def register_estate(*, fetched_by, estate_id) -> Estate:
    """The estate whose register the actor reads; NotFound for everyone else (the register is not
    admitted to exist)."""
    estate = Estate.objects.select_related("community__subdistrict").filter(pk=estate_id).first() \
        if isinstance(estate_id, int) else None
    if estate is None or not rules.reads_register(fetched_by, estate):
        raise NotFound()
    return estate


def register_list(*, fetched_by, estate) -> list[SpecialPerson]:
    """The estate's register (the estate checked by register_estate), each read audited."""
    specials = list(SpecialPerson.objects.filter(estate=estate, active=True)
                    .select_related("person", "unit", "visitor", "estate").order_by("unit__code", "pk"))
    _due(specials)
    _audited(fetched_by, specials)
    return specials


def special_get(*, fetched_by, special_person_id) -> SpecialPerson:
    found = SpecialPerson.objects.select_related("person", "unit__building", "visitor",
                                                 "estate__community__subdistrict").filter(pk=special_person_id).first() \
        if isinstance(special_person_id, int) else None
    if found is None or not rules.may_see_special(fetched_by, found):
        raise NotFound()
    _due([found])
    _audited(fetched_by, [found])
    return found


def my_specials(user) -> list[SpecialPerson]:
    """The people assigned to the user to visit, most overdue first (each read audited)."""
    if user is None or not user.is_authenticated:
        return []
    specials = list(SpecialPerson.objects.filter(visitor=user, active=True)
                    .select_related("person", "unit", "estate", "visitor")[:200])
    _due(specials)
    specials.sort(key=lambda s: (s.due.due_on, s.pk))
    _audited(user, specials)
    return specials


def overdue_count(user) -> int:
    """How many of the user's assigned visits are overdue: a number, nobody named (not audited)."""
    if user is None or not user.is_authenticated:
        return 0
    specials = list(SpecialPerson.objects.filter(visitor=user, active=True).select_related("estate"))
    _due(specials)
    return sum(1 for s in specials if s.due.overdue_days > 0)


def visits_of(special) -> list[Visit]:
    return list(special.visits.select_related("visitor", "request", "order")[:100])


def visit_get(*, fetched_by, visit_id) -> Visit:
    found = Visit.objects.select_related("special__person", "special__estate__community__subdistrict", "unit",
                                         "estate__community__subdistrict", "visitor").filter(pk=visit_id).first() \
        if isinstance(visit_id, int) else None
    if found is None:
        raise NotFound()
    if found.special_id is not None:
        if not rules.may_see_special(fetched_by, found.special):
            raise NotFound()
        _audited(fetched_by, [found.special])
    elif not (fetched_by is None or found.visitor_id == getattr(fetched_by, "pk", None)
              or rules.reads_register(fetched_by, found.estate)):
        raise NotFound()
    return found


def household_visits(*, estate, limit: int = 50) -> list[dict]:
    """入户走访 of an estate: the grid's household visits and the 中心户's (party app), newest first."""
    rows = [{"on": v.on, "unit": v.unit.code, "by": v.visitor.get_full_name() or v.visitor.username,
             "how": v.get_how_display(), "note": v.note or v.needs, "source": "grid", "visit": v}
            for v in Visit.objects.filter(estate=estate, special__isnull=True).select_related("unit", "visitor")[:limit]]
    rows += [{"on": v.on, "unit": v.unit.code, "by": str(v.central.member), "how": "中心户", "note": v.note,
              "source": "party", "visit": None}
             for v in HouseholdVisit.objects.filter(estate=estate).select_related("unit", "central__member__person")[:limit]]
    rows.sort(key=lambda r: r["on"], reverse=True)
    return rows[:limit]


def register_estates(user) -> list[Estate]:
    """The estates whose register the user reads (for their hub page)."""
    if user is None or not user.is_authenticated:
        return []
    return list(scope_for(user).estates(rules.REGISTER_ROLES).order_by("name")[:20])


def patrol_estates(user) -> list[Estate]:
    if user is None or not user.is_authenticated:
        return []
    return list(scope_for(user).estates(rules.PATROL_READER_ROLES).order_by("name")[:20])


def community_for_frequencies(*, fetched_by, community_id):
    from gongzhi.places.models import Community

    qs = scope_for(fetched_by).communities(rules.FREQUENCY_KEEPER_ROLES) if fetched_by is not None \
        else Community.objects.all()
    return get_in_scope(qs, pk=community_id)


# --- the rules library ----------------------------------------------------------------------------------
def _visible_rules(user):
    """Rule documents the user may read: those of the estates they see and of those estates' communities,
    and of the communities they cover (rules are public to the people they govern)."""
    if user is None:
        return RuleDocument.objects.all()
    scope = scope_for(user)
    estates = scope.estates()
    return RuleDocument.objects.filter(
        Q(estate__in=estates) | Q(estate__isnull=True, community__in=estates.values("community_id"))
        | Q(estate__isnull=True, community__in=scope.communities()))


def rules_of_estate(*, fetched_by, estate) -> list[RuleDocument]:
    """The estate's own rules and its community's, each with the version in force today."""
    docs = list(_visible_rules(fetched_by).filter(Q(estate=estate) | Q(estate__isnull=True,
                                                                      community_id=estate.community_id))
                .select_related("estate", "community"))
    today = clock.today()
    for doc in docs:
        doc.in_force = version_in_force(doc, today)
    return docs


def rule_document_get(*, fetched_by, rule_document_id) -> RuleDocument:
    return get_in_scope(_visible_rules(fetched_by).select_related("estate__community__subdistrict", "community"),
                        pk=rule_document_id)


def rule_version_get(*, fetched_by, rule_version_id) -> RuleVersion:
    return get_in_scope(RuleVersion.objects.filter(document__in=_visible_rules(fetched_by))
                        .select_related("document__estate__community__subdistrict", "document__community"),
                        pk=rule_version_id)


def rule_versions(document) -> list[RuleVersion]:
    return list(document.versions.select_related("proposed_by", "vote", "matter", "notice").order_by("-number"))


def version_in_force(document, day: datetime.date) -> RuleVersion | None:
    """The adopted version in force on `day`: the latest adopted one whose date has come."""
    return (document.versions.filter(in_force_from__isnull=False, in_force_from__lte=day)
            .order_by("-in_force_from", "-number").first())


def rule_diff(older: RuleVersion, newer: RuleVersion) -> list[tuple[str, str]]:
    """What changed between two versions, line by line: ("+", line) added, ("-", line) removed,
    (" ", line) unchanged."""
    rows = []
    for line in difflib.ndiff(older.text.splitlines(), newer.text.splitlines()):
        if line[:1] in ("+", "-", " "):
            rows.append((line[:1], line[2:]))
    return rows


def rule_in_force(kind: str, estate, day: datetime.date):
    """The rules library as the code's rule source (core.registry.rule_in_force): the version in force on
    `day` of the estate's own rule of this kind, else of its community's; None when neither has one. Not a
    user's read: the label and link name a public rule and go on the record that follows it."""
    from django.urls import reverse

    from gongzhi.core.registry import RuleInForce

    if estate is None or day is None:
        return None
    if not isinstance(estate, Estate):
        estate = Estate.objects.filter(pk=estate).first()
        if estate is None:
            return None
    adopted = (RuleVersion.objects.filter(document__kind=kind, in_force_from__isnull=False, in_force_from__lte=day)
               .select_related("document").order_by("-in_force_from", "-number", "-pk"))
    version = (adopted.filter(document__estate=estate).first()
               or adopted.filter(document__estate__isnull=True, document__community_id=estate.community_id).first())
    if version is None:
        return None
    label = f"《{version.document.title}》第{version.number}版（{version.in_force_from.isoformat()}施行）"
    url = f"{reverse('grid:rule', args=[version.document_id])}?on={version.in_force_from.isoformat()}"
    return RuleInForce(version_id=version.pk, label=label, url=url)
