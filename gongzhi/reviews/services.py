"""Every write of holding service to account: evaluations (create, owners' answers, offline groups,
publish), interviews with their rectification items (report, check, replacement), and the 红黑榜's due
process (record, object, review, expire). Each checks its rule, runs in one transaction, locks the row
two people can race on, leaves an audit record and publishes in the log what the issue asks for."""

import datetime
import hashlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.bodies import services as bodies
from gongzhi.bodies.choices import OrgKind
from gongzhi.bodies.models import COMPANY_KINDS, Organisation, ServiceContract
from gongzhi.core import clock
from gongzhi.core.access import estate_for, object_for
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import GongzhiError, InvalidInput, NotFound, PermissionDenied, WrongState
from gongzhi.core.figures import Place, parse_place, place_get
from gongzhi.core.files import Upload
from gongzhi.core.notifications import notify
from gongzhi.core.registry import rule_in_force
from gongzhi.core.roles import Role
from gongzhi.core.scoping import holders, scope_for
from gongzhi.core.text import clean_text
from gongzhi.finance.services import audits as finance_audits
from gongzhi.notices import services as notices
from gongzhi.people.models import Ownership, Residency
from gongzhi.places.models import Community, Subdistrict, Unit
from gongzhi.requests.services.photos import check_photos, files_removed_on_failure
from gongzhi.reviews import rules, selectors
from gongzhi.reviews.choices import (
    AuditAction,
    CaseStatus,
    EntryKind,
    EntryStatus,
    EvaluationKind,
    EvaluationStatus,
    GroupKind,
    InterviewReason,
    InterviewStatus,
    ItemStatus,
    MediationKind,
    MediationStatus,
    Scale,
)
from gongzhi.reviews.models import (
    ConductCase,
    ConductRules,
    Evaluation,
    EvaluationItem,
    Interview,
    ListEntry,
    Mediation,
    OfflineGroup,
    Ranking,
    Rectification,
    RectificationReport,
    RenewalDecision,
    ReportPhoto,
    Response,
)
from gongzhi.votes import services as votes

ORGANISER_ONLY = "只有社区、街道可以组织评议和约谈 / Only the community or subdistrict organises evaluations and interviews"
TITLE_REQUIRED = "请填写评议名称 / Name the evaluation"
UNKNOWN_KIND = "未知的评议类别 / Unknown kind of evaluation"
UNKNOWN_SCALE = "未知的评分方式 / Unknown scale"
NOT_SERVING = "该企业没有为本小区提供服务（无服务合同） / The company has no contract with this estate"
PERIOD_ORDER = "评议期结束日不能早于开始日 / The period cannot end before it starts"
CLOSES_IN_PAST = "截止时间须晚于现在 / The evaluation must close in the future"
ITEMS_REQUIRED = "评议项目须有 1 至 {n} 项 / Give 1 to {n} items"
ITEM_NAME = "请填写每个评议项目的名称（最多 40 字） / Name every item (at most 40 characters)"
ITEM_TWICE = "评议项目“{name}”重复 / The item {name} is listed twice"
WEIGHT_RANGE = "权重须为 {low} 至 100 的整数 / A weight is a whole number from {low} to 100"
PARTS_WEIGHTS = "问卷、诉求、收费率的权重不能都为 0 / The survey, requests and fee weights cannot all be 0"
THRESHOLD_RANGE = "约谈线须为 0 至 100 分 / The threshold is 0 to 100 points"
NOT_OPEN = "评议已截止或已公布结果 / The evaluation is closed or published"
NOT_YOUR_UNIT = "您不是该房屋的业主，不能代为评议 / Only an owner of the unit answers for it"
ALREADY_ANSWERED = "房屋 {unit} 已经评议过，每户只能评议一次 / The unit {unit} has already answered; one answer per unit"
SCORES_INCOMPLETE = "请为每个评议项目打分（1–5） / Score every item (1–5)"
GROUP_NAME = "请填写评议组名称（如：区住建局、双报到单位、业主代表） / Name the group"
GROUP_KIND = "未知的评议组类别 / Unknown kind of group"
GROUP_TWICE = "评议组“{name}”已经录入 / The group {name} is already entered"
FORMS_RANGE = "纸质问卷份数须为 1 至 100000 / The number of forms is 1 to 100000"
GROUP_SCORES = "请为每个评议项目填写平均分（1.0–5.0，一位小数） / Give each item's average, 1.0 to 5.0"
NOT_YET_CLOSED = "评议截止时间 {at} 未到，不能公布结果 / The evaluation closes at {at}; publish after that"
ALREADY_PUBLISHED = "评议结果已经公布 / The result is already published"
NO_ANSWERS = "还没有任何评议（网上或线下），无法计算结果 / Nothing was answered yet, online or offline"

UNKNOWN_REASON = "未知的约谈原因 / Unknown reason for the interview"
EVALUATION_REQUIRED = "因评议结果约谈时须选择已公布的评议 / Choose the published evaluation"
NOT_BELOW = ("评议结果 {score} 分不低于约谈线 {line} 分，不能以此约谈 / "
             "The result {score} is not below the threshold {line}")
TOO_FEW_COMPLAINTS = ("近 {days} 天不满意的诉求 {n} 件，未达 {run} 件，不能以投诉集中约谈 / "
                      "{n} unsatisfied requests in {days} days, fewer than the {run} that make a run of complaints")
HELD_IN_FUTURE = "约谈日期不能晚于今天 / The interview cannot be held in the future"
MINUTES_REQUIRED = "请填写约谈纪要 / Write the minutes"
COMMITMENTS_RANGE = "整改承诺须有 1 至 {n} 项 / Give 1 to {n} commitments"
COMMITMENT_REQUIRED = "请填写每项整改承诺（最多 500 字） / Write every commitment (at most 500 characters)"
DAYS_RANGE = "整改期限须为 1 至 60 个工作日 / A deadline is 1 to 60 working days"
COMPANY_ONLY = "只有该物业服务企业的人员可以报告整改 / Only the company's staff report rectification"
REPORT_REQUIRED = "请说明整改情况 / Say what was done"
NOT_TO_REPORT = "该事项现在不能报告（{status}） / This item cannot be reported now ({status})"
CHECKER_ONLY = "只有业委会（物管会）或社区可以验收整改 / Only the committee or the community checks rectification"
COMPANY_MAY_NOT_CHECK = "物业服务企业不能验收自己的整改 / The company may not check its own rectification"
NOT_TO_CHECK = "该事项没有待验收的整改报告 / This item has no report waiting for a check"
NOTE_REQUIRED = "不通过时请写明原因 / Say why it did not pass"
NO_FAILED_ITEM = ("该企业没有整改失败的事项，不能提请更换 / "
                  "The company has no failed rectification item; replacement cannot be proposed")
ALREADY_PROPOSED = "已经提请更换 / Replacement is already proposed"

RECORDER_ONLY = "只有社区、业委会、网格员或楼栋长可以记录红黑榜事项 / Only the community, committee, grid worker or building head records"
UNKNOWN_ENTRY_KIND = "请选择红榜或黑榜 / Choose the honour or the warning list"
ARTICLE_REQUIRED = "请写明依据的公约条款 / Name the convention's article"
EVIDENCE_REQUIRED = "请写明事实与证据 / Give the facts and evidence"
UNIT_ELSEWHERE = "未找到该房屋 / No such unit"
NOT_YOUR_ENTRY = "只有该户的业主或住户可以提出异议 / Only the household objects"
OBJECTION_CLOSED = "异议期已于 {day} 结束 / The objection period ended on {day}"
ALREADY_OBJECTED = "已经提出异议，等待审查 / An objection is already waiting for review"
OBJECTION_REQUIRED = "请写明异议理由 / Say why you object"
REVIEWER_ONLY = "只有小区党支部（书记）可以审查红黑榜事项 / Only the estate party branch reviews entries"
WINDOW_OPEN = ("异议期至 {day} 止，期满后才能审查上榜 / "
               "The objection period runs until {day}; review after it ends")
