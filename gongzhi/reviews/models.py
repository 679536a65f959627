"""Holding service to account: evaluations of a company serving an estate (a questionnaire of weighted
items, owners' online answers one per unit, offline groups' paper results), interviews (约谈) with their
rectification items (整改), reports with photos and checks, and the 红黑榜's entries with their due
process. Invariants the database holds: one answer per unit and evaluation, one offline group of a name
per evaluation, one item number per interview, weights and scores within their ranges."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.places.models import InEstate
from gongzhi.reviews.choices import (
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


class Evaluation(InEstate, models.Model):
    """评议 of the company serving an estate over a period. The weights say how the parts combine (see
    gongzhi.reviews.selectors.evaluation_result); the threshold is the result below which the company is
    interviewed."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    company = models.ForeignKey("bodies.Organisation", models.PROTECT, related_name="+", verbose_name=_("服务企业"))
    kind = models.CharField(_("类别"), max_length=16, choices=EvaluationKind.choices, default=EvaluationKind.ORDINARY)
    scale = models.CharField(_("评分方式"), max_length=16, choices=Scale.choices, default=Scale.LEVELS)
    title = models.CharField(_("名称"), max_length=100)
    period_start = models.DateField(_("评议期开始"))
    period_end = models.DateField(_("评议期结束"))
    closes_at = models.DateTimeField(_("截止时间"))
    owners_weight = models.PositiveSmallIntegerField(_("业主网上评议权重"), default=60)
    survey_weight = models.PositiveSmallIntegerField(_("问卷权重"), default=70)
    requests_weight = models.PositiveSmallIntegerField(_("诉求办理权重"), default=30)
    fee_weight = models.PositiveSmallIntegerField(_("收费率权重"), default=0)
    threshold = models.DecimalField(_("约谈线（分）"), max_digits=4, decimal_places=1, default=60)
    status = models.CharField(_("状态"), max_length=16, choices=EvaluationStatus.choices,
                              default=EvaluationStatus.OPEN)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    score = models.DecimalField(_("综合得分"), max_digits=4, decimal_places=1, null=True, blank=True)
    notice = models.ForeignKey("notices.Notice", models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("结果公示"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("发起人"))
    created_at = models.DateTimeField(_("发起时间"))
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评议")
        verbose_name_plural = _("评议")
        indexes = [models.Index(fields=["company", "period_end"])]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="reviews_evaluation_period_order"),
            models.CheckConstraint(condition=Q(threshold__gte=0, threshold__lte=100),
                                   name="reviews_evaluation_threshold_0_100"),
        ]

    def __str__(self):
        return self.title


class EvaluationItem(models.Model):
    """One question of the questionnaire (保洁, 绿化, 安保 …) and its weight."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="items", verbose_name=_("评议"))
    name = models.CharField(_("评议项目"), max_length=40)
    weight = models.PositiveSmallIntegerField(_("权重"))
    position = models.PositiveSmallIntegerField(_("序号"))

    class Meta:
        verbose_name = _("评议项目")
        verbose_name_plural = _("评议项目")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "position"], name="reviews_item_position_once"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="reviews_item_weight_1_100"),
        ]

    def __str__(self):
        return self.name

    def scope_ids(self):
        return self.evaluation.scope_ids()


class Response(models.Model):
    """One household's answer (a household = a unit), online by an owner; never twice."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="responses", verbose_name=_("评议"))
    unit = models.ForeignKey("places.Unit", models.PROTECT, related_name="+", verbose_name=_("房屋"))
    scores = models.JSONField(_("评分"))  # {item id: 1–5}
    comment = models.TextField(_("意见建议"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("评议人"))
    answered_at = models.DateTimeField(_("评议时间"))

    class Meta:
        verbose_name = _("业主评议")
        verbose_name_plural = _("业主评议")
        constraints = [models.UniqueConstraint(fields=["evaluation", "unit"], name="reviews_response_one_per_unit")]

    def __str__(self):
        return f"{self.evaluation} · {self.unit.code}"

    def scope_ids(self):
        return self.evaluation.scope_ids()


class OfflineGroup(models.Model):
    """A named group's paper forms (行业部门, 双报到单位, 业主代表), entered as the average score per item."""

    evaluation = models.ForeignKey(Evaluation, models.CASCADE, related_name="groups", verbose_name=_("评议"))
    name = models.CharField(_("评议组"), max_length=60)
    kind = models.CharField(_("类别"), max_length=16, choices=GroupKind.choices)
    weight = models.PositiveSmallIntegerField(_("权重"))
    forms = models.PositiveIntegerField(_("纸质问卷份数"))
    scores = models.JSONField(_("各项平均分"))  # {item id: "4.2"}
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("线下评议组")
        verbose_name_plural = _("线下评议组")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "name"], name="reviews_group_name_once"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="reviews_group_weight_1_100"),
        ]

    def __str__(self):
        return self.name

    def scope_ids(self):
        return self.evaluation.scope_ids()


