"""Community life's tables: an estate's spaces and their bookings (no two holding bookings of one space
overlap: a database exclusion constraint on PostgreSQL, added by migration 0002), activities with their
sign-ups, waiting list and check-ins, and volunteer teams with the hours their members served."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.services.choices import (
    ActivityKind,
    Approver,
    BookingStatus,
    Panel,
    PledgeKind,
    ProjectKind,
    SignupStatus,
)


class _OfEstate(models.Model):
    estate = models.ForeignKey("places.Estate", models.PROTECT, related_name="+", verbose_name=_("小区"))

    class Meta:
        abstract = True

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.estate_id, self.estate.community_id


class Space(_OfEstate):
    """A room or corner residents may book: the seeds' stations and centres (红色议事厅, 阅读角 …). A
    community's centre is registered at the estate that hosts it."""

    name = models.CharField(_("名称"), max_length=60)
    area_m2 = models.PositiveIntegerField(_("面积（平方米）"), default=0)
    capacity = models.PositiveIntegerField(_("容纳人数"))
    opens = models.TimeField(_("开放时间"))
    closes = models.TimeField(_("关闭时间"))
    max_hours = models.PositiveSmallIntegerField(_("单次最长（小时）"), default=4)
    rules = models.TextField(_("使用规则"), blank=True)
    needs_approval = models.BooleanField(_("需审批"), default=False)
    approver = models.CharField(_("审批方"), max_length=16, choices=Approver.choices, default=Approver.COMMITTEE)
    active = models.BooleanField(_("开放"), default=True)

    class Meta:
        verbose_name = _("活动场地")
        verbose_name_plural = _("活动场地")
        # A name once per estate is the service's check (space_create), not a constraint: the cross-scope
        # probe copies several spaces into one estate under one marked name.
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="services_space_opens_before_closing"),
        ]

    def __str__(self):
        return self.name


class Booking(_OfEstate):
    space = models.ForeignKey(Space, models.PROTECT, related_name="bookings", verbose_name=_("场地"))
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("预约人"))
    organisation = models.ForeignKey("bodies.Organisation", models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("代表组织"))
    purpose = models.CharField(_("用途"), max_length=200)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    status = models.CharField(_("状态"), max_length=16, choices=BookingStatus.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("预约时间"))

    class Meta:
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        indexes = [models.Index(fields=["space", "starts_at"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                              name="services_booking_ends_after_start")]

    def __str__(self):
        return f"{self.space.name} {self.starts_at:%Y-%m-%d %H:%M}"


class Activity(_OfEstate):
    title = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=ActivityKind.choices)
    space = models.ForeignKey(Space, models.PROTECT, null=True, blank=True, related_name="activities",
                              verbose_name=_("场地"))
    booking = models.OneToOneField(Booking, models.PROTECT, null=True, blank=True, related_name="activity",
                                   verbose_name=_("场地预约"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("名额"))
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("组织者"))
    partners = models.ManyToManyField("bodies.Organisation", blank=True, related_name="+",
                                      verbose_name=_("共建单位"))
    pairing = models.ForeignKey("Pairing", models.PROTECT, null=True, blank=True, related_name="activities",
                                verbose_name=_("挂点结对"))
    description = models.TextField(_("说明"), blank=True)
    report = models.TextField(_("活动小结"), blank=True)
    reported_at = models.DateTimeField(_("小结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        indexes = [models.Index(fields=["estate", "starts_at"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                              name="services_activity_ends_after_start")]

    def __str__(self):
        return self.title


class Signup(models.Model):
    """A user's place at an activity: confirmed, waiting (in order of sign-up) or cancelled; checked in
    at the door (by the QR code or the organiser's tick)."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups", verbose_name=_("活动"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("报名人"))
    status = models.CharField(_("状态"), max_length=16, choices=SignupStatus.choices)
    signed_up_at = models.DateTimeField(_("报名时间"))
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("签到确认人"))
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="services_signup_once")]

    def __str__(self):
        return f"{self.activity.title} · {self.user.first_name or self.user.get_username()}"

    def scope_ids(self):
        return self.activity.scope_ids()


class VolunteerTeam(models.Model):
    """A team of a volunteer association (志愿服务队) and the services it offers: an estate's, or the
    community's own association (no estate), whose members live in any of its estates."""

    estate = models.ForeignKey("places.Estate", models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("小区"))
    community = models.ForeignKey("places.Community", models.PROTECT, related_name="+", verbose_name=_("社区"))
    name = models.CharField(_("名称"), max_length=60)
    services = models.CharField(_("服务项目"), max_length=200, blank=True)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("队长"))
    created_at = models.DateTimeField(_("成立时间"))

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.estate_id, self.community_id


class VolunteerMember(models.Model):
    team = models.ForeignKey(VolunteerTeam, models.CASCADE, related_name="members", verbose_name=_("服务队"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("志愿者"))
    skills = models.CharField(_("特长"), max_length=100, blank=True)
    joined_on = models.DateField(_("加入日期"))

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="services_member_once")]

    def __str__(self):
        return f"{self.team.name} · {self.user.first_name}"

    def scope_ids(self):
        return self.team.scope_ids()


