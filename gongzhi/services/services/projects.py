"""红色物业项目: the community party organisation opens a project from residents' needs and raises money
and labour (筹资筹劳). A money pledge names the household (a unit the pledger owns or lives in); what is
paid is recorded by the estate's bookkeepers into the estate's journal as common income (finance's
journal service: the estate's account, never a person's). Milestones, disputes and the close are
published in the estate's log (the notices app). 电梯集资: a lift project for one building shares its
budget among the building's households by floor (the ground floor pays nothing; each floor above pays
one more part than the floor below)."""

import datetime
import decimal
import re

from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload
from gongzhi.core.money import fen, yuan
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import clean_text
from gongzhi.finance.rules import may_keep_books
from gongzhi.finance.services import journal
from gongzhi.notices import services as notices
from gongzhi.places.models import Building, Unit
from gongzhi.services import rules
from gongzhi.services.choices import AuditAction, PledgeKind, ProjectKind
from gongzhi.services.models import Dispute, Milestone, MilestonePhoto, Pledge, PledgePayment, Project, ProjectShare
from gongzhi.services.services import photos as photo_files
from gongzhi.votes.services import consultations

OPENER_ONLY = "只有社区党组织（社区书记、社区工作人员）可以办理红色物业项目 / Only the community party organisation runs a project"
TITLE_REQUIRED = "请填写项目名称 / Give the project a title"
UNKNOWN_KIND = "未知的项目类别 / Unknown kind of project"
LIFT_NEEDS_BUILDING = "电梯集资须指定楼栋 / A lift project names its building"
BUILDING_ELSEWHERE = "该楼栋不属于本小区 / The building belongs to another estate"
NO_UPPER_FLOORS = "该楼栋没有二层以上住户，无法分摊 / The building has no households above the ground floor"
CLOSED = "项目“{title}”已结项，不能再{what} / {title} is closed"
NOT_YOUR_UNIT = "只能以自己居住或拥有的房屋认捐 / Pledge for a home you own or live in"
NOT_CONCERNED = "{unit}不在本项目的分摊范围内 / {unit} is not among the households this project concerns"
DAYS_RANGE = "出力须为 0.5 至 365 人·天 / Labour is 0.5 to 365 person-days"
SKILL_REQUIRED = "请填写出力的技能（如：水电、木工、搬运） / Say what skill the labour is"
PAY_MONEY_ONLY = "只有出资认捐可以登记到账 / Only a money pledge is paid"
OVERPAID = "到账金额超过认捐余额 {left} 元 / More than the {left} yuan left of the pledge"
MILESTONE_REQUIRED = "请填写进度事项 / Say what was done"
PROGRESS_RANGE = "完成进度须为 0 至 100 / Progress is 0 to 100"
PROGRESS_BACKWARDS = "完成进度不能低于上次的 {last}% / Progress cannot go below the last {last}%"
DISPUTE_REQUIRED = "请填写异议内容 / Say what the dispute is"
RESOLUTION_REQUIRED = "请填写调解结果 / Say how it was settled"
ALREADY_SETTLED = "该异议已调解 / This dispute is already settled"
OPEN_DISPUTES = "还有 {n} 项异议未调解，不能结项 / {n} disputes are still open"
ACCOUNT_REQUIRED = "请填写决算说明 / Write the final account"
BOOKKEEPER_ONLY = "只有社区记账人员可以登记到账 / Only the estate's bookkeepers record money received"
PAID_IN_FULL = "该认捐已全部到账 / This pledge is paid in full"
CONSULT_BODY_REQUIRED = "请写明征求业主意见的方案 / Describe what the owners are asked"
CONSULT_CLOSES = "截止日期须在今天之后、{days} 天之内 / The closing day is after today and within {days} days"
CONSULT_RUNNING = "本项目的业主意见征询尚未结束 / The owners' consultation on this project is still running"
CONSULT_DAYS = 60
MILESTONE_PHOTOS_MAX = 6


def floor_of(unit: Unit) -> int | None:
    """The floor of a flat numbered building-entrance-room (3-1-201 → 2), or None."""
    match = re.fullmatch(r"\d+-\d+-(\d+)", unit.code)
    return int(match.group(1)) // 100 if match else None