NOT_TO_REVIEW = "该事项已经审查 / This entry is already reviewed"
REVIEW_NOTE_REQUIRED = "审查异议时请写明审查意见 / Give the review's reasons when there was an objection"

MAX_ITEMS = 12
MAX_COMMITMENTS = 50
MAX_TEXT = 2000
DEFAULT_WEIGHTS = {EvaluationKind.ORDINARY: (70, 30, 0), EvaluationKind.DOUBLE: (50, 20, 30)}


def _weight(value, field: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 100:
        raise InvalidInput(WEIGHT_RANGE.format(low=low), field=field)
    return value


def _organised(actor, estate_id):
    return estate_for(actor, estate_id, roles=rules.REVIEW_ORGANISER_ROLES, denied=ORGANISER_ONLY)


def _serving(estate, company_id) -> Organisation:
    company = Organisation.objects.filter(pk=company_id, kind__in=COMPANY_KINDS).first() if isinstance(
        company_id, int) else None
    if company is None or not ServiceContract.objects.filter(estate=estate, company=company).exists():
        raise InvalidInput(NOT_SERVING, field="company_id")
    return company


# --- evaluations --------------------------------------------------------------------------------------
@transaction.atomic
def evaluation_create(actor, *, estate_id: int, company_id: int, title: str, period_start: datetime.date,
                      period_end: datetime.date, closes_at: datetime.datetime, items: list[dict],
                      kind: str = EvaluationKind.ORDINARY, scale: str = Scale.LEVELS, owners_weight: int = 60,
                      survey_weight: int | None = None, requests_weight: int | None = None,
                      fee_weight: int | None = None, threshold="60") -> Evaluation:
    """A questionnaire of weighted items for the company serving the estate over a period, open to the
    owners until `closes_at`; announced to the estate."""
    estate = _organised(actor, estate_id)
    company = _serving(estate, company_id)
    title = clean_text(title, 100, TITLE_REQUIRED, field="title")
    if kind not in EvaluationKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    if scale not in Scale.values:
        raise InvalidInput(UNKNOWN_SCALE, field="scale")
    if period_end < period_start:
        raise InvalidInput(PERIOD_ORDER, field="period_end")
    if closes_at <= clock.now():
        raise InvalidInput(CLOSES_IN_PAST, field="closes_at")
    if not items or len(items) > MAX_ITEMS:
        raise InvalidInput(ITEMS_REQUIRED.format(n=MAX_ITEMS), field="items")
    cleaned = []
    for item in items:
        name = clean_text(str(item.get("name", "")), 40, ITEM_NAME, field="items")
        if name in (n for n, _w in cleaned):
            raise InvalidInput(ITEM_TWICE.format(name=name), field="items")
        cleaned.append((name, _weight(item.get("weight"), "items")))
    defaults = DEFAULT_WEIGHTS[kind]
    parts = [defaults[i] if value is None else _weight(value, field, low=0) for i, (value, field) in enumerate(
        ((survey_weight, "survey_weight"), (requests_weight, "requests_weight"), (fee_weight, "fee_weight")))]
    if kind == EvaluationKind.ORDINARY:
        parts[2] = 0
    if not any(parts):
        raise InvalidInput(PARTS_WEIGHTS, field="survey_weight")
    try:
        line = Decimal(str(threshold)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(THRESHOLD_RANGE, field="threshold") from None
    if not 0 <= line <= 100:
        raise InvalidInput(THRESHOLD_RANGE, field="threshold")
    evaluation = Evaluation.objects.create(
        estate=estate, company=company, kind=kind, scale=scale, title=title, period_start=period_start,
        period_end=period_end, closes_at=closes_at, owners_weight=_weight(owners_weight, "owners_weight", low=0),
        survey_weight=parts[0], requests_weight=parts[1], fee_weight=parts[2], threshold=line, created_by=actor,
        created_at=clock.now())
    EvaluationItem.objects.bulk_create(EvaluationItem(evaluation=evaluation, name=name, weight=weight, position=i)
                                       for i, (name, weight) in enumerate(cleaned, 1))
    notices.notice_publish(
        actor, estate_id=estate.pk, kind="announcement", audience="estate", title=f"评议开始：{title}",
        body=(f"请各位业主对{company.name}{period_start}至{period_end}的服务进行评议（每户一次），"
              f"截止 {clock.stamp(closes_at)}。评议项目：{'、'.join(n for n, _w in cleaned)}。"),
        expires_on=clock.local_date(closes_at))
    audit_record(actor, AuditAction.EVALUATION_CREATE, evaluation, after={
        **snapshot(evaluation), "items": [{"name": n, "weight": w} for n, w in cleaned]})
    return evaluation


def _locked_evaluation(actor, evaluation_id) -> Evaluation:
    visible = selectors.evaluation_get(fetched_by=actor, evaluation_id=evaluation_id) if actor is not None else (
        Evaluation.objects.filter(pk=evaluation_id).first())
    if visible is None:
        raise NotFound()
    return Evaluation.objects.select_for_update(of=("self",)).select_related("estate__community", "company").get(
        pk=visible.pk)


def _must_be_open(evaluation: Evaluation) -> None:
    if not selectors.is_open(evaluation):
        raise WrongState(NOT_OPEN)


@transaction.atomic
def response_submit(actor, *, evaluation_id: int, unit_id: int, scores: dict, comment: str = "") -> Response:
    """An owner answers for a unit they own, once: a second answer for the unit is refused."""
    evaluation = _locked_evaluation(actor, evaluation_id)
    _must_be_open(evaluation)
    unit = next((u for u in selectors.owned_units(actor, evaluation) if u.pk == unit_id), None)
    if unit is None:
        raise PermissionDenied(NOT_YOUR_UNIT)
    items = list(evaluation.items.all())
    marks = {}
    for item in items:
        value = scores.get(str(item.pk), scores.get(item.pk)) if isinstance(scores, dict) else None
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(SCORES_INCOMPLETE, field="scores")
        marks[str(item.pk)] = value
    comment = clean_text(comment, MAX_TEXT, field="comment")
    already = ALREADY_ANSWERED.format(unit=unit.code)
    if Response.objects.filter(evaluation=evaluation, unit=unit).exists():
        raise WrongState(already)
    try:
        with transaction.atomic():
            response = Response.objects.create(evaluation=evaluation, unit=unit, scores=marks, comment=comment,
                                               answered_by=actor, answered_at=clock.now())
    except IntegrityError:  # the same unit answered by its other owner at the same moment
        raise WrongState(already) from None
    audit_record(actor, AuditAction.RESPONSE_SUBMIT, evaluation, after={"unit_id": unit.pk})
    return response


def _group_score(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(GROUP_SCORES, field="scores") from None
    if not number.is_finite() or number != number.quantize(Decimal("0.1")) or not 1 <= number <= 5:
        raise InvalidInput(GROUP_SCORES, field="scores")
    return str(number.quantize(Decimal("0.1")))


@transaction.atomic
def offline_enter(actor, *, evaluation_id: int, name: str, kind: str, weight: int, forms: int,
                  scores: dict) -> OfflineGroup:
    """A named group's paper forms, entered by the community as each item's average; before the close."""
    evaluation = _locked_evaluation(actor, evaluation_id)
    if not rules.may_organise(actor, evaluation.estate):
        raise PermissionDenied(ORGANISER_ONLY)
    _must_be_open(evaluation)
    name = clean_text(name, 60, GROUP_NAME, field="name")
    if kind not in GroupKind.values:
        raise InvalidInput(GROUP_KIND, field="kind")
    weight = _weight(weight, "weight")
    if isinstance(forms, bool) or not isinstance(forms, int) or not 1 <= forms <= 100_000:
        raise InvalidInput(FORMS_RANGE, field="forms")
    if not isinstance(scores, dict):
        raise InvalidInput(GROUP_SCORES, field="scores")
    marks = {}
    for item in evaluation.items.all():
        value = scores.get(str(item.pk), scores.get(item.pk))
        if value in (None, ""):
            raise InvalidInput(GROUP_SCORES, field="scores")
        marks[str(item.pk)] = _group_score(value)
    if evaluation.groups.filter(name=name).exists():
        raise InvalidInput(GROUP_TWICE.format(name=name), field="name")
    group = OfflineGroup.objects.create(evaluation=evaluation, name=name, kind=kind, weight=weight, forms=forms,
                                        scores=marks, entered_by=actor, entered_at=clock.now())
    audit_record(actor, AuditAction.OFFLINE_ENTER, group, after=snapshot(group))
    return group


@transaction.atomic
def evaluation_publish(actor, *, evaluation_id: int) -> Evaluation:
    """After the close: compute the result (selectors' formula), freeze it, publish it as a 评议结果 notice."""
    evaluation = _locked_evaluation(actor, evaluation_id)
    if not rules.may_organise(actor, evaluation.estate):
        raise PermissionDenied(ORGANISER_ONLY)
    if evaluation.status == EvaluationStatus.PUBLISHED:
        raise WrongState(ALREADY_PUBLISHED)
    if clock.now() < evaluation.closes_at:
        raise WrongState(NOT_YET_CLOSED.format(at=clock.stamp(evaluation.closes_at)))
    if not evaluation.responses.exists() and not evaluation.groups.exists():
        raise WrongState(NO_ANSWERS)
    result = selectors.evaluation_result(evaluation)
    score = result["score"]
    cover = selectors.coverage(evaluation)
    rates = result["rates"]

    def shown(value, unit=""):
        return "—" if value is None else f"{value}{unit}"

    table = [["项目", "得分/数值"],
             ["业主网上评议", f"{shown(result['owners'])}（{result['responses']} 户，覆盖 {cover['coverage']}）"],
             *[[f"线下评议：{g['name']}（权重 {g['weight']}，{g['forms']} 份）", g["score"]] for g in result["groups"]],
             ["问卷得分", shown(result["survey"])],
             ["诉求办结率", shown(rates["resolution_rate"], "%")], ["按时办结率", shown(rates["on_time_rate"], "%")],
             ["诉求满意率", shown(rates["satisfaction_rate"], "%")], ["诉求办理得分", shown(result["requests"])]]
    if evaluation.kind == EvaluationKind.DOUBLE:
        table.append(["物业费收缴率", shown(result["fee_rate"], "%")])
    table.append(["综合得分", shown(score)])
    weights = f"问卷 {evaluation.survey_weight}、诉求 {evaluation.requests_weight}"
    if evaluation.kind == EvaluationKind.DOUBLE:
        weights += f"、收费率 {evaluation.fee_weight}"
    body = (f"{evaluation.company.name}（{evaluation.estate.name}）{evaluation.period_start}至{evaluation.period_end}"
            f"{evaluation.get_kind_display()}综合得分 {shown(score)} 分（约谈线 {evaluation.threshold} 分；权重：{weights}）。")
    if result["below_threshold"]:
        body += "低于约谈线，将约谈该企业并督促整改。"
    notice = notices.notice_publish(actor, estate_id=evaluation.estate_id, kind="evaluation", audience="estate",
                                    title=f"评议结果：{evaluation.title}", body=body, table=table)
    evaluation.result, evaluation.notice = result, notice
    evaluation.score = Decimal(score) if score is not None else None
    evaluation.status, evaluation.published_at = EvaluationStatus.PUBLISHED, clock.now()
    evaluation.save(update_fields=["result", "notice", "score", "status", "published_at"])
    audit_record(actor, AuditAction.EVALUATION_PUBLISH, evaluation,
                 after={"score": score, "notice_id": notice.pk})
    return evaluation


# --- interviews and rectification ---------------------------------------------------------------------
def _commitments(commitments) -> list[tuple[str, int]]:
    if not isinstance(commitments, list) or not 1 <= len(commitments) <= MAX_COMMITMENTS:
        raise InvalidInput(COMMITMENTS_RANGE.format(n=MAX_COMMITMENTS), field="commitments")
    cleaned = []
    for c in commitments:
        if not isinstance(c, dict):
            raise InvalidInput(COMMITMENT_REQUIRED, field="commitments")
        text = clean_text(str(c.get("text", "")), 500, COMMITMENT_REQUIRED, field="commitments")
        days = c.get("working_days")
        if isinstance(days, str) and days.isascii() and days.isdigit():
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
            raise InvalidInput(DAYS_RANGE, field="commitments")
        cleaned.append((text, days))
    return cleaned


@transaction.atomic
def interview_open(actor, *, estate_id: int, reason: str, held_on: datetime.date, minutes: str,
                   commitments: list[dict], evaluation_id: int | None = None,
                   company_id: int | None = None) -> Interview:
    """约谈 for a result below the evaluation's threshold (strictly below) or a run of complaints; each
    commitment becomes a rectification item due in its working days (the holiday calendar's)."""
    estate = _organised(actor, estate_id)
    evaluation = None
    count = 0
    if reason == InterviewReason.LOW_RESULT:
        evaluation = Evaluation.objects.filter(pk=evaluation_id if isinstance(evaluation_id, int) else None,
                                               estate=estate, status=EvaluationStatus.PUBLISHED).first()
        if evaluation is None:
            raise InvalidInput(EVALUATION_REQUIRED, field="evaluation_id")
        if evaluation.score is None or evaluation.score >= evaluation.threshold:
            raise WrongState(NOT_BELOW.format(score=evaluation.score, line=evaluation.threshold))
        company = evaluation.company
    elif reason == InterviewReason.COMPLAINTS:
        company = _serving(estate, company_id)
        count = selectors.complaints(estate, company)
        if count < settings.GONGZHI_COMPLAINT_RUN:
            raise WrongState(TOO_FEW_COMPLAINTS.format(days=settings.GONGZHI_COMPLAINT_DAYS, n=count,
                                                       run=settings.GONGZHI_COMPLAINT_RUN))
    else:
        raise InvalidInput(UNKNOWN_REASON, field="reason")
    if held_on > clock.today():
        raise InvalidInput(HELD_IN_FUTURE, field="held_on")
    minutes = clean_text(minutes, MAX_TEXT * 5, MINUTES_REQUIRED, field="minutes")
    cleaned = _commitments(commitments)
    now = clock.now()
    interview = Interview.objects.create(estate=estate, company=company, reason=reason, evaluation=evaluation,
                                         complaints=count, held_on=held_on, minutes=minutes, opened_by=actor,
                                         opened_at=now)
    Rectification.objects.bulk_create(
        Rectification(interview=interview, number=i, commitment=text, working_days=days,
                      due_at=clock.deadline(now, clock.Term(days, clock.Unit.WORKING_DAYS)).at)
        for i, (text, days) in enumerate(cleaned, 1))
    link = reverse("reviews:interview_detail", args=[interview.pk])
    notify(holders(rules.RECTIFICATION_REPORTER_ROLES, estate), title=f"约谈：{company.name}须整改 {len(cleaned)} 项",
           body=interview.get_reason_display(), link=link)
    audit_record(actor, AuditAction.INTERVIEW_OPEN, interview, after={
        **snapshot(interview, ["company", "reason", "evaluation", "held_on", "complaints"]),
        "commitments": [{"text": t, "working_days": d} for t, d in cleaned]})
    return interview


def _locked_item(actor, item_id) -> Rectification:
    visible = selectors.item_get(fetched_by=actor, item_id=item_id) if actor is not None else (
        Rectification.objects.filter(pk=item_id).first())
    if visible is None:
        raise NotFound()
    return Rectification.objects.select_for_update(of=("self",)).select_related(
        "interview__estate__community", "interview__company").get(pk=visible.pk)


def _save_photos(report, checked, written: list) -> None:
    for photo, kind in checked:
        row = ReportPhoto(report=report, content_type=kind, size=len(photo.data))
        row.file.save(f"{hashlib.sha256(photo.data).hexdigest()[:20]}.jpg", ContentFile(photo.data), save=False)
        written.append(row.file)
        row.save()


def rectification_report(actor, *, item_id: int, text: str, photos: list[Upload] | None = None) -> RectificationReport:
    """The company reports an item done, with photos (normalised as requests' are); it waits for a check."""
    checked = check_photos(photos or [])
    with files_removed_on_failure() as written, transaction.atomic():
        item = _locked_item(actor, item_id)
        estate = item.interview.estate
        if not rules.may_report(actor, estate):
            raise PermissionDenied(COMPANY_ONLY)
        if item.status != ItemStatus.OPEN:
            raise WrongState(NOT_TO_REPORT.format(status=item.get_status_display()))
        report = RectificationReport.objects.create(item=item, reported_by=actor, reported_at=clock.now(),
                                                    text=clean_text(text, MAX_TEXT, REPORT_REQUIRED, field="text"))
        _save_photos(report, checked, written)
        item.status = ItemStatus.REPORTED
        item.save(update_fields=["status"])
        notify(holders(rules.RECTIFICATION_CHECKER_ROLES - {Role.ADMINISTRATOR}, estate),
               title=f"整改待验收：{item.commitment[:40]}", body=report.text[:200],
               link=reverse("reviews:interview_detail", args=[item.interview_id]))
        audit_record(actor, AuditAction.ITEM_REPORT, item, after={"report_id": report.pk, "text": report.text,
                                                                  "photos": len(checked)})
        return report


def _follow_interview(interview: Interview) -> None:
    if interview.status in (InterviewStatus.REPLACEMENT, InterviewStatus.REPLACED):
        return
    statuses = set(interview.items.values_list("status", flat=True))
    status = (InterviewStatus.FAILED if ItemStatus.FAILED in statuses else
              InterviewStatus.DONE if statuses == {ItemStatus.PASSED} else InterviewStatus.RECTIFYING)
    if status != interview.status:
        interview.status = status
        interview.save(update_fields=["status"])


@transaction.atomic
def rectification_check(actor, *, item_id: int, passed: bool, note: str = "") -> Rectification:
    """The committee or community checks a reported item: passed, or not → back to the company (and, past
    its deadline, failed). An overdue item never reported may be found failed. The company may not check."""
    item = _locked_item(actor, item_id)
    estate = item.interview.estate
    if rules.is_company(actor, estate):
        raise PermissionDenied(COMPANY_MAY_NOT_CHECK)
    if not rules.may_check(actor, estate):
        raise PermissionDenied(CHECKER_ONLY)
    now = clock.now()
    report = item.reports.filter(passed__isnull=True).order_by("-pk").first()
    overdue_unreported = item.status == ItemStatus.OPEN and now > item.due_at and not passed
    if not (item.status == ItemStatus.REPORTED and report is not None) and not overdue_unreported:
        raise WrongState(NOT_TO_CHECK)
    note = clean_text(note, MAX_TEXT, field="note")
    if not passed and not note:
        raise InvalidInput(NOTE_REQUIRED, field="note")
    if report is not None:
        report.passed, report.check_note, report.checked_by, report.checked_at = bool(passed), note, actor, now
        report.save(update_fields=["passed", "check_note", "checked_by", "checked_at"])
    if passed:
        item.status = ItemStatus.PASSED
    elif now > item.due_at:
        item.status = ItemStatus.FAILED
    else:
        item.status, item.sent_back = ItemStatus.OPEN, item.sent_back + 1
    item.save(update_fields=["status", "sent_back"])
    _follow_interview(item.interview)
    notify(holders(rules.RECTIFICATION_REPORTER_ROLES, estate), title=f"整改验收{'通过' if passed else '未通过'}：{item.commitment[:40]}",
           body=note, link=reverse("reviews:interview_detail", args=[item.interview_id]))
    audit_record(actor, AuditAction.ITEM_CHECK, item, after={"passed": bool(passed), "note": note,
                                                             "status": item.status})
    return item


REPLACEMENT_COMPANY = ("请选择拟选聘的物业服务企业（不能是现企业） / "
                       "Choose the incoming property company (not the one being replaced)")
REPLACEMENT_START = ("新合同开始日期须在投票截止之后、现合同开始日期{start}之后 / "
                     "The new contract starts after voting closes and after the current contract began ({start})")
NO_RUNNING_CONTRACT = ("该企业在本小区没有正在执行的服务合同，无法更换 / "
                       "The company has no running contract with this estate to replace")
REPLACED_NOTE = "业主表决通过，{company}自{start}起接替{old}提供物业服务。"
VOTE_FAILED_NOTE = "业主表决未通过更换（{reason}），{company}继续整改。"
REPLACE_FAILED_NOTE = "业主表决已通过，但合同未能自动更换（{why}），请在小区组织机构页办理更换。"


@transaction.atomic
def replacement_propose(actor, *, interview_id: int, opens_at: datetime.datetime, closes_at: datetime.datetime,
                        company_id: int | None = None, start: datetime.date | None = None,
                        description: str = "") -> Interview:
    """A company that failed its rectification is proposed for replacement: an owners' vote on item 4 of
    Civil Code art. 278 (选聘和解聘物业服务企业) naming the incoming company and the day it starts, drafted
    in the votes app for the organisers to announce. When the vote closes and passes, the contract is
    replaced in the closing transaction (vote_closed below); when it fails, rectification goes on."""
    visible = object_for(actor, Interview.objects.all(), interview_id, roles=rules.REVIEW_ORGANISER_ROLES,
                         denied=ORGANISER_ONLY)
    interview = Interview.objects.select_for_update(of=("self",)).select_related("company", "estate").get(pk=visible.pk)
    if interview.status in (InterviewStatus.REPLACEMENT, InterviewStatus.REPLACED):
        raise WrongState(ALREADY_PROPOSED)
    failed = list(selectors.failed_items(interview))
    if not failed:
        raise WrongState(NO_FAILED_ITEM)
    incoming = Organisation.objects.filter(pk=company_id, kind=OrgKind.PROPERTY_COMPANY, active=True).exclude(
        pk=interview.company_id).first() if isinstance(company_id, int) and not isinstance(company_id, bool) else None
    if incoming is None:
        raise InvalidInput(REPLACEMENT_COMPANY, field="company_id")
    current = selectors.running_contract(interview.estate, interview.company)
    if current is None:
        raise WrongState(NO_RUNNING_CONTRACT)
    if not isinstance(start, datetime.date) or start <= clock.local_date(closes_at) or (
            current.start is not None and start <= current.start):
        raise InvalidInput(REPLACEMENT_START.format(start=current.start or "—"), field="start")
    listed = "；".join(f"{i.number}. {i.commitment}" for i in failed)
    vote = votes.vote_create(
        actor, estate_id=interview.estate_id, item=4, opens_at=opens_at, closes_at=closes_at,
        title=f"解聘{interview.company.name}，选聘{incoming.name}（{start}起）",
        description=(clean_text(description, MAX_TEXT, field="description")
                     or f"约谈（{interview.held_on}）后整改未通过的事项：{listed}。"
                        f"拟自{start}起由{incoming.name}接替{interview.company.name}提供物业服务。"))
    interview.status, interview.vote = InterviewStatus.REPLACEMENT, vote
    interview.replacement_company, interview.replacement_start, interview.outcome_note = incoming, start, ""
    interview.save(update_fields=["status", "vote", "replacement_company", "replacement_start", "outcome_note"])
    audit_record(actor, AuditAction.REPLACEMENT_PROPOSE, interview, after={
        "vote_id": vote.pk, "failed_items": [i.pk for i in failed], "company_id": incoming.pk, "start": str(start)})
    return interview


def vote_closed(vote, *, actor) -> None:
    """The votes app's "vote closed" signal (core.registry.completed), inside the closing transaction: a
    replacement vote that passed replaces the contract (the incoming company from the start day, the old
    contract ending the day before) and closes the interview as 已更换; one that failed sends the interview
    back to rectification with a note. A contract that cannot be replaced any more (changed meanwhile)
    leaves the interview waiting, with a note saying so: the owners' result itself always stands."""
    interview = (Interview.objects.select_for_update(of=("self",)).select_related("company", "replacement_company")
                 .filter(vote=vote, status=InterviewStatus.REPLACEMENT).first())
    if interview is None:
        return
    approved = bool((vote.result or {}).get("approved"))
    if not approved:
        interview.status = InterviewStatus.RECTIFYING
        interview.outcome_note = VOTE_FAILED_NOTE.format(reason=str((vote.result or {}).get("reason", "")).split(" / ")[0],
                                                         company=interview.company.name)
        interview.save(update_fields=["status", "outcome_note"])
        audit_record(actor, AuditAction.REPLACEMENT_REJECTED, interview,
                     after={"vote_id": vote.pk, "status": interview.status, "note": interview.outcome_note})
        return
    old = selectors.running_contract(interview.estate, interview.company)
    try:
        if old is None:
            raise WrongState(NO_RUNNING_CONTRACT)
        with transaction.atomic():  # a refusal here undoes only the replacement, never the vote's close
            contract = bodies.service_contract_replace(
                None, contract_id=old.pk, company_id=interview.replacement_company_id,
                start=interview.replacement_start, services=list(old.services),
                fee=f"{old.fee_fen_per_m2 / 100:.2f}" if old.fee_fen_per_m2 else None, fee_note=old.fee_note)
    except GongzhiError as exc:
        interview.outcome_note = REPLACE_FAILED_NOTE.format(why=exc.message)
        interview.save(update_fields=["outcome_note"])
        audit_record(actor, AuditAction.REPLACEMENT_DONE, interview,
                     after={"vote_id": vote.pk, "replaced": False, "note": interview.outcome_note})
        return
    interview.status, interview.replacement_contract = InterviewStatus.REPLACED, contract
    interview.outcome_note = REPLACED_NOTE.format(company=interview.replacement_company.name,
                                                  start=interview.replacement_start, old=interview.company.name)
    interview.save(update_fields=["status", "replacement_contract", "outcome_note"])
    notify(holders(rules.REVIEW_ORGANISER_ROLES - {Role.ADMINISTRATOR, Role.SUBDISTRICT_OFFICER}, interview.estate)
           | holders(rules.RECTIFICATION_REPORTER_ROLES, interview.estate),
           title=f"更换物业服务企业：{interview.replacement_company.name}", body=interview.outcome_note,
           link=reverse("reviews:interview_detail", args=[interview.pk]))
    audit_record(actor, AuditAction.REPLACEMENT_DONE, interview, after={
        "vote_id": vote.pk, "replaced": True, "old_contract_id": old.pk, "contract_id": contract.pk,
        "company_id": interview.replacement_company_id, "start": str(interview.replacement_start)})


# --- 红黑榜 -------------------------------------------------------------------------------------------
def _household_users(unit: Unit) -> set[int]:
    owners = Ownership.objects.filter(unit=unit, until__isnull=True, person__user__isnull=False)
    residents = Residency.objects.filter(unit=unit, until__isnull=True, person__user__isnull=False)
    return set(owners.values_list("person__user_id", flat=True)) | set(residents.values_list("person__user_id",
                                                                                             flat=True))


@transaction.atomic
def entry_record(actor, *, unit_id: int, kind: str, article: str, evidence: str) -> ListEntry:
    """An entry against a household under an article of the convention, with evidence, by a named role;
    the household is told at once and may object until the window's last day."""
    units = scope_for(actor).units() if actor is not None else Unit.objects.all()
    unit = units.filter(pk=unit_id).select_related("estate__community").first() if isinstance(unit_id, int) else None
    if unit is None:
        raise NotFound(UNIT_ELSEWHERE)
    estate = unit.estate
    if not rules.may_record_entry(actor, estate):
        raise PermissionDenied(RECORDER_ONLY)
    if kind not in EntryKind.values:
        raise InvalidInput(UNKNOWN_ENTRY_KIND, field="kind")
    article = clean_text(article, 300, ARTICLE_REQUIRED, field="article")
    evidence = clean_text(evidence, MAX_TEXT, EVIDENCE_REQUIRED, field="evidence")
    today = clock.today()
    entry = ListEntry.objects.create(
        estate=estate, unit=unit, kind=kind, article=article, evidence=evidence, recorded_by=actor,
        recorded_role=rules.recorder_role(actor, estate), recorded_at=clock.now(),
        objection_until=today + datetime.timedelta(days=settings.GONGZHI_LIST_OBJECTION_DAYS))
    notify(_household_users(unit), title=f"红黑榜告知：{unit.code}拟列入{entry.get_kind_display()}",
           body=(f"依据：{article}。事实：{evidence[:300]}。如有异议，请在 {entry.objection_until} 前（含当日）提出。"),
           link=reverse("reviews:entry_detail", args=[entry.pk]))
    audit_record(actor, AuditAction.ENTRY_RECORD, entry, after=snapshot(entry))
    return entry


def _locked_entry(actor, entry_id) -> ListEntry:
    visible = selectors.entry_get(fetched_by=actor, entry_id=entry_id) if actor is not None else (
        ListEntry.objects.filter(pk=entry_id).first())
    if visible is None:
        raise NotFound()
    return ListEntry.objects.select_for_update(of=("self",)).select_related("unit", "estate__community").get(
        pk=visible.pk)


@transaction.atomic
def entry_object(actor, *, entry_id: int, text: str) -> ListEntry:
    """The household objects, up to and including the window's last day."""
    entry = _locked_entry(actor, entry_id)
    if actor is not None and actor.pk not in _household_users(entry.unit):
        raise PermissionDenied(NOT_YOUR_ENTRY)
    if entry.status == EntryStatus.OBJECTED:
        raise WrongState(ALREADY_OBJECTED)
    if not selectors.objection_open(entry):
        raise WrongState(OBJECTION_CLOSED.format(day=entry.objection_until))
    entry.objection = clean_text(text, MAX_TEXT, OBJECTION_REQUIRED, field="text")
    entry.status, entry.objected_by, entry.objected_at = EntryStatus.OBJECTED, actor, clock.now()
    entry.save(update_fields=["objection", "status", "objected_by", "objected_at"])
    notify(holders(rules.LIST_REVIEWER_ROLES - {Role.ADMINISTRATOR}, entry.estate),
           title=f"红黑榜异议待审查：{entry.unit.code}", body=entry.objection[:200],
           link=reverse("reviews:entry_detail", args=[entry.pk]))
    audit_record(actor, AuditAction.ENTRY_OBJECT, entry, after={"objection": entry.objection})
    return entry


@transaction.atomic
def entry_review(actor, *, entry_id: int, upheld: bool, note: str = "") -> ListEntry:
    """The branch reviews: an objection at any time, an entry without one only after its window ended.
    Upheld, the entry is listed for GONGZHI_LIST_DAYS days and published (building and entrance, no name)."""
    entry = _locked_entry(actor, entry_id)
    if not rules.may_review_entry(actor, entry.estate):
        raise PermissionDenied(REVIEWER_ONLY)
    today = clock.today()
    if entry.status not in (EntryStatus.NOTIFIED, EntryStatus.OBJECTED):
        raise WrongState(NOT_TO_REVIEW)
    if entry.status == EntryStatus.NOTIFIED and today <= entry.objection_until:
        raise WrongState(WINDOW_OPEN.format(day=entry.objection_until))
    note = clean_text(note, MAX_TEXT, field="note")
    if entry.status == EntryStatus.OBJECTED and not note:
        raise InvalidInput(REVIEW_NOTE_REQUIRED, field="note")
    entry.review_note, entry.reviewed_by, entry.reviewed_at = note, actor, clock.now()
    fields = ["review_note", "reviewed_by", "reviewed_at", "status"]
    if upheld:
        entry.status = EntryStatus.LISTED
        entry.listed_from = today
        entry.listed_until = today + datetime.timedelta(days=settings.GONGZHI_LIST_DAYS - 1)
        place = selectors.shown_place(entry.unit)
        entry.notice = notices.notice_publish(
            actor, estate_id=entry.estate_id, kind="honour_list", audience="estate",
            title=f"{entry.get_kind_display()}：{place}",
            body=f"依据：{entry.article}。{entry.listed_from}至{entry.listed_until}上榜。",
            table=[["榜别", "楼栋单元", "公约条款", "上榜期"],
                   [entry.get_kind_display(), place, entry.article, f"{entry.listed_from}至{entry.listed_until}"]],
            expires_on=entry.listed_until)
        fields += ["listed_from", "listed_until", "notice"]
    else:
        entry.status = EntryStatus.DISMISSED
    entry.save(update_fields=fields)
    notify(_household_users(entry.unit), title=f"红黑榜审查结果：{'上榜' if upheld else '不上榜'}",
           body=note, link=reverse("reviews:entry_detail", args=[entry.pk]))
    audit_record(actor, AuditAction.ENTRY_REVIEW, entry, after={"upheld": bool(upheld), "note": note,
                                                                "listed_until": str(entry.listed_until or "")})
    return entry


def entries_expire(today: datetime.date | None = None) -> int:
    """Entries past their listing period leave the board (the board already hides them by date; this
    records it). Idempotent: each is claimed by an update only one run can make."""
    today = today or clock.today()
    done = 0
    for pk in ListEntry.objects.filter(status=EntryStatus.LISTED, listed_until__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            if ListEntry.objects.filter(pk=pk, status=EntryStatus.LISTED).update(status=EntryStatus.EXPIRED):
                audit_record(None, AuditAction.ENTRY_EXPIRE, ListEntry.objects.get(pk=pk),
                             after={"status": EntryStatus.EXPIRED})
                done += 1
    return done


# --- 奖优惩劣 -----------------------------------------------------------------------------------------
RANKING_PLACE = "排名范围须为社区或街道 / Rank within a community or a subdistrict"
RANKING_YEAR = "年度须为 2000 年至今年 / The year is 2000 to this year"
NOTHING_TO_RANK = "{year}年没有已公布的{kind}结果 / No published results of this kind in {year}"


@transaction.atomic
def ranking_publish(actor, *, place: str, year: int, kind: str = EvaluationKind.ORDINARY) -> Ranking:
    """奖优惩劣: the year's ranking of the companies evaluated in a community or subdistrict, frozen and
    published to the community's residents (for a subdistrict, to each of its communities)."""
    found = place_get(actor, place, rules.REVIEW_ORGANISER_ROLES) if actor is not None else None
    if found is None:
        level, pk = parse_place(place)
        model = {"community": Community, "subdistrict": Subdistrict}.get(level)
        obj = model.objects.filter(pk=pk).first() if model else None
        if obj is None:
            raise NotFound()
        found = Place(level, obj)
    if found.level not in ("community", "subdistrict"):
        raise InvalidInput(RANKING_PLACE, field="place")
    if not rules.may_organise_place(actor, found):
        raise PermissionDenied(ORGANISER_ONLY)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= clock.today().year:
        raise InvalidInput(RANKING_YEAR, field="year")
    if kind not in EvaluationKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    rows = selectors.ranking(found, year, kind)
    label = EvaluationKind(kind).label
    if not rows:
        raise WrongState(NOTHING_TO_RANK.format(year=year, kind=label))
    table = [["名次", "企业", "服务小区", "结果数", "平均得分", "奖惩"]] + [
        [str(r["rank"]), r["company"], "、".join(r["estates"]), str(r["results"]), r["mean"], r["verdict"]]
        for r in rows]
    communities = [found.obj] if found.level == "community" else list(
        Community.objects.filter(subdistrict=found.obj).order_by("pk"))
    title = f"{found.name}{year}年度{label}奖优惩劣排名"
    body = (f"按{year}年已公布的{label}结果平均得分排名：{rows[0]['company']}第一。"
            "平均 90 分及以上为优秀，予以奖励；有结果低于约谈线的督促整改，并作为续聘参考。")
    published = [notices.notice_publish(actor, community_id=c.pk, kind="evaluation", audience="community",
                                        title=title, body=body, table=table).pk for c in communities]
    ranking = Ranking.objects.create(level=found.level, year=year, kind=kind, rows=rows, notices=published,
                                     community=found.obj if found.level == "community" else None,
                                     subdistrict=found.obj if found.level == "subdistrict" else None,
                                     published_by=actor, published_at=clock.now())
    audit_record(actor, AuditAction.RANKING_PUBLISH, ranking, after={"place": found.code, "year": year, "kind": kind,
                                                                     "notices": published},
                 community_id=ranking.community_id)
    return ranking


RENEWAL_ONLY = ("只有业委会主任或社区可以据排名作出续聘决定 / "
                "Only the committee's chair or the community decides on renewal")
NO_CONTRACT = "本小区没有正在执行的物业服务合同 / The estate has no running service contract"
RANKING_NOT_FOR_CONTRACT = ("请选择列有现合同企业的已公布排名 / "
                            "Choose a published ranking that ranks the contract's company")
ALREADY_DECIDED = ("现合同或该排名已经作出续聘决定 / "
                   "The running contract's renewal, or this ranking's, is already decided")
RENEWAL_REASON = "不续聘时请写明理由 / Say why the contract is not renewed"


@transaction.atomic
def renewal_decide(actor, *, estate_id: int, ranking_id: int, renew: bool, reason: str = "",
                   end: datetime.date | None = None) -> RenewalDecision:
    """奖优惩劣 attached to the contract: on a published ranking that ranks the company of the estate's
    running contract, renew it (bodies' 续签, from the day after it ends, to `end`) or record that it is
    not renewed; the ranking and the company's place in it are the recorded reason. Once per contract."""
    estate = estate_for(actor, estate_id, roles=rules.RENEWAL_DECIDER_ROLES, denied=RENEWAL_ONLY)
    estate = type(estate).objects.select_for_update().select_related("community").get(pk=estate.pk)
    contract = selectors.running_contract_of(estate)
    if contract is None:
        raise WrongState(NO_CONTRACT)
    if RenewalDecision.objects.filter(contract=contract).exists():
        raise WrongState(ALREADY_DECIDED)
    found = next(((r, row) for r, row in selectors.rankings_for_estate(estate, contract.company)
                  if r.pk == ranking_id), None) if isinstance(ranking_id, int) else None
    if found is None:
        raise InvalidInput(RANKING_NOT_FOR_CONTRACT, field="ranking_id")
    ranking, row = found
    if RenewalDecision.objects.filter(estate=estate, ranking=ranking).exists():
        raise WrongState(ALREADY_DECIDED)  # one ranking decides one renewal, not the one after it too
    reason = clean_text(reason, MAX_TEXT, field="reason")
    if not renew and not reason:
        raise InvalidInput(RENEWAL_REASON, field="reason")
    basis = (f"据{ranking.year}年度{ranking.get_kind_display()}奖优惩劣排名，{contract.company.name}"
             f"第{row['rank']}名（平均 {row['mean']} 分，{row['verdict']}）")
    new_contract = bodies.service_contract_renew(None, contract_id=contract.pk, end=end) if renew else None
    decision = RenewalDecision.objects.create(
        estate=estate, contract=contract, ranking=ranking, rank=row["rank"], renewed=bool(renew),
        new_contract=new_contract, reason=f"{basis}。{reason}" if reason else f"{basis}。",
        decided_by=actor, decided_at=clock.now())
    audit_record(actor, AuditAction.RENEWAL_DECIDE, decision, after={
        "contract_id": contract.pk, "ranking_id": ranking.pk, "rank": row["rank"], "renewed": bool(renew),
        "new_contract_id": new_contract.pk if new_contract else None, "reason": decision.reason})
    return decision


CONFLICTS_PLACE = "评比范围须为社区或街道 / Compare within a community or a subdistrict"
QUARTER_NOT_OVER = "只能公布已结束的季度 / Only a quarter that has ended is published"
NOTHING_TO_COMPARE = "该季度没有矛盾纠纷类诉求 / No disputes were received in that quarter"


@transaction.atomic
def conflicts_publish(actor, *, place: str, quarter: str) -> list[int]:
    """每季度化解矛盾问题评比: the quarter's comparison per grid and estate, published to the community (a
    subdistrict's to each of its communities). Returns the notices' ids."""
    found = place_get(actor, place, rules.REVIEW_ORGANISER_ROLES) if actor is not None else None
    if found is None:
        level, pk = parse_place(place)
        model = {"community": Community, "subdistrict": Subdistrict}.get(level)
        obj = model.objects.filter(pk=pk).first() if model else None
        if obj is None:
            raise NotFound()
        found = Place(level, obj)
    if found.level not in ("community", "subdistrict"):
        raise InvalidInput(CONFLICTS_PLACE, field="place")
    try:
        period = clock.parse_period(quarter)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="quarter") from None
    if period.kind != clock.PeriodKind.QUARTER:
        raise InvalidInput(str(clock.BAD_PERIOD_CODE), field="quarter")
    if period.end >= clock.today():
        raise WrongState(QUARTER_NOT_OVER)
    result = selectors.conflicts(found, period)
    if not any(r["received"] for r in result["estates"]):
        raise WrongState(NOTHING_TO_COMPARE)
    table = [["名次", "网格/小区", "受理", "化解", "化解率", "上季度化解"]]
    for heading in ("grids", "estates"):
        table += [[str(r["rank"]), r["name"], str(r["received"]), str(r["resolved"]),
                   f"{r['rate']}%" if r["rate"] else "—", str(r["resolved_before"])] for r in result[heading]]
    communities = [found.obj] if found.level == "community" else list(
        Community.objects.filter(subdistrict=found.obj).order_by("pk"))
    best = result["grids"][0]["name"] if result["grids"] else result["estates"][0]["name"]
    published = [notices.notice_publish(
        actor, community_id=c.pk, kind="announcement", audience="community",
        title=f"{found.name}{period.label}化解矛盾问题评比", table=table,
        body=f"{period.label}邻里纠纷、噪音、物业费和停车矛盾的受理与化解情况，按化解率排名；{best}居首。").pk
        for c in communities]
    audit_record(actor, AuditAction.CONFLICTS_PUBLISH, found.obj, after={"place": found.code, "quarter": period.code,
                                                                         "notices": published},
                 community_id=found.obj.pk if found.level == "community" else None)
    return published


# --- 九不准 -------------------------------------------------------------------------------------------
CONDUCT_ITEMS = "负面清单须有 1 至 {n} 条，每条不超过 200 字 / The list has 1 to {n} items of at most 200 characters"
CONDUCT_TWICE = "清单条目“{item}”重复 / The item {item} is listed twice"
NO_RULES = "本小区尚未制定九不准负面清单 / The estate has adopted no conduct list yet"
NOT_A_MEMBER = "被举报人不是本小区业委会（物管会）的在任委员 / The person is not a serving member of the estate's committee"
UNKNOWN_ITEM = "请选择清单中的一条（1 至 {n}） / Choose an item of the list (1 to {n})"
REPORTER_ONLY = "只有本小区的居民和工作人员可以举报 / Only the estate's people and staff report"
INTERVIEW_NOTES = "请填写约谈记录 / Write the interview's notes"
NOT_TO_INTERVIEW = "该举报已约谈或已认定 / This case was already interviewed or decided"
INTERVIEW_FIRST = "须先约谈被举报委员，再作认定 / Interview the member before the finding"
FINDING_REQUIRED = "请填写认定意见 / Write the finding"
MAX_CONDUCT_ITEMS = 20


@transaction.atomic
def conduct_rules_adopt(actor, *, estate_id: int, items: list[str]) -> ConductRules:
    """A new version of the estate's 九不准 list (the older versions stay, as do the cases judged under
    them), announced to the estate."""
    estate = _organised(actor, estate_id)
    estate = type(estate).objects.select_for_update().get(pk=estate.pk)  # one version number at a time
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_CONDUCT_ITEMS:
        raise InvalidInput(CONDUCT_ITEMS.format(n=MAX_CONDUCT_ITEMS), field="items")
    cleaned = []
    for item in items:
        text = clean_text(str(item), 200, CONDUCT_ITEMS.format(n=MAX_CONDUCT_ITEMS), field="items")
        if text in cleaned:
            raise InvalidInput(CONDUCT_TWICE.format(item=text), field="items")
        cleaned.append(text)
    last = selectors.current_rules(estate)
    adopted = ConductRules.objects.create(estate=estate, version=(last.version if last else 0) + 1, items=cleaned,
                                          adopted_by=actor, adopted_at=clock.now())
    notices.notice_publish(actor, estate_id=estate.pk, kind="announcement", audience="estate",
                           title=f"业主委员会委员九不准负面清单（第{adopted.version}版）",
                           body="委员违反下列任一条的，业主可实名举报，由社区约谈并作出认定。",
                           table=[["序号", "条目"]] + [[str(i), t] for i, t in enumerate(cleaned, 1)])
    audit_record(actor, AuditAction.CONDUCT_ADOPT, adopted, after=snapshot(adopted))
    return adopted


@transaction.atomic
def breach_report(actor, *, estate_id: int, member_id: int, item: int, evidence: str) -> ConductCase:
    """A reported breach by a serving committee member, with evidence, under the current version."""
    estate = estate_for(actor, estate_id, roles=rules.CONDUCT_REPORTER_ROLES, denied=REPORTER_ONLY)
    current = selectors.current_rules(estate)
    if current is None:
        raise WrongState(NO_RULES)
    member = next((m.person for m in selectors.committee_members(estate) if m.person_id == member_id), None)
    if member is None:
        raise InvalidInput(NOT_A_MEMBER, field="member_id")
    if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= len(current.items):
        raise InvalidInput(UNKNOWN_ITEM.format(n=len(current.items)), field="item")
    in_force = rule_in_force("conduct", estate, clock.today())
    case = ConductCase.objects.create(estate=estate, rules=current, item=item, member=member, reported_by=actor,
                                      reported_at=clock.now(),
                                      evidence=clean_text(evidence, MAX_TEXT, EVIDENCE_REQUIRED, field="evidence"),
                                      rule_label=(in_force.label if in_force else selectors.rules_label(current))[:200],
                                      rule_version_id=in_force.version_id if in_force else None)
    notify(holders(rules.REVIEW_ORGANISER_ROLES - {Role.ADMINISTRATOR, Role.SUBDISTRICT_OFFICER}, estate),
           title=f"九不准举报：{estate.name}", body=current.items[item - 1],
           link=reverse("reviews:case_detail", args=[case.pk]))
    audit_record(actor, AuditAction.BREACH_REPORT, case, after={"member_id": member.pk, "item": item,
                                                                "rules_version": current.version,
                                                                "rule_label": case.rule_label,
                                                                "rule_version_id": case.rule_version_id})
    return case


def _locked_case(actor, case_id) -> ConductCase:
    visible = object_for(actor, ConductCase.objects.all(), case_id, roles=rules.REVIEW_ORGANISER_ROLES, denied=ORGANISER_ONLY)
    return ConductCase.objects.select_for_update(of=("self",)).select_related("estate", "member", "rules").get(
        pk=visible.pk)


@transaction.atomic
def breach_interview(actor, *, case_id: int, held_on: datetime.date, notes: str) -> ConductCase:
    case = _locked_case(actor, case_id)
    if case.status != CaseStatus.REPORTED:
        raise WrongState(NOT_TO_INTERVIEW)
    if held_on > clock.today():
        raise InvalidInput(HELD_IN_FUTURE, field="held_on")
    case.interview_notes = clean_text(notes, MAX_TEXT, INTERVIEW_NOTES, field="notes")
    case.interviewed_on, case.status = held_on, CaseStatus.INTERVIEWED
    case.save(update_fields=["interview_notes", "interviewed_on", "status"])
    audit_record(actor, AuditAction.BREACH_INTERVIEW, case, after={"held_on": str(held_on), "notes": case.interview_notes})
    return case


@transaction.atomic
def breach_find(actor, *, case_id: int, confirmed: bool, finding: str) -> ConductCase:
    """The community's finding after the interview: a confirmed breach stays on the member's record
    (selectors.confirmed_breaches, for the next election's eligibility review)."""
    case = _locked_case(actor, case_id)
    if case.status == CaseStatus.REPORTED:
        raise WrongState(INTERVIEW_FIRST)
    if case.status != CaseStatus.INTERVIEWED:
        raise WrongState(NOT_TO_INTERVIEW)
    case.finding = clean_text(finding, MAX_TEXT, FINDING_REQUIRED, field="finding")
    case.status = CaseStatus.CONFIRMED if confirmed else CaseStatus.CLEARED
    case.decided_by, case.decided_at = actor, clock.now()
    case.save(update_fields=["finding", "status", "decided_by", "decided_at"])
    notify([case.reported_by_id] if case.reported_by_id else [], title=f"九不准举报认定：{case.get_status_display()}",
           body=case.finding[:200], link=reverse("reviews:case_detail", args=[case.pk]))
    audit_record(actor, AuditAction.BREACH_FIND, case, after={"status": case.status, "finding": case.finding})
    return case


# --- 九不准: the consequences of a confirmed breach -----------------------------------------------------
CONSEQUENCE_ROLES_ONLY = ("只有社区（党组织书记、工作人员）可以对认定违反的委员立案问责或提请罢免，业委会不能处理自己的委员 / "
                          "Only the community acts on a confirmed breach; the committee does not judge its own")
NOT_CONFIRMED = "只有认定违反的举报才能立案问责或提请罢免 / Only a confirmed breach leads to a case or a removal motion"
ALREADY_CASE = "已经就该认定立案问责 / An accountability case is already open for this finding"
ALREADY_REMOVAL = "已经就该认定提请罢免 / A removal motion is already drafted for this finding"
DEADLINE_PAST = "整改期限须晚于今天 / The deadline must be after today"
SOURCE_CONDUCT = "九不准"


def _confirmed_case(actor, case_id, roles) -> ConductCase:
    visible = object_for(actor, ConductCase.objects.all(), case_id, roles=roles, denied=CONSEQUENCE_ROLES_ONLY)
    case = ConductCase.objects.select_for_update(of=("self",)).select_related("estate", "member", "rules").get(
        pk=visible.pk)
    if case.status != CaseStatus.CONFIRMED:
        raise WrongState(NOT_CONFIRMED)
    return case


@transaction.atomic
def breach_case_open(actor, *, case_id: int, deadline: datetime.date, description: str = ""):
    """A confirmed breach opens an accountability case (乱必追责) in finance: source 九不准, the member
    responsible, a deadline; once per finding. The community's secretary (who opens finance's cases)."""
    case = _confirmed_case(actor, case_id, rules.BREACH_CASE_ROLES)
    if case.accountability_case_id is not None:
        raise WrongState(ALREADY_CASE)
    if not isinstance(deadline, datetime.date) or deadline <= clock.today():
        raise InvalidInput(DEADLINE_PAST, field="deadline")
    item_text = case.rules.items[case.item - 1]
    opened = finance_audits.case_open(
        actor, estate_id=case.estate_id, source=SOURCE_CONDUCT, responsible=case.member.name, deadline=deadline,
        description=(clean_text(description, MAX_TEXT, field="description")
                     or f"业委会委员{case.member.name}经认定违反九不准第{case.item}条（{item_text}）：{case.finding}"))
    case.accountability_case = opened
    case.save(update_fields=["accountability_case"])
    audit_record(actor, AuditAction.BREACH_ACCOUNTABILITY, case, after={"accountability_case_id": opened.pk,
                                                                         "deadline": str(deadline)})
    return case


@transaction.atomic
def breach_removal_propose(actor, *, case_id: int, opens_at: datetime.datetime, closes_at: datetime.datetime,
                           description: str = ""):
    """A confirmed breach drafts a motion to remove the member: an owners' vote on item 3 of Civil Code
    art. 278 (选举业主委员会或者更换业主委员会成员), a yes/no question without seats, for the organisers to
    announce; once per finding. The community only, never the committee itself."""
    case = _confirmed_case(actor, case_id, rules.BREACH_REMOVAL_ROLES)
    if case.removal_vote_id is not None:
        raise WrongState(ALREADY_REMOVAL)
    item_text = case.rules.items[case.item - 1]
    vote = votes.vote_create(
        actor, estate_id=case.estate_id, item=3, opens_at=opens_at, closes_at=closes_at,
        title=f"罢免{case.member.name}业主委员会委员职务",
        description=(clean_text(description, MAX_TEXT, field="description")
                     or f"经社区约谈认定，{case.member.name}违反九不准第{case.item}条（{item_text}）：{case.finding}"))
    case.removal_vote = vote
    case.save(update_fields=["removal_vote"])
    audit_record(actor, AuditAction.BREACH_REMOVAL, case, after={"vote_id": vote.pk})
    return case


# --- mediated disputes (counted in the quarterly comparison) ------------------------------------------
MEDIATOR_ONLY = ("只有社区、网格员和业委会主任可以登记和办结调解 / Only the community, the grid worker and the "
                 "committee's chair record and close mediations")
UNKNOWN_MEDIATION_KIND = "请选择纠纷类别 / Choose the kind of dispute"
SUMMARY_REQUIRED = "请填写纠纷概要 / Describe the dispute"
MEDIATOR_REQUIRED = "请填写调解人或调解组织（最多 60 字） / Name the mediator (at most 60 characters)"
RECEIVED_IN_FUTURE = "受理日期不能晚于今天 / The dispute cannot be received after today"
RECEIVED_REQUIRED = "请填写受理日期（年-月-日） / Give the day it was received (YYYY-MM-DD)"
OUTCOME_REQUIRED = "请填写调解结果 / Write the outcome"
MEDIATION_CLOSED = "该调解已办结 / This mediation is already closed"
CLOSED_BEFORE_RECEIVED = "办结日期不能早于受理日期 / A mediation cannot close before it was received"


@transaction.atomic
def mediation_record(actor, *, estate_id: int, kind: str, summary: str, mediator: str,
                     received_on: datetime.date) -> Mediation:
    """A dispute taken up for mediation on a day (today or earlier)."""
    estate = estate_for(actor, estate_id, roles=rules.MEDIATOR_ROLES, denied=MEDIATOR_ONLY)
    if kind not in MediationKind.values:
        raise InvalidInput(UNKNOWN_MEDIATION_KIND, field="kind")
    summary = clean_text(summary, MAX_TEXT, SUMMARY_REQUIRED, field="summary")
    mediator = clean_text(mediator, 60, MEDIATOR_REQUIRED, field="mediator")
    if not isinstance(received_on, datetime.date):
        raise InvalidInput(RECEIVED_REQUIRED, field="received_on")
    if received_on > clock.today():
        raise InvalidInput(RECEIVED_IN_FUTURE, field="received_on")
    mediation = Mediation.objects.create(estate=estate, kind=kind, summary=summary, mediator=mediator,
                                         received_on=received_on, recorded_by=actor, recorded_at=clock.now())
    audit_record(actor, AuditAction.MEDIATION_RECORD, mediation, after=snapshot(mediation))
    return mediation


@transaction.atomic
def mediation_close(actor, *, mediation_id: int, settled: bool, outcome: str) -> Mediation:
    """Settled (化解) or not, with its outcome, today; once."""
    visible = object_for(actor, Mediation.objects.all(), mediation_id, roles=rules.MEDIATOR_ROLES,
                         denied=MEDIATOR_ONLY)
    mediation = Mediation.objects.select_for_update().get(pk=visible.pk)
    if mediation.status != MediationStatus.OPEN:
        raise WrongState(MEDIATION_CLOSED)
    outcome = clean_text(outcome, MAX_TEXT, OUTCOME_REQUIRED, field="outcome")
    today = clock.today()
    if today < mediation.received_on:
        raise WrongState(CLOSED_BEFORE_RECEIVED)
    before = snapshot(mediation)
    mediation.status = MediationStatus.SETTLED if settled else MediationStatus.UNSETTLED
    mediation.outcome, mediation.closed_on, mediation.closed_by = outcome, today, actor
    mediation.save(update_fields=["status", "outcome", "closed_on", "closed_by"])
    audit_record(actor, AuditAction.MEDIATION_CLOSE, mediation, before=before, after=snapshot(mediation))
    return mediation
