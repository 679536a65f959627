"""Every write of grid work: `<entity>_<verb>(actor, *, ...)`, the rule checked, one transaction, the
audit record.

两巡: a plan's patroller starts a patrol, marks each checkpoint (a QR scan or a tap; a checkpoint
marked twice counts once), records findings with photos, and finishes when every checkpoint is marked;
a finding becomes a request through the requests intake (channel 巡查) with one tap, once. A period of
a plan that ends without a finished patrol is flagged missed by the sweep (jobs.py).
两访: the community registers special populations with their assigned visitor and sets each group's
frequency; the visitor (or the grid worker, the community) records a visit — at home, by phone or
未遇 (which does not count as a visit done) — and its needs become a request or a 三单制 order."""

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.notifications import notify
from gongzhi.core.roles import Role
from gongzhi.core.scoping import holders, scope_for
from gongzhi.core.text import clean_text
from gongzhi.grid import rules, selectors
from gongzhi.grid.choices import AdoptedBy, AuditAction, MarkHow, Patroller, RuleKind, SpecialGroup, VisitHow
from gongzhi.grid.models import (
    Checkpoint,
    Finding,
    FindingPhoto,
    MissedPatrol,
    Patrol,
    PatrolMark,
    PatrolPlan,
    RuleDocument,
    RuleVersion,
    SpecialPerson,
    Visit,
    VisitFrequency,
)
from gongzhi.meetings.models import Decision, Matter
from gongzhi.notices import services as notices
from gongzhi.notices.choices import Audience, NoticeKind
from gongzhi.people.models import Person
from gongzhi.places.models import Building, Community, Estate, Unit
from gongzhi.requests.choices import Category, Channel, OrderKind
from gongzhi.requests.services import intake
from gongzhi.requests.services.orders import order_place
from gongzhi.requests.services.photos import check_photos, files_removed_on_failure
from gongzhi.votes.choices import VoteStatus
from gongzhi.votes.models import Vote

TITLE_REQUIRED = "请填写计划名称 / Give the plan a name"
TOO_LONG = "内容最多 {n} 字 / The text is at most {n} characters"
UNKNOWN_PATROLLER = "巡查方须为网格员或物业 / The patroller is the grid worker or the property company"
EVERY_DAYS_RANGE = "巡查周期须为 1 至 31 天 / A plan's period is 1 to 31 days"
NOT_A_DATE = "日期格式不正确 / Not a valid date"
ASSIGNEE_WRONG = ("巡查人须为本小区的{role} / The patroller must be this estate's {role_en}")
CHECKPOINT_NAME_REQUIRED = "请填写点位名称 / Name the checkpoint"
BUILDING_NOT_HERE = "楼栋不属于该小区 / The building is not in this estate"
PLAN_STOPPED = "该巡查计划已停用 / This plan is no longer in use"
PLAN_NOT_STARTED = "该巡查计划尚未开始（{day} 起） / This plan starts on {day}"
NO_CHECKPOINTS = "该巡查计划还没有点位 / This plan has no checkpoints yet"
PATROL_FINISHED = "该次巡查已完成 / This patrol is finished"
CHECKPOINT_NOT_ON_ROUTE = "该点位不在本次巡查路线上 / The checkpoint is not on this patrol's route"
UNMARKED_LEFT = "还有 {n} 个点位未打卡：{names} / {n} checkpoint(s) not marked yet: {names}"
FINDING_REQUIRED = "请描述发现的问题 / Describe what you found"
ALREADY_RAISED = "已转为诉求（编号 {id}） / Already a request (no. {id})"
ALREADY_ORDERED = "已转为点单（编号 {id}） / Already an order (no. {id})"
UNKNOWN_CATEGORY = "未知的诉求类别 / Unknown request category"
UNKNOWN_GROUP = "未知的人群类别 / Unknown group"
FREQUENCY_RANGE = "走访周期须为 1 至 365 天 / Visits are 1 to 365 days apart"
PERSON_UNKNOWN = "未找到该人员 / No such person"
UNIT_NOT_HERE = "房屋不属于该小区 / The unit is not in this estate"
VISITOR_WRONG = ("走访责任人须为本小区的网格员、社区工作人员、党员、楼栋长或志愿者 / The visitor must be this "
                 "estate's grid worker, community staff, a party member, building head or volunteer")
