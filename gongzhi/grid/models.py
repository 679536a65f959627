"""Grid work's tables: 两巡 (patrol plans with their checkpoints, patrols with their marks and findings,
missed patrols) and 两访 (the special-population register, visit frequencies per group, visits).

A checkpoint is marked once per patrol whatever the number of scans or taps (the database holds it); a
period of a plan is flagged missed once (the database holds it, so two schedulers agree). The register
is the product's most sensitive data: grid.rules says who reads it and grid.selectors audits each read.
The rules library: an estate's or a community's rule documents, each with numbered versions (who
proposed, what changed), each adopted version linked to what adopted it and published through the log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.grid.choices import AdoptedBy, MarkHow, Patroller, RuleKind, SpecialGroup, VisitHow
from gongzhi.meetings.models import Matter
from gongzhi.notices.models import Notice
from gongzhi.people.models import Person
from gongzhi.places.models import Building, Community, Estate, InEstate, Unit
from gongzhi.requests.models import Order, Request
from gongzhi.votes.models import Vote


class PatrolPlan(InEstate, models.Model):
    """A route through an estate's buildings and facilities, walked every `every_days` days from
    `starts_on` by the grid worker or the property company (the assignee, or anyone of that role)."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    title = models.CharField(_("计划名称"), max_length=60)
    patroller = models.CharField(_("巡查方"), max_length=10, choices=Patroller.choices)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("巡查人"))
    every_days = models.PositiveSmallIntegerField(_("巡查周期（天）"))
    starts_on = models.DateField(_("开始日期"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("制定时间"), default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("制定人"))

    class Meta:
        verbose_name = _("巡查计划")
        verbose_name_plural = _("巡查计划")
        ordering = ["estate_id", "title", "pk"]
        constraints = [models.CheckConstraint(condition=Q(every_days__gte=1) & Q(every_days__lte=31),
                                              name="patrol_plan_every_1_to_31")]

    def __str__(self):
        return f"{self.estate} · {self.title}"


class Checkpoint(InEstate, models.Model):
    """A stop on a plan's route: a building or a named facility (东门, 消防通道, 垃圾分类点 …)."""

    plan = models.ForeignKey(PatrolPlan, models.CASCADE, related_name="checkpoints", verbose_name=_("巡查计划"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("点位名称"), max_length=60)
    building = models.ForeignKey(Building, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))

    class Meta:
        verbose_name = _("巡查点位")
        verbose_name_plural = _("巡查点位")
        ordering = ["plan_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="checkpoint_position_once")]

    def __str__(self):
        return f"{self.position}. {self.name}"


class Patrol(InEstate, models.Model):
    """One walk of a plan's route by one person; it covers the plan's period it started in."""

    plan = models.ForeignKey(PatrolPlan, models.PROTECT, related_name="patrols", verbose_name=_("巡查计划"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    patroller = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("巡查人"))
    period_start = models.DateField(_("所属周期"))
    started_at = models.DateTimeField(_("开始时间"), default=clock.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "patroller"], condition=Q(finished_at__isnull=True),
                                               name="patrol_one_open_per_person")]

    def __str__(self):
        return f"{self.plan.title} {clock.stamp(self.started_at)}"


class PatrolMark(InEstate, models.Model):
    patrol = models.ForeignKey(Patrol, models.CASCADE, related_name="marks", verbose_name=_("巡查"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    checkpoint = models.ForeignKey(Checkpoint, models.PROTECT, related_name="+", verbose_name=_("巡查点位"))
    how = models.CharField(_("打卡方式"), max_length=4, choices=MarkHow.choices)
    marked_at = models.DateTimeField(_("打卡时间"), default=clock.now)

    class Meta:
        verbose_name = _("点位打卡")
        verbose_name_plural = _("点位打卡")
        ordering = ["marked_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["patrol", "checkpoint"], name="patrol_mark_once")]

    def __str__(self):
        return f"{self.checkpoint} {clock.stamp(self.marked_at)}"


class Finding(InEstate, models.Model):
    """Something a patrol found; one tap makes it a request through the requests intake (channel 巡查)."""

    patrol = models.ForeignKey(Patrol, models.PROTECT, related_name="findings", verbose_name=_("巡查"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    checkpoint = models.ForeignKey(Checkpoint, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("巡查点位"))
    note = models.CharField(_("发现的问题"), max_length=1000)
    created_at = models.DateTimeField(_("记录时间"), default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("记录人"))
    request = models.OneToOneField(Request, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("转为诉求"))

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.note[:40]


class FindingPhoto(InEstate, models.Model):
    """A finding's photo as stored: normalised like a request's (an upright JPEG without EXIF or GPS)."""

    finding = models.ForeignKey(Finding, models.CASCADE, related_name="photos", verbose_name=_("巡查发现"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    file = models.FileField(_("照片"), upload_to="grid/findings/")
    content_type = models.CharField(max_length=40, default="image/jpeg")

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")

    def __str__(self):
        return self.file.name


class MissedPatrol(InEstate, models.Model):
    """A period of a plan that ended without a finished patrol (漏巡), flagged once by the sweep."""

    plan = models.ForeignKey(PatrolPlan, models.CASCADE, related_name="missed", verbose_name=_("巡查计划"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    flagged_at = models.DateTimeField(_("标记时间"), default=clock.now)

    class Meta:
        verbose_name = _("漏巡")
        verbose_name_plural = _("漏巡")
        ordering = ["-period_start", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "period_start"], name="missed_patrol_once")]

    def __str__(self):
        return f"{self.plan.title} {self.period_start}–{self.period_end}"


class VisitFrequency(models.Model):
    """A community's days between visits for one special group."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("社区"))
    group = models.CharField(_("人群类别"), max_length=20, choices=SpecialGroup.choices)
    every_days = models.PositiveSmallIntegerField(_("走访周期（天）"))

    class Meta:
        verbose_name = _("走访频次")
        verbose_name_plural = _("走访频次")
        constraints = [models.UniqueConstraint(fields=["community", "group"], name="visit_frequency_once")]

    def __str__(self):
        return f"{self.community} · {self.get_group_display()}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.community_id)


class SpecialPerson(InEstate, models.Model):
    """A person on the special-population register, in one group, with the visitor assigned to them."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("人员"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("住址"))
    group = models.CharField(_("人群类别"), max_length=20, choices=SpecialGroup.choices)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                verbose_name=_("走访责任人"))
    note = models.CharField(_("情况说明"), max_length=500, blank=True)
    since = models.DateField(_("登记日期"), default=clock.today)
    active = models.BooleanField(_("在册"), default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("特殊人群")
        verbose_name_plural = _("特殊人群")
        ordering = ["estate_id", "unit__code", "pk"]
        constraints = [models.UniqueConstraint(fields=["person", "estate", "group"], condition=Q(active=True),
                                               name="special_person_once_per_group")]

    def __str__(self):
        # The group never goes into a label that could be shown elsewhere (an audit row, a request).
        return self.person.name


class Visit(InEstate, models.Model):
    """两访: a visit to a person on the register, or a household visit (入户走访) to a unit."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    special = models.ForeignKey(SpecialPerson, models.PROTECT, null=True, blank=True, related_name="visits",
                                verbose_name=_("特殊人群"))
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("走访户"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("走访人"))
    on = models.DateField(_("走访日期"))
    how = models.CharField(_("走访方式"), max_length=8, choices=VisitHow.choices)
    needs = models.CharField(_("发现的需求"), max_length=1000, blank=True)
    note = models.CharField(_("走访情况"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), default=clock.now)
    request = models.OneToOneField(Request, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("转为诉求"))
    order = models.OneToOneField(Order, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("转为点单"))

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(special__isnull=False) | Q(unit__isnull=False),
                                              name="visit_names_whom")]

    def __str__(self):
        return f"{self.on} {self.get_how_display()}"


class RuleDocument(models.Model):
    """A rule of an estate (管理规约, 议事规则 …) or of a community (居民公约, its duties list)."""

    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("社区"))
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("小区"))
    kind = models.CharField(_("规则类别"), max_length=12, choices=RuleKind.choices)
    title = models.CharField(_("规则名称"), max_length=100)
    created_at = models.DateTimeField(_("建立时间"), default=clock.now)

    class Meta:
        verbose_name = _("规则文件")
        verbose_name_plural = _("规则文件")
        ordering = ["kind", "title", "pk"]

    def __str__(self):
        return self.title

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (self.estate_id, self.community_id)


class RuleVersion(models.Model):
    """One version of a rule: a draft until adopted; adopted, it is in force from its date until the next
    adopted version's (the database holds one number per version of a document)."""

    document = models.ForeignKey(RuleDocument, models.PROTECT, related_name="versions", verbose_name=_("规则文件"))
    number = models.PositiveSmallIntegerField(_("版本号"))
    text = models.TextField(_("条文"))
    change_note = models.CharField(_("修订说明"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("提出人"))
    proposed_at = models.DateTimeField(_("提出时间"), default=clock.now)
    adopted_by = models.CharField(_("通过方式"), max_length=10, choices=AdoptedBy.choices, blank=True)
    vote = models.ForeignKey(Vote, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("表决"))
    matter = models.ForeignKey(Matter, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("会议议题"))
    in_force_from = models.DateField(_("施行日期"), null=True, blank=True)
    notice = models.OneToOneField(Notice, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("公布"))

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        ordering = ["document_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="rule_version_number_once")]

    def __str__(self):
        return f"{self.document.title} 第{self.number}版"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.document.scope_ids()