def lift_shares(units: list[Unit], budget: int) -> dict[int, int]:
    """The budget in fen shared by floor: floor f pays f - 1 parts; the last fen go to the top floors, so
    the shares add up to the budget exactly."""
    weights = {u.pk: max((floor_of(u) or 1) - 1, 0) for u in units}
    total = sum(weights.values())
    if not total:
        raise InvalidInput(NO_UPPER_FLOORS, field="building_id")
    shares = {pk: budget * w // total for pk, w in weights.items()}
    left = budget - sum(shares.values())
    for pk in sorted(shares, key=lambda pk: (-weights[pk], pk))[:left]:
        shares[pk] += 1
    return shares


def _publish(actor, project: Project, title: str, body: str) -> None:
    notices.notice_publish(actor, estate_id=project.estate_id, kind="announcement", audience="estate",
                           title=f"红色物业项目·{project.title}：{title}"[:200], body=body)


@transaction.atomic
def project_open(actor, *, estate_id: int, title: str, kind: str, budget, needs: str = "",
                 building_id: int | None = None) -> Project:
    estate = estate_for(actor, estate_id, roles=rules.PROJECT_OPENER_ROLES, denied=OPENER_ONLY)
    title = clean_text(title, 100, TITLE_REQUIRED, field="title")
    if kind not in ProjectKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    value = fen(budget, field="budget")
    building = None
    if building_id is not None:
        building = Building.objects.filter(pk=building_id).first()
        if building is None or building.estate_id != estate.pk:
            raise InvalidInput(BUILDING_ELSEWHERE, field="building_id")
    if kind == ProjectKind.LIFT and building is None:
        raise InvalidInput(LIFT_NEEDS_BUILDING, field="building_id")
    project = Project.objects.create(estate=estate, title=title, kind=kind, budget=value, building=building,
                                     needs=clean_text(needs, 2000, field="needs"), opened_by=actor,
                                     opened_at=clock.now())
    body = f"项目类别：{project.get_kind_display()}。预算 {yuan(value)} 元。{project.needs}"
    if kind == ProjectKind.LIFT:
        units = list(Unit.objects.filter(building=building).order_by("code"))
        shares = lift_shares(units, value)
        ProjectShare.objects.bulk_create(ProjectShare(project=project, unit_id=pk, amount=amount)
                                         for pk, amount in shares.items())
        body += f" 按楼层分摊至{building}的 {len(units)} 户（一层不分摊）。"
    audit_record(actor, AuditAction.PROJECT_OPEN, project, after=snapshot(project))
    _publish(actor, project, "项目成立", body)
    return project


def _project(actor, project_id, *, lock: bool = True) -> Project:
    visible = object_for(actor, Project.objects.all(), project_id, roles=rules.TAKING_PART_ROLES)
    qs = Project.objects.select_related("estate__community__subdistrict")
    return (qs.select_for_update(of=("self",)) if lock else qs).get(pk=visible.pk)


def _open(project: Project, what: str) -> None:
    if project.closed_at is not None:
        raise WrongState(CLOSED.format(title=project.title, what=what))


@transaction.atomic
def pledge_create(actor, *, project_id: int, kind: str, unit_id: int | None = None, amount=None,
                  person_days=None, skill: str = "") -> Pledge:
    """A pledge of money for one's household, or of labour (person-days of a skill)."""
    project = _project(actor, project_id)
    _open(project, "认捐")
    unit = None
    value, days = 0, decimal.Decimal(0)
    if kind == PledgeKind.MONEY:
        mine = scope_for(actor).units().filter(estate=project.estate) if actor is not None else Unit.objects.all()
        unit = mine.filter(pk=unit_id).first() if unit_id is not None else None
        if unit is None:
            raise InvalidInput(NOT_YOUR_UNIT, field="unit_id")
        shares = project.shares.all()
        if shares.exists() and not shares.filter(unit=unit).exists():
            raise InvalidInput(NOT_CONCERNED.format(unit=unit.code), field="unit_id")
        value = fen(amount)
    elif kind == PledgeKind.LABOUR:
        try:
            days = decimal.Decimal(str(person_days)).quantize(decimal.Decimal("0.1"))
        except (decimal.InvalidOperation, ValueError, TypeError):
            raise InvalidInput(DAYS_RANGE, field="person_days") from None
        if not decimal.Decimal("0.5") <= days <= 365:
            raise InvalidInput(DAYS_RANGE, field="person_days")
        skill = clean_text(skill, 60, SKILL_REQUIRED, field="skill")
    else:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    pledge = Pledge.objects.create(project=project, kind=kind, user=actor, unit=unit, amount=value,
                                   person_days=days, skill=skill if kind == PledgeKind.LABOUR else "",
                                   created_at=clock.now())
    audit_record(actor, AuditAction.PLEDGE_CREATE, pledge, after=snapshot(pledge))
    return pledge


def paid(pledge: Pledge) -> int:
    return sum(pledge.payments.values_list("amount", flat=True))


@transaction.atomic
def pledge_payment_record(actor, *, pledge_id: int, amount, date: datetime.date) -> PledgePayment:
    """Money of a pledge received: posted into the estate's journal as common income (the estate's
    bookkeepers, by finance's rule), linked to the pledge."""
    pledge = _pledge(actor, pledge_id)
    project = pledge.project
    if not may_keep_books(actor, project.estate):
        raise PermissionDenied(BOOKKEEPER_ONLY)
    _open(project, "登记到账")
    if pledge.kind != PledgeKind.MONEY:
        raise WrongState(PAY_MONEY_ONLY)
    value = fen(amount)
    left = pledge.amount - paid(pledge)
    if left <= 0:
        raise WrongState(PAID_IN_FULL)
    if value > left:
        raise InvalidInput(OVERPAID.format(left=yuan(left)), field="amount")
    tx = journal.income_record(actor, estate_id=project.estate_id, category="other", amount=yuan(value), date=date,
                               memo=f"红色物业项目“{project.title}”认捐款（{pledge.unit.code}）",
                               payer=pledge.unit.code)
    payment = PledgePayment.objects.create(pledge=pledge, transaction=tx, amount=value, recorded_by=actor)
    audit_record(actor, AuditAction.PLEDGE_PAY, payment, after=snapshot(payment))
    return payment


def _pledge(actor, pledge_id) -> Pledge:
    """The pledge, locked, if the actor sees its project's estate (NotFound otherwise)."""
    qs = Pledge.objects.select_for_update(of=("self",)).select_related("project__estate__community", "unit")
    if actor is not None:
        qs = qs.filter(project__estate__in=scope_for(actor).estates())
    return get_in_scope(qs, pk=pledge_id)


def milestone_record(actor, *, project_id: int, title: str, progress: int,
                     photos: list[Upload] | None = None) -> Milestone:
    """Progress, with photos of it (at most MILESTONE_PHOTOS_MAX), published in the estate's log."""
    seen = _project(actor, project_id, lock=False)
    if not rules.may_steer_project(actor, seen.estate):
        raise PermissionDenied(OPENER_ONLY)
    ready = photo_files.checked(photos, held=0, most=MILESTONE_PHOTOS_MAX)  # decoding: before the transaction
    with photo_files.files_removed_on_failure() as written, transaction.atomic():
        project = _project(actor, project_id)
        _open(project, "记录进度")
        title = clean_text(title, 100, MILESTONE_REQUIRED, field="title")
        if not 0 <= progress <= 100:
            raise InvalidInput(PROGRESS_RANGE, field="progress")
        last = project.milestones.order_by("-recorded_at", "-pk").first()
        if last is not None and progress < last.progress:
            raise InvalidInput(PROGRESS_BACKWARDS.format(last=last.progress), field="progress")
        milestone = Milestone.objects.create(project=project, title=title, progress=progress, recorded_by=actor,
                                             recorded_at=clock.now())
        added = photo_files.save(MilestonePhoto, {"milestone": milestone}, ready, actor, written)
        audit_record(actor, AuditAction.MILESTONE_RECORD, milestone, after=snapshot(milestone) | {"photos": len(added)})
        _publish(actor, project, f"进度 {progress}%", title + (f"（附照片 {len(added)} 张，见项目页）" if added else ""))
    return milestone


@transaction.atomic
def project_consult(actor, *, project_id: int, body: str, closes_on: datetime.date) -> Project:
    """Ask the owners through the votes app's consultation (征求意见): the households of the project's
    building (all the estate's if it names none), open from now to the end of `closes_on`; its result
    shows on the project. One at a time."""
    project = _project(actor, project_id)
    if not rules.may_steer_project(actor, project.estate):
        raise PermissionDenied(OPENER_ONLY)
    _open(project, "征求意见")
    body = clean_text(body, 2000, CONSULT_BODY_REQUIRED, field="body")
    today = clock.today()
    if not today < closes_on <= today + datetime.timedelta(days=CONSULT_DAYS):
        raise InvalidInput(CONSULT_CLOSES.format(days=CONSULT_DAYS), field="closes_on")
    if project.consultation_id is not None and project.consultation.is_open():
        raise WrongState(CONSULT_RUNNING)
    consultation = consultations.consultation_create(
        actor, estate_id=project.estate_id, title=f"红色物业项目：{project.title}", body=body, opens_at=clock.now(),
        closes_at=clock.at(closes_on + clock.ONE_DAY), building_ids=[project.building_id] if project.building_id else [])
    before = snapshot(project, ["consultation"])
    project.consultation = consultation
    project.save(update_fields=["consultation"])
    audit_record(actor, AuditAction.PROJECT_CONSULT, project, before=before, after=snapshot(project, ["consultation"]))
    return project


@transaction.atomic
def dispute_raise(actor, *, project_id: int, text: str) -> Dispute:
    project = _project(actor, project_id)
    _open(project, "提出异议")
    dispute = Dispute.objects.create(project=project, raised_by=actor, raised_at=clock.now(),
                                     text=clean_text(text, 2000, DISPUTE_REQUIRED, field="text"))
    audit_record(actor, AuditAction.DISPUTE_RAISE, dispute, after=snapshot(dispute, ["text"]))
    return dispute


@transaction.atomic
def dispute_settle(actor, *, dispute_id: int, resolution: str) -> Dispute:
    qs = Dispute.objects.all()
    if actor is not None:
        qs = qs.filter(project__estate__in=scope_for(actor).estates())
    found = get_in_scope(qs, pk=dispute_id)
    project = _project(actor, found.project_id)
    if not rules.may_steer_project(actor, project.estate):
        raise PermissionDenied(OPENER_ONLY)
    dispute = Dispute.objects.select_for_update().get(pk=found.pk)
    if dispute.settled_at is not None:
        raise WrongState(ALREADY_SETTLED)
    dispute.resolution = clean_text(resolution, 2000, RESOLUTION_REQUIRED, field="resolution")
    dispute.settled_by, dispute.settled_at = actor, clock.now()
    dispute.save(update_fields=["resolution", "settled_by", "settled_at"])
    audit_record(actor, AuditAction.DISPUTE_SETTLE, dispute, after=snapshot(dispute, ["resolution"]))
    return dispute


@transaction.atomic
def project_close(actor, *, project_id: int, final_account: str) -> Project:
    project = _project(actor, project_id)
    if not rules.may_steer_project(actor, project.estate):
        raise PermissionDenied(OPENER_ONLY)
    _open(project, "结项")
    open_disputes = project.disputes.filter(settled_at__isnull=True).count()
    if open_disputes:
        raise WrongState(OPEN_DISPUTES.format(n=open_disputes))
    project.final_account = clean_text(final_account, 2000, ACCOUNT_REQUIRED, field="final_account")
    project.closed_at = clock.now()
    project.save(update_fields=["final_account", "closed_at"])
    audit_record(actor, AuditAction.PROJECT_CLOSE, project, after=snapshot(project, ["final_account", "closed_at"]))
    received = sum(PledgePayment.objects.filter(pledge__project=project).values_list("amount", flat=True))
    _publish(actor, project, "项目结项", f"认捐到账 {yuan(received)} 元。{project.final_account}")
    return project