ALREADY_REGISTERED = "该人员已在“{group}”名册中 / This person is already on the register in this group"
UNKNOWN_HOW = "走访方式须为入户、电话或未遇 / A visit is at home, by phone or 未遇"
VISIT_IN_FUTURE = "走访日期不能晚于今天 / A visit cannot be dated after today"
VISIT_TOO_EARLY = "走访日期不能早于登记日期 {day} / A visit cannot be dated before registration on {day}"
NOT_VISITOR = "只有走访责任人、网格员或社区工作人员可以记录走访 / Only the assigned visitor, grid worker or community staff record visits"
NO_NEEDS = "该次走访没有记录需求 / This visit recorded no needs"
FINDING_PATROL_DONE = "巡查已完成，不能再记录发现 / The patrol is finished; no more findings"

PATROLLER_NAMES = {Patroller.GRID: ("网格员", "grid worker"), Patroller.PROPERTY: ("物业人员", "property staff")}
PHOTOS_MAX = 6


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(NOT_A_DATE, field=field)


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- 两巡: plans and checkpoints ------------------------------------------------------------------------
def patrol_plan_create(actor, *, estate_id: int, title: str, patroller: str, every_days: int, starts_on=None,
                       assignee_id: int | None = None, checkpoints: list[str] | None = None) -> PatrolPlan:
    """A plan with its route (checkpoint names in order; more can be added)."""
    if patroller not in Patroller.values:
        raise InvalidInput(UNKNOWN_PATROLLER, field="patroller")
    estate = estate_for(actor, estate_id, roles=rules.PATROL_READER_ROLES | rules.PLAN_KEEPER_ROLES,
                        denied=rules.NOT_PLAN_KEEPER)
    if not rules.may_keep_plan(actor, estate, patroller):
        raise PermissionDenied(rules.NOT_PLAN_KEEPER)
    title = clean_text(title, 60, TITLE_REQUIRED, TOO_LONG, field="title")
    if _int(every_days) is None or not 1 <= every_days <= 31:
        raise InvalidInput(EVERY_DAYS_RANGE, field="every_days")
    starts_on = _date(starts_on, "starts_on") if starts_on not in (None, "") else clock.today()
    names = [clean_text(n, 60, None, TOO_LONG, field="checkpoints") for n in (checkpoints or [])]
    names = [n for n in names if n]
    if assignee_id is not None:
        roles = rules.GRID_PATROL_ROLES if patroller == Patroller.GRID else rules.PROPERTY_PATROL_ROLES
        if _int(assignee_id) is None or assignee_id not in holders(roles, estate):
            zh, en = PATROLLER_NAMES[patroller]
            raise InvalidInput(ASSIGNEE_WRONG.format(role=zh, role_en=en), field="assignee_id")
    with transaction.atomic():
        plan = PatrolPlan.objects.create(estate=estate, title=title, patroller=patroller, every_days=every_days,
                                         starts_on=starts_on, assignee_id=assignee_id,
                                         created_by=actor if actor is not None else None)
        Checkpoint.objects.bulk_create([Checkpoint(plan=plan, estate=estate, position=i, name=n)
                                        for i, n in enumerate(names, 1)])
        audit_record(actor, AuditAction.PLAN_CREATE, plan, after={**snapshot(plan), "checkpoints": names})
    return plan


def _plan_kept(actor, patrol_plan_id) -> PatrolPlan:
    plan = selectors.plan_get(fetched_by=actor, patrol_plan_id=patrol_plan_id)
    if not rules.may_keep_plan(actor, plan.estate, plan.patroller):
        raise PermissionDenied(rules.NOT_PLAN_KEEPER)
    return plan


def checkpoint_add(actor, *, patrol_plan_id: int, name: str, building_id: int | None = None) -> Checkpoint:
    """One more stop at the end of the route: a building (named after it unless named) or a facility."""
    plan = _plan_kept(actor, patrol_plan_id)
    building = None
    if building_id is not None:
        building = Building.objects.filter(pk=building_id, estate=plan.estate).first() if _int(building_id) else None
        if building is None:
            raise InvalidInput(BUILDING_NOT_HERE, field="building_id")
    name = clean_text(name, 60, None if building else CHECKPOINT_NAME_REQUIRED, TOO_LONG, field="name") \
        or f"{building.code}号楼"
    with transaction.atomic():
        PatrolPlan.objects.select_for_update().get(pk=plan.pk)  # two keepers adding at once: positions in turn
        last = plan.checkpoints.order_by("-position").values_list("position", flat=True).first() or 0
        checkpoint = Checkpoint.objects.create(plan=plan, estate=plan.estate, position=last + 1, name=name,
                                               building=building)
        audit_record(actor, AuditAction.CHECKPOINT_ADD, checkpoint, after=snapshot(checkpoint))
    return checkpoint


