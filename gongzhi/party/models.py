"""Party work's tables. The member is people.PartyMember (a person with a status and a registration);
this app adds the points ledger (双积分) around it.

The ledger is append-only like the audit trail (the database refuses to change or delete a row, see
migration 0002): a correction is a new entry. An entry earned by something done names its source (kind,
type and id) and the rule that priced it; one source earns one entry per member and kind, which the
database holds (a retried completion cannot award twice). Also: 双报到, the chain to the household, the
亮身份 boards, posts (设岗定责) and 包保 cadres with their teams and field visits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.notices.models import Notice
from gongzhi.party.choices import (
    BoardContact,
    ClaimStatus,
    PointsKind,
    PostKind,
    RegistrationStatus,
    ServiceOrderStatus,
    TeamRole,
    UnitRegistrationStatus,
)
from gongzhi.people.models import PartyMember, Person
from gongzhi.places.models import Building, Community, Estate, InEstate, Unit
from gongzhi.requests.models import Request


class PointsRule(models.Model):
    """A community's price for one kind of work: points per entry and a cap per member and month."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("社区"))
    kind = models.CharField(_("积分类别"), max_length=20, choices=PointsKind.choices)
    points = models.PositiveSmallIntegerField(_("每次积分"))
    monthly_cap = models.PositiveIntegerField(_("每月上限"), null=True, blank=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [models.UniqueConstraint(fields=["community", "kind"], name="points_rule_one_per_kind")]

    def __str__(self):
        return f"{self.community} · {self.get_kind_display()}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.community_id)


class PointsEntry(models.Model):
    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="points_entries", verbose_name=_("党员"))
    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("社区"))
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("小区"))
    kind = models.CharField(_("积分类别"), max_length=20, choices=PointsKind.choices)
    points = models.IntegerField(_("积分"))
    # What earned it: "requests.order" and the order's id; empty for the community's own awards.
    source_type = models.CharField(_("来源类型"), max_length=40, blank=True)
    source_id = models.PositiveBigIntegerField(_("来源编号"), null=True, blank=True)
    source_label = models.CharField(_("来源"), max_length=220)
    rule = models.CharField(_("规则"), max_length=200, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    on = models.DateField(_("日期"), default=clock.today)
    created_at = models.DateTimeField(_("记录时间"), default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["community", "on"], name="points_community_on"),
                   models.Index(fields=["member", "on"], name="points_member_on")]
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "source_type", "source_id"],
                                    condition=Q(source_id__isnull=False), name="points_once_per_source"),
        ]

    def __str__(self):
        return f"{self.member} {self.points:+d} · {self.source_label}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (self.estate_id, self.community_id)


class Registration(InEstate, models.Model):
    """双报到: an in-service member registers where they live (the estate, and so its community) and
    names their work unit's party organisation (an Organisation or, where it is not on record, its name);
    the community confirms or declines. One pending or confirmed registration per member (the database
    holds it)."""

    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="registrations", verbose_name=_("党员"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("居住小区"))
    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("报到社区"))
    work_organisation = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True, related_name="+",
                                          verbose_name=_("工作单位党组织"))
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.PENDING)
    submitted_at = models.DateTimeField(_("报到时间"), default=clock.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("处理人"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("党员双报到")
        verbose_name_plural = _("党员双报到")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member"], name="registration_one_open_per_member",
                                    condition=Q(status__in=["pending", "confirmed"])),
        ]

    def __str__(self):
        return f"{self.member} → {self.estate}"

    @property
    def unit_name(self) -> str:
        return self.work_organisation.name if self.work_organisation_id else self.work_unit