class Interview(InEstate, models.Model):
    """约谈: the community (or committee) meets the company about a low result or a run of complaints; the
    minutes and the company's commitments, each a rectification item."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    company = models.ForeignKey("bodies.Organisation", models.PROTECT, related_name="+", verbose_name=_("服务企业"))
    reason = models.CharField(_("约谈原因"), max_length=16, choices=InterviewReason.choices)
    evaluation = models.ForeignKey(Evaluation, models.PROTECT, null=True, blank=True, related_name="interviews",
                                   verbose_name=_("评议"))
    complaints = models.PositiveIntegerField(_("约谈时的投诉数"), default=0)
    held_on = models.DateField(_("约谈日期"))
    minutes = models.TextField(_("约谈纪要"))
    status = models.CharField(_("状态"), max_length=16, choices=InterviewStatus.choices,
                              default=InterviewStatus.RECTIFYING)
    vote = models.ForeignKey("votes.Vote", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("更换表决"))
    # The replacement the owners vote on: the incoming company and the day it starts; when the vote passes
    # the estate's contract is replaced (the new one below), when it fails the note says so.
    replacement_company = models.ForeignKey("bodies.Organisation", models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("拟选聘企业"))
    replacement_start = models.DateField(_("新合同开始日期"), null=True, blank=True)
    replacement_contract = models.ForeignKey("bodies.ServiceContract", models.PROTECT, null=True, blank=True,
                                             related_name="+", verbose_name=_("更换后的合同"))
    outcome_note = models.TextField(_("表决结果说明"), blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("约谈人"))
    opened_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("约谈")
        verbose_name_plural = _("约谈")

    def __str__(self):
        return f"{self.company} · {self.held_on}"


class Rectification(models.Model):
    """整改: one commitment of an interview, due within a number of working days."""

    interview = models.ForeignKey(Interview, models.CASCADE, related_name="items", verbose_name=_("约谈"))
    number = models.PositiveSmallIntegerField(_("序号"))
    commitment = models.CharField(_("整改事项"), max_length=500)
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"))
    due_at = models.DateTimeField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    sent_back = models.PositiveSmallIntegerField(_("退回次数"), default=0)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["interview", "number"]
        constraints = [models.UniqueConstraint(fields=["interview", "number"], name="reviews_item_number_once")]

    def __str__(self):
        return f"{self.number}. {self.commitment[:40]}"

    def scope_ids(self):
        return self.interview.scope_ids()


class RectificationReport(models.Model):
    """The company's report that an item is done, and the check of it (passed, or not → back)."""

    item = models.ForeignKey(Rectification, models.CASCADE, related_name="reports", verbose_name=_("整改事项"))
    text = models.TextField(_("整改情况"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("报告人"))
    reported_at = models.DateTimeField(_("报告时间"))
    passed = models.BooleanField(_("验收通过"), null=True, blank=True)
    check_note = models.TextField(_("验收意见"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("验收人"))
    checked_at = models.DateTimeField(_("验收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.item} · {self.reported_at:%Y-%m-%d}"

    def scope_ids(self):
        return self.item.scope_ids()


class ReportPhoto(models.Model):
    report = models.ForeignKey(RectificationReport, models.CASCADE, related_name="photos", verbose_name=_("整改报告"))
    file = models.FileField(_("照片"), upload_to="reviews/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("整改照片")
        verbose_name_plural = _("整改照片")
        ordering = ["pk"]

    def __str__(self):
        return self.file.name

    def scope_ids(self):
        return self.report.scope_ids()


class ListEntry(InEstate, models.Model):
    """A 红黑榜 entry against a household, under an article of the estate's convention: recorded with
    evidence by a named role, told to the household, open to objection until `objection_until` (that day
    included), reviewed by the branch, and only then listed, from `listed_from` to `listed_until`."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    unit = models.ForeignKey("places.Unit", models.PROTECT, related_name="+", verbose_name=_("房屋"))
    kind = models.CharField(_("榜别"), max_length=16, choices=EntryKind.choices)
    article = models.CharField(_("公约条款"), max_length=300)
    evidence = models.TextField(_("事实与证据"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))
    recorded_role = models.CharField(_("记录人身份"), max_length=32)
    recorded_at = models.DateTimeField(_("记录时间"))
    objection_until = models.DateField(_("异议截止日"))
    status = models.CharField(_("状态"), max_length=16, choices=EntryStatus.choices, default=EntryStatus.NOTIFIED)
    objection = models.TextField(_("异议"), blank=True)
    objected_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("异议人"))
    objected_at = models.DateTimeField(_("异议时间"), null=True, blank=True)
    review_note = models.TextField(_("审查意见"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("审查人"))
    reviewed_at = models.DateTimeField(_("审查时间"), null=True, blank=True)
    listed_from = models.DateField(_("上榜日期"), null=True, blank=True)
    listed_until = models.DateField(_("下榜日期"), null=True, blank=True)
    notice = models.ForeignKey("notices.Notice", models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("公示"))

    class Meta:
        verbose_name = _("红黑榜事项")
        verbose_name_plural = _("红黑榜事项")
        indexes = [models.Index(fields=["estate", "status"])]
        constraints = [
            # Nothing is listed without the branch's review.
            models.CheckConstraint(
                condition=~Q(status__in=[EntryStatus.LISTED, EntryStatus.EXPIRED]) | Q(reviewed_at__isnull=False,
                                                                                        listed_from__isnull=False),
                name="reviews_entry_listed_only_reviewed"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.unit.code}"


class Ranking(models.Model):
    """奖优惩劣: a year's ranking of the companies evaluated in a community or subdistrict (评议 or 双评),
    frozen as published (the rows) with the notices that carried it."""

    level = models.CharField(_("范围"), max_length=16)  # "community" or "subdistrict"
    community = models.ForeignKey("places.Community", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("社区"))
    subdistrict = models.ForeignKey("places.Subdistrict", models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("街道"))
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类别"), max_length=16, choices=EvaluationKind.choices)
    rows = models.JSONField(_("排名"))
    notices = models.JSONField(_("公示"), default=list)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("公布人"))
    published_at = models.DateTimeField(_("公布时间"))

    class Meta:
        verbose_name = _("奖优惩劣排名")
        verbose_name_plural = _("奖优惩劣排名")
        constraints = [
            models.CheckConstraint(condition=Q(level="community", community__isnull=False, subdistrict__isnull=True)
                                   | Q(level="subdistrict", subdistrict__isnull=False, community__isnull=True),
                                   name="reviews_ranking_one_place"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"

    def scope_ids(self):
        return None, self.community_id


class ConductRules(InEstate, models.Model):
    """九不准: the conduct list an estate adopted for its committee members; each revision is a new version
    (the cases name the version they were judged under)."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    version = models.PositiveSmallIntegerField(_("版本"))
    items = models.JSONField(_("条目"))
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("修订人"))
    adopted_at = models.DateTimeField(_("修订时间"))

    class Meta:
        verbose_name = _("九不准负面清单")
        verbose_name_plural = _("九不准负面清单")
        constraints = [models.UniqueConstraint(fields=["estate", "version"], name="reviews_conduct_version_once")]

    def __str__(self):
        return f"{self.estate} v{self.version}"


class ConductCase(InEstate, models.Model):
    """A reported breach of the conduct list by a committee member: evidence → an interview by the
    community → a finding (confirmed or not)."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    rules = models.ForeignKey(ConductRules, models.PROTECT, related_name="cases", verbose_name=_("清单版本"))
    item = models.PositiveSmallIntegerField(_("条目序号"))
    member = models.ForeignKey("people.Person", models.PROTECT, related_name="+", verbose_name=_("被举报委员"))
    evidence = models.TextField(_("事实与证据"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("举报人"))
    reported_at = models.DateTimeField(_("举报时间"))
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.REPORTED)
    interviewed_on = models.DateField(_("约谈日期"), null=True, blank=True)
    interview_notes = models.TextField(_("约谈记录"), blank=True)
    finding = models.TextField(_("认定意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("认定人"))
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    # The rule in force when the breach was reported: the rules library's version when it has one, else
    # the estate's own list (rule_version_id empty).
    rule_label = models.CharField(_("依据"), max_length=200, blank=True)
    rule_version_id = models.PositiveIntegerField(_("规则库版本"), null=True, blank=True)
    # The consequences of a confirmed breach: an accountability case (finance) and a removal motion.
    accountability_case = models.ForeignKey("finance.AccountabilityCase", models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("问责案件"))
    removal_vote = models.ForeignKey("votes.Vote", models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("罢免表决"))

    class Meta:
        verbose_name = _("九不准举报")
        verbose_name_plural = _("九不准举报")

    def __str__(self):
        return f"{self.member} · {self.item}"


class RenewalDecision(InEstate, models.Model):
    """奖优惩劣 attached to the contract: the decision to renew the estate's running contract or not, taken
    on a published ranking (named here as the reason); one decision per contract."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    contract = models.OneToOneField("bodies.ServiceContract", models.PROTECT, related_name="+",
                                    verbose_name=_("原合同"))
    ranking = models.ForeignKey(Ranking, models.PROTECT, related_name="decisions", verbose_name=_("依据的排名"))
    rank = models.PositiveSmallIntegerField(_("名次"))
    renewed = models.BooleanField(_("续聘"))
    new_contract = models.ForeignKey("bodies.ServiceContract", models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("续签合同"))
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("决定人"))
    decided_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("续聘决定")
        verbose_name_plural = _("续聘决定")
        constraints = [
            models.CheckConstraint(condition=Q(renewed=False, new_contract__isnull=True)
                                   | Q(renewed=True, new_contract__isnull=False),
                                   name="reviews_renewal_contract_iff_renewed"),
        ]

    def __str__(self):
        return f"{self.contract} · {'续聘' if self.renewed else '不续聘'}"


class Mediation(InEstate, models.Model):
    """A dispute mediated outside the request queue (老党员调解室, the grid worker, the community's mediation
    committee): received on a day, settled or not; the quarterly comparison counts it beside the requests."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))
    kind = models.CharField(_("纠纷类别"), max_length=20, choices=MediationKind.choices)
    summary = models.TextField(_("纠纷概要"))
    mediator = models.CharField(_("调解人/调解组织"), max_length=60)
    received_on = models.DateField(_("受理日期"))
    status = models.CharField(_("状态"), max_length=12, choices=MediationStatus.choices, default=MediationStatus.OPEN)
    outcome = models.TextField(_("调解结果"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("办结人"))

    class Meta:
        verbose_name = _("矛盾纠纷调解")
        verbose_name_plural = _("矛盾纠纷调解")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["estate", "received_on"])]
        constraints = [models.CheckConstraint(
            condition=Q(status=MediationStatus.OPEN, closed_on__isnull=True)
            | (~Q(status=MediationStatus.OPEN) & Q(closed_on__isnull=False)),
            name="reviews_mediation_closed_on_when_closed")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.received_on}"