def patrol_plan_stop(actor, *, patrol_plan_id: int) -> PatrolPlan:
    plan = _plan_kept(actor, patrol_plan_id)
    with transaction.atomic():
        plan = PatrolPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.active:
            plan.active = False
            plan.save(update_fields=["active"])
            audit_record(actor, AuditAction.PLAN_STOP, plan, before={"active": True}, after={"active": False})
    return plan


# --- 两巡: the patrol on the phone ---------------------------------------------------------------------
def patrol_start(actor, *, patrol_plan_id: int) -> Patrol:
    """Start walking the plan; a second tap while a patrol is open returns that patrol."""
    plan = selectors.plan_get(fetched_by=actor, patrol_plan_id=patrol_plan_id)
    if not rules.may_patrol(actor, plan):
        raise PermissionDenied(rules.NOT_PATROLLER)
    today = clock.today()
    if not plan.active:
        raise WrongState(PLAN_STOPPED)
    if today < plan.starts_on:
        raise WrongState(PLAN_NOT_STARTED.format(day=plan.starts_on.isoformat()))
    if not plan.checkpoints.exists():
        raise WrongState(NO_CHECKPOINTS)
    open_now = Patrol.objects.filter(plan=plan, patroller=actor, finished_at__isnull=True).first()
    if open_now is not None:
        return open_now
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(plan=plan, estate=plan.estate, patroller=actor,
                                           period_start=selectors.period_of(plan, today)[0], started_at=clock.now())
            audit_record(actor, AuditAction.PATROL_START, patrol, after=snapshot(patrol))
    except IntegrityError:  # the same person's second tap, at once: theirs is the one already open
        return Patrol.objects.get(plan=plan, patroller=actor, finished_at__isnull=True)
    return patrol


def _own_open_patrol(actor, patrol_id) -> Patrol:
    patrol = selectors.patrol_get(fetched_by=actor, patrol_id=patrol_id)
    if actor is not None and patrol.patroller_id != actor.pk:
        raise PermissionDenied(rules.NOT_PATROL_OWNER)
    return patrol


def patrol_mark(actor, *, patrol_id: int, checkpoint_id: int, how: str = MarkHow.TAP) -> PatrolMark:
    """Mark a checkpoint of the route; marked twice (a second scan, a double tap) it counts once."""
    patrol = _own_open_patrol(actor, patrol_id)
    if how not in MarkHow.values:
        how = MarkHow.TAP
    checkpoint = patrol.plan.checkpoints.filter(pk=checkpoint_id).first() if _int(checkpoint_id) else None
    if checkpoint is None:
        raise InvalidInput(CHECKPOINT_NOT_ON_ROUTE, field="checkpoint_id")
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if patrol.finished_at is not None:
            raise WrongState(PATROL_FINISHED)
        mark, created = PatrolMark.objects.get_or_create(
            patrol=patrol, checkpoint=checkpoint,
            defaults={"estate_id": patrol.estate_id, "how": how, "marked_at": clock.now()})
        if created:
            audit_record(actor, AuditAction.PATROL_MARK, mark, after=snapshot(mark))
    return mark


def checkpoint_scan(actor, *, checkpoint_id: int) -> PatrolMark:
    """What the checkpoint's QR code opens: marks it in the scanner's open patrol of its plan, starting
    that patrol first when none is open."""
    checkpoint = selectors.checkpoint_get(fetched_by=actor, checkpoint_id=checkpoint_id)
    patrol = patrol_start(actor, patrol_plan_id=checkpoint.plan_id)
    return patrol_mark(actor, patrol_id=patrol.pk, checkpoint_id=checkpoint.pk, how=MarkHow.QR)


def patrol_finish(actor, *, patrol_id: int) -> Patrol:
    """Done when every checkpoint of the route is marked."""
    _own_open_patrol(actor, patrol_id)
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().select_related("plan").get(pk=patrol_id)
        if patrol.finished_at is not None:
            raise WrongState(PATROL_FINISHED)
        marked = set(patrol.marks.values_list("checkpoint_id", flat=True))
        left = [c.name for c in patrol.plan.checkpoints.order_by("position") if c.pk not in marked]
        if left:
            raise InvalidInput(UNMARKED_LEFT.format(n=len(left), names="、".join(left[:5])))
        patrol.finished_at = clock.now()
        patrol.save(update_fields=["finished_at"])
        audit_record(actor, AuditAction.PATROL_FINISH, patrol, after={"finished_at": patrol.finished_at.isoformat()})
    return patrol