class VolunteerHours(models.Model):
    """Hours a volunteer served, at an activity or on a 三单制 order they completed, confirmed by the
    organiser (the activity's, or the order's dispatcher): once per activity or order and person. An
    order's hours are claimed when it is completed and count once confirmed (confirmed_at set). The
    party-points ledger may draw on them: selectors.volunteer_hours_of."""

    activity = models.ForeignKey(Activity, models.PROTECT, null=True, blank=True, related_name="volunteer_hours",
                                 verbose_name=_("活动"))
    order = models.ForeignKey("requests.Order", models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("点单"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("志愿者"))
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("确认人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="services_hours_once_per_activity"),
            models.UniqueConstraint(fields=["order", "user"], name="services_hours_once_per_order"),
            models.CheckConstraint(condition=Q(minutes__gt=0), name="services_hours_positive"),
            models.CheckConstraint(condition=Q(activity__isnull=True, order__isnull=False)
                                   | Q(activity__isnull=False, order__isnull=True), name="services_hours_one_source"),
        ]

    def __str__(self):
        source = self.activity.title if self.activity_id else str(self.order)
        return f"{source} · {self.minutes // 60}h{self.minutes % 60:02d}"

    def scope_ids(self):
        return self.activity.scope_ids() if self.activity_id else self.order.scope_ids()


class Pairing(_OfEstate):
    """挂点结对: a partner unit or district department paired with an estate for a time, the duties it takes
    on and the services it brings (五进小区: kinds of activity), under a co-construction agreement if one
    was signed. Its services are the activities that name it."""

    partner = models.ForeignKey("bodies.Organisation", models.PROTECT, related_name="+", verbose_name=_("结对单位"))
    agreement = models.ForeignKey("bodies.CoConstructionAgreement", models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("党建共建协议"))
    starts_on = models.DateField(_("结对开始"))
    ends_on = models.DateField(_("结对结束"), null=True, blank=True)
    duties = models.TextField(_("承担职责"))
    services = models.JSONField(_("服务项目"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("挂点结对")
        verbose_name_plural = _("挂点结对")
        constraints = [models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                                              name="services_pairing_ends_after_start")]

    def __str__(self):
        return f"{self.partner} ⇄ {self.estate}"

    def on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Adviser(_OfEstate):
    """A member of the estate's 顾问组 (a profession) or 智囊团 (a voice), asked for opinions on matters."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("顾问"))
    panel = models.CharField(_("所属"), max_length=16, choices=Panel.choices)
    profession = models.CharField(_("职业或专长"), max_length=60, blank=True)
    active = models.BooleanField(_("在聘"), default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("聘请人"))
    added_at = models.DateTimeField(_("聘请时间"))

    class Meta:
        verbose_name = _("顾问")
        verbose_name_plural = _("顾问")
        constraints = [models.UniqueConstraint(fields=["estate", "user"], condition=Q(active=True),
                                               name="services_adviser_once")]

    def __str__(self):
        return f"{self.get_panel_display()} · {self.user.first_name or self.user.get_username()}"


class AdviceRequest(_OfEstate):
    """"Ask the advisers" on a meetings matter, at the step the matter stood at when asked: each adviser's
    written opinion (AdviceOpinion) is attached to that step."""

    matter = models.ForeignKey("meetings.Matter", models.PROTECT, related_name="+", verbose_name=_("议题"))
    step_index = models.PositiveSmallIntegerField(_("步骤序号"))
    step_key = models.CharField(_("步骤"), max_length=32)
    step_label = models.CharField(_("步骤名称"), max_length=100)
    question = models.TextField(_("征询事项"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("征询人"))
    asked_at = models.DateTimeField(_("征询时间"))

    class Meta:
        verbose_name = _("顾问意见征询")
        verbose_name_plural = _("顾问意见征询")

    def __str__(self):
        return f"{self.matter} · {self.step_label}"


class AdviceOpinion(models.Model):
    request = models.ForeignKey(AdviceRequest, models.CASCADE, related_name="opinions", verbose_name=_("征询"))
    adviser = models.ForeignKey(Adviser, models.PROTECT, related_name="opinions", verbose_name=_("顾问"))
    text = models.TextField(_("意见"), blank=True)
    written_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("顾问意见")
        verbose_name_plural = _("顾问意见")
        constraints = [models.UniqueConstraint(fields=["request", "adviser"], name="services_opinion_once")]

    def __str__(self):
        return f"{self.request} · {self.adviser}"

    def scope_ids(self):
        return self.request.scope_ids()


class _Photo(models.Model):
    """A photo normalised by core.images, of the record its subclass names (`of`)."""

    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self):
        return self.file.name

    def scope_ids(self):
        return getattr(self, self.of).scope_ids()


class ActivityPhoto(_Photo):
    """A photo of an activity (with its short report)."""

    of = "activity"
    activity = models.ForeignKey(Activity, models.CASCADE, related_name="photos", verbose_name=_("活动"))
    file = models.FileField(_("照片"), upload_to="services/activities/%Y/%m/")

    class Meta(_Photo.Meta):
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")


class Project(_OfEstate):
    """红色物业项目: opened by the community party organisation from residents' needs, raising money and
    labour (筹资筹劳); a lift project (电梯集资) shares its budget among a building's households by floor."""

    title = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=ProjectKind.choices)
    needs = models.TextField(_("居民需求"), blank=True)
    budget = models.BigIntegerField(_("预算（分）"))
    building = models.ForeignKey("places.Building", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发起人"))
    opened_at = models.DateTimeField(_("成立时间"))
    closed_at = models.DateTimeField(_("结项时间"), null=True, blank=True)
    final_account = models.TextField(_("决算说明"), blank=True)
    consultation = models.ForeignKey("votes.Consultation", models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("业主意见征询"))

    class Meta:
        verbose_name = _("红色物业项目")
        verbose_name_plural = _("红色物业项目")
        constraints = [models.CheckConstraint(condition=Q(budget__gt=0), name="services_project_budget_positive")]

    def __str__(self):
        return self.title


class ProjectShare(models.Model):
    """A household's share of a project's budget (电梯集资: by floor)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="shares", verbose_name=_("项目"))
    unit = models.ForeignKey("places.Unit", models.PROTECT, related_name="+", verbose_name=_("房屋"))
    amount = models.BigIntegerField(_("应摊（分）"))

    class Meta:
        verbose_name = _("分摊")
        verbose_name_plural = _("分摊")
        constraints = [models.UniqueConstraint(fields=["project", "unit"], name="services_share_once")]

    def __str__(self):
        return f"{self.project.title} · {self.unit.code}"

    def scope_ids(self):
        return self.project.scope_ids()


class Pledge(models.Model):
    project = models.ForeignKey(Project, models.PROTECT, related_name="pledges", verbose_name=_("项目"))
    kind = models.CharField(_("方式"), max_length=8, choices=PledgeKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("认捐人"))
    unit = models.ForeignKey("places.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("房屋"))
    amount = models.BigIntegerField(_("认捐金额（分）"), default=0)
    person_days = models.DecimalField(_("人·天"), max_digits=6, decimal_places=1, default=0)
    skill = models.CharField(_("技能"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("认捐时间"))

    class Meta:
        verbose_name = _("认捐认劳")
        verbose_name_plural = _("认捐认劳")
        constraints = [models.CheckConstraint(
            condition=Q(kind="money", amount__gt=0) | Q(kind="labour", person_days__gt=0), name="services_pledge_something")]

    def __str__(self):
        return f"{self.project.title} · {self.get_kind_display()}"

    def scope_ids(self):
        return self.project.scope_ids()


class PledgePayment(models.Model):
    """Money of a pledge received into the estate's common account: the journal's transaction."""

    pledge = models.ForeignKey(Pledge, models.PROTECT, related_name="payments", verbose_name=_("认捐"))
    transaction = models.OneToOneField("finance.Transaction", models.PROTECT, related_name="+",
                                       verbose_name=_("凭证"))
    amount = models.BigIntegerField(_("金额（分）"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("认捐到账")
        verbose_name_plural = _("认捐到账")

    def __str__(self):
        return f"{self.pledge} · {self.amount / 100:.2f}"

    def scope_ids(self):
        return self.pledge.scope_ids()


class Milestone(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="milestones", verbose_name=_("项目"))
    title = models.CharField(_("进度事项"), max_length=100)
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("项目进度")
        verbose_name_plural = _("项目进度")
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="services_progress_at_most_100")]

    def __str__(self):
        return f"{self.project.title} · {self.progress}%"

    def scope_ids(self):
        return self.project.scope_ids()


class Dispute(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="disputes", verbose_name=_("项目"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("提出人"))
    text = models.TextField(_("异议"))
    raised_at = models.DateTimeField(_("提出时间"))
    resolution = models.TextField(_("调解结果"), blank=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("调解人"))
    settled_at = models.DateTimeField(_("调解时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目异议")
        verbose_name_plural = _("项目异议")

    def __str__(self):
        return f"{self.project.title} · {self.text[:30]}"

    def scope_ids(self):
        return self.project.scope_ids()


class MilestonePhoto(_Photo):
    """A photo of a project's progress."""

    of = "milestone"
    milestone = models.ForeignKey(Milestone, models.CASCADE, related_name="photos", verbose_name=_("项目进度"))
    file = models.FileField(_("照片"), upload_to="services/projects/%Y/%m/")

    class Meta(_Photo.Meta):
        verbose_name = _("进度照片")
        verbose_name_plural = _("进度照片")