class GroupBuilding(InEstate, models.Model):
    """楼栋党小组: which building a building party group covers (one group per building)."""

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="+", verbose_name=_("楼栋党小组"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    building = models.OneToOneField(Building, models.PROTECT, related_name="party_group", verbose_name=_("楼栋"))

    class Meta:
        verbose_name = _("楼栋党小组覆盖")
        verbose_name_plural = _("楼栋党小组覆盖")

    def __str__(self):
        return f"{self.organisation} · {self.building}"


class CentralHousehold(InEstate, models.Model):
    """党员中心户: a party member's household that looks after its neighbouring households."""

    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="central_households", verbose_name=_("党员"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    unit = models.OneToOneField(Unit, models.PROTECT, related_name="central_household", verbose_name=_("中心户住址"))
    since = models.DateField(_("设立日期"), default=clock.today)

    class Meta:
        verbose_name = _("党员中心户")
        verbose_name_plural = _("党员中心户")

    def __str__(self):
        return f"{self.member} · {self.unit.code}"


class CoveredHousehold(InEstate, models.Model):
    """A household a 中心户 looks after: one 中心户 per household (the database holds it)."""

    central = models.ForeignKey(CentralHousehold, models.CASCADE, related_name="covered", verbose_name=_("中心户"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    unit = models.OneToOneField(Unit, models.PROTECT, related_name="covered_by", verbose_name=_("联系户"))

    class Meta:
        verbose_name = _("中心户联系户")
        verbose_name_plural = _("中心户联系户")

    def __str__(self):
        return f"{self.central} → {self.unit.code}"


class HouseholdVisit(InEstate, models.Model):
    central = models.ForeignKey(CentralHousehold, models.PROTECT, related_name="visits", verbose_name=_("中心户"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name=_("走访户"))
    on = models.DateField(_("走访日期"))
    note = models.CharField(_("走访情况"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("中心户走访")
        verbose_name_plural = _("中心户走访")
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.central} → {self.unit.code} {self.on}"


class BoardListing(models.Model):
    """A member's own choice for the public 亮身份 board: whether they appear (not until they say so),
    how they may be reached (nothing, an office phone, their mobile masked or in full) and a photo."""

    member = models.OneToOneField(PartyMember, models.CASCADE, related_name="board_listing", verbose_name=_("党员"))
    on_board = models.BooleanField(_("在亮身份公示栏展示"), default=False)
    contact = models.CharField(_("展示的联系方式"), max_length=8, choices=BoardContact.choices,
                               default=BoardContact.NONE)
    office_phone = models.CharField(_("办公电话"), max_length=20, blank=True)
    photo = models.FileField(_("照片"), upload_to="party/photos/", blank=True)
    photo_type = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        verbose_name = _("亮身份设置")
        verbose_name_plural = _("亮身份设置")

    def __str__(self):
        return str(self.member)

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.member.registered_community_id)


class BoardPublication(InEstate, models.Model):
    """A 亮身份 board published through the notices log (the notice holds what was printed), for an
    estate or one of its buildings."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    building = models.ForeignKey(Building, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))
    notice = models.OneToOneField(Notice, models.PROTECT, related_name="+", verbose_name=_("公示"))
    published_at = models.DateTimeField(_("发布时间"), default=clock.now)

    class Meta:
        verbose_name = _("亮身份公示")
        verbose_name_plural = _("亮身份公示")
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return f"{self.estate} {self.building or ''}".strip()


class Post(InEstate, models.Model):
    """设岗定责: a post of an estate or one of its buildings with its duties, held by the member whose
    claim the community confirmed."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    building = models.ForeignKey(Building, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))
    kind = models.CharField(_("岗位类别"), max_length=16, choices=PostKind.choices)
    title = models.CharField(_("岗位名称"), max_length=60)
    duties = models.CharField(_("岗位职责"), max_length=500)
    created_at = models.DateTimeField(_("设立时间"), default=clock.now)

    class Meta:
        verbose_name = _("党员岗位")
        verbose_name_plural = _("党员岗位")
        ordering = ["building__code", "title", "pk"]

    def __str__(self):
        return f"{self.building or self.estate} · {self.title}"


class PostClaim(InEstate, models.Model):
    """A member's claim of a post; the community confirms or declines. One pending or confirmed claim
    per post (the database holds it: of two members claiming at once, one wins)."""

    post = models.ForeignKey(Post, models.PROTECT, related_name="claims", verbose_name=_("岗位"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="post_claims", verbose_name=_("党员"))
    status = models.CharField(_("状态"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    claimed_at = models.DateTimeField(_("认领时间"), default=clock.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("处理人"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("岗位认领")
        verbose_name_plural = _("岗位认领")
        ordering = ["-claimed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["post"], name="post_one_open_claim",
                                               condition=Q(status__in=["pending", "confirmed"]))]

    def __str__(self):
        return f"{self.member} → {self.post}"


class PostDuty(InEstate, models.Model):
    """A duty of a held post done (履职记录); it earns the member the community's post-duty points."""

    claim = models.ForeignKey(PostClaim, models.PROTECT, related_name="duties", verbose_name=_("岗位认领"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    on = models.DateField(_("履职日期"))
    note = models.CharField(_("履职情况"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("履职记录")
        verbose_name_plural = _("履职记录")
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.claim.post} {self.on}"


class CadreAssignment(InEstate, models.Model):
    """包保: a cadre answers for an estate from `start` to `end` (open while it runs)."""

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="cadre_assignments",
                              verbose_name=_("包保干部"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("包保小区"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("指派人"))

    class Meta:
        verbose_name = _("包保指派")
        verbose_name_plural = _("包保指派")
        ordering = ["start", "pk"]

    def __str__(self):
        return f"{self.cadre} → {self.estate}"


class CadreTeamMember(InEstate, models.Model):
    """Who goes with the cadre to the estate, and as what."""

    assignment = models.ForeignKey(CadreAssignment, models.CASCADE, related_name="team", verbose_name=_("包保指派"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("人员"))
    role = models.CharField(_("团队角色"), max_length=16, choices=TeamRole.choices)

    class Meta:
        verbose_name = _("包保团队成员")
        verbose_name_plural = _("包保团队成员")
        constraints = [models.UniqueConstraint(fields=["assignment", "person", "role"], name="cadre_team_once")]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()}"


class FieldVisit(InEstate, models.Model):
    """蹲点: a cadre's field visit to an estate and what it found; a finding can become a request."""

    assignment = models.ForeignKey(CadreAssignment, models.PROTECT, related_name="visits", verbose_name=_("包保指派"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    on = models.DateField(_("蹲点日期"))
    findings = models.CharField(_("发现的问题"), max_length=1000)
    request = models.OneToOneField(Request, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("转为诉求"))

    class Meta:
        verbose_name = _("蹲点走访")
        verbose_name_plural = _("蹲点走访")
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.assignment} {self.on}"


class OrgRelation(models.Model):
    """组织关系: a member belongs to one party organisation from the day it was transferred in (转入) until
    the day it was transferred out (转出), when it belongs to the next (or leaves the system). Rows are
    never deleted: the history of where a member's membership stood is kept. At most one open row per
    member (the database holds it)."""

    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="org_relations", verbose_name=_("党员"))
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="+", verbose_name=_("党组织"))
    start = models.DateField(_("转入日期"))
    came_from = models.CharField(_("转出单位"), max_length=120, blank=True)
    end = models.DateField(_("转出日期"), null=True, blank=True)
    went_to = models.CharField(_("转往单位"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("组织关系")
        verbose_name_plural = _("组织关系")
        ordering = ["-start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(end__isnull=True), name="org_relation_one_open"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="org_relation_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.member} · {self.organisation}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.organisation.scope_ids()


class UnitRegistration(models.Model):
    """双报到单位: a unit (a partner unit on record, or one named) registers at a community with the
    services it offers; the community confirms or declines. One pending or confirmed registration per
    unit and community (the database holds it)."""

    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("报到社区"))
    partner = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("共建单位"))
    unit_name = models.CharField(_("单位名称"), max_length=100, blank=True)
    services = models.CharField(_("可提供的服务"), max_length=500)
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=UnitRegistrationStatus.choices,
                              default=UnitRegistrationStatus.PENDING)
    submitted_at = models.DateTimeField(_("报到时间"), default=clock.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("报到人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("处理人"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("单位双报到")
        verbose_name_plural = _("单位双报到")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "partner"], name="unit_registration_one_open_partner",
                                    condition=Q(status__in=["pending", "confirmed"], partner__isnull=False)),
            models.UniqueConstraint(fields=["community", "unit_name"], name="unit_registration_one_open_name",
                                    condition=Q(status__in=["pending", "confirmed"], partner__isnull=True)),
        ]

    def __str__(self):
        return f"{self.name} → {self.community}"

    @property
    def name(self) -> str:
        return self.partner.name if self.partner_id else self.unit_name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.community_id)


class ServiceProject(InEstate, models.Model):
    """申报服务项目: a service a member offers the residents of the estate where they live; residents
    order it and the member does it."""

    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="service_projects", verbose_name=_("党员"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    title = models.CharField(_("服务项目"), max_length=60)
    description = models.CharField(_("服务内容"), max_length=500)
    active = models.BooleanField(_("接受预约"), default=True)
    declared_at = models.DateTimeField(_("申报时间"), default=clock.now)

    class Meta:
        verbose_name = _("党员服务项目")
        verbose_name_plural = _("党员服务项目")
        ordering = ["title", "pk"]

    def __str__(self):
        return f"{self.member} · {self.title}"


class ServiceOrder(InEstate, models.Model):
    """A resident's order of a member's service project; the member accepts or declines it and
    completes it, which earns the order points once."""

    project = models.ForeignKey(ServiceProject, models.PROTECT, related_name="orders", verbose_name=_("服务项目"))
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="+", verbose_name=_("小区"))
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("预约人"))
    note = models.CharField(_("需求说明"), max_length=500)
    status = models.CharField(_("状态"), max_length=12, choices=ServiceOrderStatus.choices,
                              default=ServiceOrderStatus.ORDERED)
    ordered_at = models.DateTimeField(_("预约时间"), default=clock.now)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    answer = models.CharField(_("完成情况或婉拒理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("党员服务预约")
        verbose_name_plural = _("党员服务预约")
        ordering = ["-ordered_at", "-pk"]

    def __str__(self):
        return f"{self.project.title} · {self.ordered_at:%Y-%m-%d}"