def finding_record(actor, *, patrol_id: int, note: str, checkpoint_id: int | None = None,
                   photos: list[Upload] | None = None) -> Finding:
    """A finding of the open patrol, with photos (normalised as a request's: upright JPEG, no EXIF or GPS)."""
    patrol = _own_open_patrol(actor, patrol_id)
    if patrol.finished_at is not None:
        raise WrongState(FINDING_PATROL_DONE)
    note = clean_text(note, 1000, FINDING_REQUIRED, TOO_LONG, field="note")
    checkpoint = None
    if checkpoint_id is not None:
        checkpoint = patrol.plan.checkpoints.filter(pk=checkpoint_id).first() if _int(checkpoint_id) else None
        if checkpoint is None:
            raise InvalidInput(CHECKPOINT_NOT_ON_ROUTE, field="checkpoint_id")
    checked = check_photos(photos or [])  # decoding takes time: before the transaction
    with files_removed_on_failure() as written, transaction.atomic():
        finding = Finding.objects.create(patrol=patrol, estate=patrol.estate, checkpoint=checkpoint, note=note,
                                         created_by=actor, created_at=clock.now())
        for photo, kind in checked:
            row = FindingPhoto(finding=finding, estate=patrol.estate, content_type=kind)
            row.file.save(f"{hashlib.sha256(photo.data).hexdigest()[:20]}.jpg", ContentFile(photo.data), save=False)
            written.append(row.file)
            row.save()
        audit_record(actor, AuditAction.FINDING_RECORD, finding, after={**snapshot(finding), "photos": len(checked)})
    return finding


def finding_raise(actor, *, finding_id: int, category: str, emergency: bool = False):
    """The finding becomes a request (channel 巡查) with its photos and place, once."""
    found = selectors.finding_get(fetched_by=actor, finding_id=finding_id)
    if not rules.may_raise_finding(actor, found.estate):
        raise PermissionDenied(rules.NOT_RAISER)
    if category not in Category.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    photos = []
    for p in found.photos.all():
        with p.file.open("rb") as f:
            photos.append(Upload(p.file.name.rsplit("/", 1)[-1], f.read()))
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=found.pk)
        if finding.request_id is not None:
            raise WrongState(ALREADY_RAISED.format(id=finding.request_id))
        checkpoint = found.checkpoint
        req = intake.request_submit(actor, intake.Intake(
            estate_id=finding.estate_id, category=category, description=finding.note, channel=Channel.PATROL,
            building_id=checkpoint.building_id if checkpoint else None,
            place_text=checkpoint.name if checkpoint else "", emergency=bool(emergency), photos=photos))
        finding.request = req
        finding.save(update_fields=["request"])
        audit_record(actor, AuditAction.FINDING_RAISE, finding, after={"request": req.pk})
    return req


def missed_patrols_flag(actor=None, *, today: datetime.date | None = None, lookback_days: int = 62) -> int:
    """Flag each ended period of an active plan without a finished patrol (漏巡), once; tell the plan's
    patroller and the community. Safe to run twice or on two machines at once."""
    today = today or clock.today()
    flagged = 0
    for plan in PatrolPlan.objects.filter(active=True, starts_on__lt=today).select_related(
            "estate__community__subdistrict"):
        start = max(plan.starts_on, today - datetime.timedelta(days=lookback_days))
        start = selectors.period_of(plan, start)[0]
        if start < plan.starts_on:
            start = plan.starts_on
        done = set(plan.patrols.filter(finished_at__isnull=False).values_list("period_start", flat=True))
        known = set(plan.missed.values_list("period_start", flat=True))
        period = start
        while period + datetime.timedelta(days=plan.every_days) <= today:
            end = period + datetime.timedelta(days=plan.every_days)
            if period not in done and period not in known:
                try:
                    with transaction.atomic():
                        missed = MissedPatrol.objects.create(plan=plan, estate=plan.estate, period_start=period,
                                                             period_end=end - datetime.timedelta(days=1))
                        audit_record(actor, AuditAction.PATROL_MISSED, missed, after=snapshot(missed))
                        told = {plan.assignee_id} if plan.assignee_id else holders(
                            rules.GRID_PATROL_ROLES if plan.patroller == Patroller.GRID
                            else rules.PROPERTY_PATROL_ROLES, plan.estate)
                        told |= holders({Role.COMMUNITY_STAFF}, plan.estate)
                        notify(told, title=f"漏巡：{plan.estate.name} {plan.title}",
                               body=f"{missed.period_start:%m-%d}–{missed.period_end:%m-%d} 未完成巡查",
                               link=f"/patrol-plans/{plan.pk}/")
                    flagged += 1
                except IntegrityError:
                    pass  # another run flagged it first
            period = end
    return flagged


# --- 两访 -------------------------------------------------------------------------------------------------
def visit_frequency_set(actor, *, community_id: int, group: str, every_days: int) -> VisitFrequency:
    if group not in SpecialGroup.values:
        raise InvalidInput(UNKNOWN_GROUP, field="group")
    community = selectors.community_for_frequencies(fetched_by=actor, community_id=community_id)
    if not rules.may_keep_frequencies(actor, community.pk):
        raise PermissionDenied(rules.NOT_FREQUENCY_KEEPER)
    if _int(every_days) is None or not 1 <= every_days <= 365:
        raise InvalidInput(FREQUENCY_RANGE, field="every_days")
    with transaction.atomic():
        row = VisitFrequency.objects.select_for_update().filter(community=community, group=group).first()
        before = snapshot(row) if row else None
        if row is None:
            row = VisitFrequency.objects.create(community=community, group=group, every_days=every_days)
        else:
            row.every_days = every_days
            row.save(update_fields=["every_days"])
        audit_record(actor, AuditAction.VISIT_FREQUENCY_SET, row, before=before, after=snapshot(row))
    return row


def special_person_add(actor, *, estate_id: int, person_id: int, group: str, visitor_id: int,
                       unit_id: int | None = None, note: str = "", since=None) -> SpecialPerson:
    """Put a person on the register in a group, with the visitor who answers for their visits."""
    estate = selectors.register_estate(fetched_by=actor, estate_id=estate_id)
    if group not in SpecialGroup.values:
        raise InvalidInput(UNKNOWN_GROUP, field="group")
    person = Person.objects.filter(pk=person_id).first() if _int(person_id) else None
    if person is None or (actor is not None and not scope_for(actor).persons_among([person.pk]).exists()):
        raise InvalidInput(PERSON_UNKNOWN, field="person_id")
    unit = None
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, estate=estate).first() if _int(unit_id) else None
        if unit is None:
            raise InvalidInput(UNIT_NOT_HERE, field="unit_id")
    if _int(visitor_id) is None or visitor_id not in holders(rules.VISITOR_ROLES, estate):
        raise InvalidInput(VISITOR_WRONG, field="visitor_id")
    note = clean_text(note, 500, None, TOO_LONG, field="note")
    since = _date(since, "since") if since not in (None, "") else clock.today()
    try:
        with transaction.atomic():
            special = SpecialPerson.objects.create(person=person, estate=estate, unit=unit, group=group,
                                                   visitor_id=visitor_id, note=note, since=since, added_by=actor)
            audit_record(actor, AuditAction.SPECIAL_PERSON_ADD, special, after=snapshot(special))
            notify([visitor_id], title="新的走访对象", body=f"{estate.name} {unit.code if unit else ''}".strip(),
                   link=f"/special-people/{special.pk}/")
    except IntegrityError:
        raise WrongState(ALREADY_REGISTERED.format(group=SpecialGroup(group).label)) from None
    return special


def special_person_end(actor, *, special_person_id: int) -> SpecialPerson:
    """Take a person off the register (moved away, no longer in need); their visits stay on record."""
    special = selectors.special_get(fetched_by=actor, special_person_id=special_person_id)
    if not rules.reads_register(actor, special.estate):
        raise PermissionDenied(NOT_VISITOR)
    with transaction.atomic():
        special = SpecialPerson.objects.select_for_update().get(pk=special.pk)
        if special.active:
            special.active = False
            special.save(update_fields=["active"])
            audit_record(actor, AuditAction.SPECIAL_PERSON_END, special, before={"active": True}, after={"active": False})
    return special


def _visit_fields(on, how, needs, note, *, earliest: datetime.date | None = None) -> dict:
    on = _date(on, "on") if on not in (None, "") else clock.today()
    if on > clock.today():
        raise InvalidInput(VISIT_IN_FUTURE, field="on")
    if earliest is not None and on < earliest:
        raise InvalidInput(VISIT_TOO_EARLY.format(day=earliest.isoformat()), field="on")
    if how not in VisitHow.values:
        raise InvalidInput(UNKNOWN_HOW, field="how")
    return {"on": on, "how": how, "needs": clean_text(needs, 1000, None, TOO_LONG, field="needs"),
            "note": clean_text(note, 500, None, TOO_LONG, field="note")}


def visit_record(actor, *, special_person_id: int, how: str, on=None, needs: str = "", note: str = "") -> Visit:
    """A visit to a person on the register; someone outside the visitor's assignment is not found."""
    special = selectors.special_get(fetched_by=actor, special_person_id=special_person_id)
    if not special.active:
        raise NotFound()
    fields = _visit_fields(on, how, needs, note, earliest=special.since)
    with transaction.atomic():
        visit = Visit.objects.create(estate=special.estate, special=special, unit=special.unit, visitor=actor,
                                     recorded_at=clock.now(), **fields)
        audit_record(actor, AuditAction.VISIT_RECORD, visit, after=snapshot(visit))
    return visit


def home_visit_record(actor, *, estate_id: int, unit_id: int, how: str, on=None, needs: str = "",
                      note: str = "") -> Visit:
    """入户走访 of a household by the grid worker or the community (中心户 record theirs in the party app)."""
    estate = selectors.register_estate(fetched_by=actor, estate_id=estate_id)
    unit = Unit.objects.filter(pk=unit_id, estate=estate).first() if _int(unit_id) else None
    if unit is None:
        raise InvalidInput(UNIT_NOT_HERE, field="unit_id")
    fields = _visit_fields(on, how, needs, note)
    with transaction.atomic():
        visit = Visit.objects.create(estate=estate, unit=unit, visitor=actor, recorded_at=clock.now(), **fields)
        audit_record(actor, AuditAction.VISIT_RECORD, visit, after=snapshot(visit))
    return visit


def _visit_for_needs(actor, visit_id) -> Visit:
    visit = selectors.visit_get(fetched_by=actor, visit_id=visit_id)
    if not visit.needs:
        raise WrongState(NO_NEEDS)
    return visit


def visit_raise(actor, *, visit_id: int, category: str) -> object:
    """The visit's needs become a request (channel 来访, the visited household as its contact), once.
    The request says nothing of the person's group."""
    visit = _visit_for_needs(actor, visit_id)
    if not rules.may_raise_visit(actor, visit.estate):
        raise PermissionDenied(intake.CHANNEL_NOT_ALLOWED)
    if category not in Category.values:
        raise InvalidInput(UNKNOWN_CATEGORY, field="category")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.request_id is not None:
            raise WrongState(ALREADY_RAISED.format(id=locked.request_id))
        contact = visit.special.person.name if visit.special_id else f"{visit.unit.code}住户"
        req = intake.request_submit(actor, intake.Intake(
            estate_id=visit.estate_id, category=category, description=visit.needs, channel=Channel.VISIT,
            unit_id=visit.unit_id, contact_name=contact[:100]))
        locked.request = req
        locked.save(update_fields=["request"])
        audit_record(actor, AuditAction.VISIT_RAISE, locked, after={"request": req.pk})
    return req


def visit_order(actor, *, visit_id: int, title: str = "") -> object:
    """The visit's needs become a 三单制 order (点单) the community dispatches to party members and
    volunteers, once."""
    visit = _visit_for_needs(actor, visit_id)  # whoever may see the visit may ask for help
    title = clean_text(title, 200, None, TOO_LONG, field="title") or visit.needs[:200]
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.order_id is not None:
            raise WrongState(ALREADY_ORDERED.format(id=locked.order_id))
        place = visit.unit.code if visit.unit_id else ""
        order = order_place(actor, estate_id=visit.estate_id, kind=OrderKind.SERVICE, title=title,
                            description=f"走访发现：{place} {visit.needs}".strip(),
                            building_id=visit.unit.building_id if visit.unit_id else None)
        locked.order = order
        locked.save(update_fields=["order"])
        audit_record(actor, AuditAction.VISIT_ORDER, locked, after={"order": order.pk})
    return order


# --- the rules library ----------------------------------------------------------------------------------------
UNKNOWN_RULE_KIND = "未知的规则类别 / Unknown kind of rule"
RULE_TITLE_REQUIRED = "请填写规则名称 / Give the rule a name"
RULE_TEXT_REQUIRED = "请填写条文 / Give the rule's text"
RULE_PLACE_REQUIRED = "请选择小区或社区 / Choose an estate or a community"
ESTATE_RULE_ONLY = "{kind}属于小区，请选择小区 / A {kind_en} belongs to an estate"
UNKNOWN_ADOPTION = "通过方式须为业主大会表决、会议议定或社区确定 / Adopted by an owners' vote, a meeting or the community"
VOTE_NOT_PASSED = ("所选表决不属于本小区或未获通过 / The vote is not this estate's, or it did not pass")
MATTER_NOT_HERE = "所选议题不属于本小区或社区 / The matter is not this estate's or community's"
MATTER_NOT_DECIDED = ("所选议题尚未经会议议定通过 / The matter has not been decided (passed) at a meeting")
COMMUNITY_ADOPTS_ITS_OWN = "小区规则须经业主大会表决或会议议定 / An estate's rule is adopted by a vote or a meeting"
VOTE_FOR_ESTATE_RULES = "社区规则不经业主大会表决 / A community's rule is not adopted by an owners' vote"
ALREADY_ADOPTED = "该版本已于 {day} 施行 / This version is in force since {day}"
IN_FORCE_BEFORE_LAST = ("施行日期不能早于现行版本的施行日期 {day} / It cannot come into force before the version "
                        "in force ({day})")
RULE_TEXT_MAX = 20000
ESTATE_KINDS = frozenset({RuleKind.SCHEME, RuleKind.MANAGEMENT, RuleKind.ASSEMBLY, RuleKind.COMMITTEE})
# An estate's rules the community may adopt itself: the residents' convention (居民会议 under the community),
# the 印章管理制度 (the seals are in the community's 代管箱) and the committee members' 九不准 (the community
# supervises the committee). The owners' own rules need their vote or a meeting.
COMMUNITY_ADOPTABLE = frozenset({RuleKind.CONVENTION, RuleKind.SEALS, RuleKind.CONDUCT})


def rule_document_create(actor, *, kind: str, title: str, text: str, change_note: str = "",
                         estate_id: int | None = None, community_id: int | None = None) -> RuleDocument:
    """A new rule with its first version as a draft."""
    if kind not in RuleKind.values:
        raise InvalidInput(UNKNOWN_RULE_KIND, field="kind")
    if estate_id is not None:
        estate = Estate.objects.filter(pk=estate_id).first() if _int(estate_id) else None
        if estate is None or (actor is not None and not scope_for(actor).estates().filter(pk=estate.pk).exists()):
            raise NotFound()
        document = RuleDocument(community_id=estate.community_id, estate=estate, kind=kind)
    elif community_id is not None:
        community = Community.objects.filter(pk=community_id).first() if _int(community_id) else None
        scope = scope_for(actor) if actor is not None else None
        if community is None or not (scope is None or scope.communities().filter(pk=community.pk).exists()
                                     or scope.estates().filter(community=community).exists()):
            raise NotFound()
        if kind in ESTATE_KINDS:
            label = RuleKind(kind).label
            raise InvalidInput(ESTATE_RULE_ONLY.format(kind=label, kind_en=kind), field="estate_id")
        document = RuleDocument(community=community, kind=kind)
    else:
        raise InvalidInput(RULE_PLACE_REQUIRED, field="estate_id")
    if not rules.may_draft_rule(actor, document):
        raise PermissionDenied(rules.NOT_RULE_KEEPER)
    document.title = clean_text(title, 100, RULE_TITLE_REQUIRED, TOO_LONG, field="title")
    text = clean_text(text, RULE_TEXT_MAX, RULE_TEXT_REQUIRED, TOO_LONG, field="text")
    change_note = clean_text(change_note, 500, None, TOO_LONG, field="change_note")
    with transaction.atomic():
        document.save()
        version = RuleVersion.objects.create(document=document, number=1, text=text, change_note=change_note,
                                             proposed_by=actor)
        audit_record(actor, AuditAction.RULE_CREATE, document, after={**snapshot(document), "version": version.pk})
    return document


def rule_version_propose(actor, *, rule_document_id: int, text: str, change_note: str) -> RuleVersion:
    """A revision: the next numbered version, a draft until adopted."""
    document = selectors.rule_document_get(fetched_by=actor, rule_document_id=rule_document_id)
    if not rules.may_draft_rule(actor, document):
        raise PermissionDenied(rules.NOT_RULE_KEEPER)
    text = clean_text(text, RULE_TEXT_MAX, RULE_TEXT_REQUIRED, TOO_LONG, field="text")
    change_note = clean_text(change_note, 500, None, TOO_LONG, field="change_note")
    with transaction.atomic():
        RuleDocument.objects.select_for_update().get(pk=document.pk)  # two drafters at once: numbers in turn
        last = document.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = RuleVersion.objects.create(document=document, number=last + 1, text=text,
                                             change_note=change_note, proposed_by=actor)
        audit_record(actor, AuditAction.RULE_PROPOSE, version, after=snapshot(version))
    return version


def rule_version_adopt(actor, *, rule_version_id: int, adopted_by: str, in_force_from=None,
                       vote_id: int | None = None, matter_id: int | None = None) -> RuleVersion:
    """Adopt a version — by the owners' vote that passed it, the meeting matter that settled it, or (a
    community's rule) the community — in force from a date, published through the log."""
    version = selectors.rule_version_get(fetched_by=actor, rule_version_id=rule_version_id)
    document = version.document
    if not rules.may_adopt_rule(actor, document):
        raise PermissionDenied(rules.NOT_RULE_ADOPTER)
    if adopted_by not in AdoptedBy.values:
        raise InvalidInput(UNKNOWN_ADOPTION, field="adopted_by")
    vote = matter = None
    if adopted_by == AdoptedBy.VOTE:
        if document.estate_id is None:
            raise InvalidInput(VOTE_FOR_ESTATE_RULES, field="adopted_by")
        vote = Vote.objects.filter(pk=vote_id, estate_id=document.estate_id).first() if _int(vote_id) else None
        if vote is None or vote.status != VoteStatus.CLOSED or not vote.passed:
            raise InvalidInput(VOTE_NOT_PASSED, field="vote_id")
    elif adopted_by == AdoptedBy.MATTER:
        matter = Matter.objects.filter(pk=matter_id).first() if _int(matter_id) else None
        # the estate's own matter, or one of its community's (a community's rule: the community's only)
        here = matter is not None and (
            (document.estate_id is not None and matter.estate_id == document.estate_id)
            or (matter.estate_id is None and matter.community_id == document.community_id))
        if not here:
            raise InvalidInput(MATTER_NOT_HERE, field="matter_id")
        if not Decision.objects.filter(matter=matter, passed=True).exists():
            raise InvalidInput(MATTER_NOT_DECIDED, field="matter_id")
    elif document.estate_id is not None and document.kind not in COMMUNITY_ADOPTABLE:
        # an estate's convention is the residents' (居民会议 under the community); its other rules the owners'
        raise InvalidInput(COMMUNITY_ADOPTS_ITS_OWN, field="adopted_by")
    day = _date(in_force_from, "in_force_from") if in_force_from not in (None, "") else clock.today()
    with transaction.atomic():
        RuleDocument.objects.select_for_update().get(pk=document.pk)
        version = RuleVersion.objects.select_for_update().get(pk=version.pk)
        if version.in_force_from is not None:
            raise WrongState(ALREADY_ADOPTED.format(day=version.in_force_from.isoformat()))
        current = selectors.version_in_force(document, datetime.date.max)
        if current is not None and day < current.in_force_from:
            raise InvalidInput(IN_FORCE_BEFORE_LAST.format(day=current.in_force_from.isoformat()), field="in_force_from")
        how = AdoptedBy(adopted_by).label + (f"（{vote.title}）" if vote else f"（{matter.title}）" if matter else "")
        notice = notices.notice_publish(
            actor, kind=NoticeKind.ANNOUNCEMENT,
            audience=Audience.ESTATE if document.estate_id else Audience.COMMUNITY,
            title=f"{document.title}（第{version.number}版）",
            body=f"{how}，自{day:%Y年%m月%d日}起施行。\n\n{version.text}"[:notices.BODY_MAX],
            estate_id=document.estate_id, community_id=None if document.estate_id else document.community_id,
            issuer=document.estate.name if document.estate_id else document.community.name)
        version.adopted_by, version.vote, version.matter = adopted_by, vote, matter
        version.in_force_from, version.notice = day, notice
        version.save(update_fields=["adopted_by", "vote", "matter", "in_force_from", "notice"])
        audit_record(actor, AuditAction.RULE_ADOPT, version, after=snapshot(version))
    return version
