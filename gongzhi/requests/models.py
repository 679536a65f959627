"""Residents' requests (诉求), their timeline, departments summoned (吹哨报到), orders (三单制),
community routing overrides, Open311 client keys, and the estates' smart devices with their events."""

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.core.clock import Term
from gongzhi.places.models import Building, Community, Estate, Subdistrict, Unit
from gongzhi.requests.choices import (
    DEVICE_EMERGENCY_KINDS,
    DEVICE_EVENT_CATEGORY,
    HANDLER_SHORT,
    OPEN_STATUSES,
    Category,
    Channel,
    DeviceEventKind,
    DeviceKind,
    DeviceStatus,
    EventKind,
    Grain,
    Handler,
    Level,
    OrderKind,
    OrderStatus,
    PhotoStage,
    Status,
    Tier,
)


@dataclass(frozen=True)
class RouteRow:
    """One row of the routing table: a shipped default (routing.DEFAULT_ROUTES) or a community's own."""

    category: str
    handler: str
    tier: str
    response: Term
    resolve: Term


class Route(models.Model):
    """A community's own routing row for one category (absent: the shipped default)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="request_routes", verbose_name=_("社区"))
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    handler = models.CharField(_("首办单位"), max_length=20, choices=Handler.choices)
    tier = models.CharField(_("层级"), max_length=8, choices=Tier.choices)
    response_amount = models.PositiveIntegerField(_("响应时限"))
    response_unit = models.CharField(_("响应时限单位"), max_length=16, choices=clock.Unit.choices, default=clock.Unit.HOURS)
    resolve_amount = models.PositiveIntegerField(_("办结时限"))
    resolve_unit = models.CharField(_("办结时限单位"), max_length=16, choices=clock.Unit.choices, default=clock.Unit.WORKING_DAYS)

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        constraints = [models.UniqueConstraint(fields=["community", "category"], name="one_route_per_category")]

    def __str__(self):
        return f"{self.community} · {self.get_category_display()}"

    def scope_ids(self):
        return (None, self.community_id)

    def row(self):
        return RouteRow(self.category, self.handler, self.tier, Term(self.response_amount, self.response_unit),
                        Term(self.resolve_amount, self.resolve_unit))


def overdue_q(now) -> models.Q:
    """The one definition of an overdue request: not answered by its response deadline, or still
    open past its resolution deadline. The deadline job, the lists, metrics and pages all use it."""
    return models.Q(status=Status.NEW, respond_by__lt=now) | models.Q(status__in=OPEN_STATUSES, resolve_by__lt=now)


class RequestQuerySet(models.QuerySet):
    def overdue(self, now):
        return self.filter(overdue_q(now))


class Request(models.Model):
    """One resident's problem, from intake to the requester's confirmation."""

    # The place columns are indexed by the (place, created_at) indexes below, not one by one: every
    # index is written on every intake.
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, related_name="+", verbose_name=_("街道"),
                                    db_index=False)
    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("社区"), db_index=False)
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="requests", verbose_name=_("小区"), db_index=False)
    building = models.ForeignKey(Building, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"), db_index=False)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("房屋"))
    place_text = models.CharField(_("具体位置"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    # A photo or video of the problem held elsewhere (Open311 media_url): a link, never fetched.
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)

    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    description = models.TextField(_("问题描述"))
    emergency = models.BooleanField(_("紧急（危及人身财产安全）"), default=False)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("诉求人账号"), db_index=False)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("代为登记人"))

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NEW)
    tier = models.CharField(_("层级"), max_length=8, choices=Tier.choices)
    level = models.PositiveSmallIntegerField(_("当前办理层级"), choices=Level.choices, default=Level.ESTATE)
    handler = models.CharField(_("当前办理方"), max_length=20, choices=Handler.choices)
    handler_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("办理人"), db_index=False)
    created_at = models.DateTimeField(_("提交时间"), default=clock.now)
    respond_by = models.DateTimeField(_("响应时限"))
    respond_unit = models.CharField(_("响应时限单位"), max_length=16, choices=clock.Unit.choices, default=clock.Unit.HOURS)
    resolve_by = models.DateTimeField(_("办结时限"))
    resolve_unit = models.CharField(_("办结时限单位"), max_length=16, choices=clock.Unit.choices, default=clock.Unit.HOURS)
    # A working-day deadline counted through a year whose holidays are not known yet (weekends only).
    deadline_estimated = models.BooleanField(_("时限按周末估算"), default=False)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    first_resolved_at = models.DateTimeField(_("首次办结时间"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("按期办结"), null=True)
    resolution_note = models.TextField(_("办理结果"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("办结人"), db_index=False)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    auto_closed = models.BooleanField(_("超期自动关闭"), default=False)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    satisfaction_comment = models.CharField(_("评价"), max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    token = models.UUIDField(_("受理凭证"), default=uuid.uuid4, unique=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=clock.now)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subdistrict", "created_at"], name="request_subdistrict_created"),
            models.Index(fields=["community", "created_at"], name="request_community_created"),
            models.Index(fields=["estate", "created_at"], name="request_estate_created"),
            models.Index(fields=["status", "respond_by"], name="request_status_respond_by"),
            models.Index(fields=["status", "resolve_by"], name="request_status_resolve_by"),
            models.Index(fields=["status", "resolved_at"], name="request_status_resolved_at"),
            models.Index(fields=["requester", "created_at"], name="request_requester"),
            # The handler's and resolver's own lists, newest first (these replace the single-column indexes).
            models.Index(fields=["handler_user", "created_at"], name="request_handler_created"),
            models.Index(fields=["resolved_by", "created_at"], name="request_resolver_created"),
            models.Index(fields=["building", "created_at"], name="request_building"),
            # Everyone's requests newest first: the order a district's or the whole city's list walks and
            # checks each row's places against (a district's subdistricts as one IN cannot walk theirs).
            models.Index(fields=["created_at", "id"], name="request_created"),
            # The open requests of a subdistrict (or a district's subdistricts) by age: a few hundred
            # entries, where the full index holds every request the subdistrict ever had.
            models.Index(fields=["subdistrict", "created_at"], name="request_open_subdistrict",
                         condition=models.Q(status__in=OPEN_STATUSES)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(satisfaction__isnull=True) | models.Q(
                satisfaction__gte=1, satisfaction__lte=5), name="request_satisfaction_1_to_5"),
        ]

    def __str__(self):
        return f"诉求 {self.number} {self.get_category_display()}"

    @property
    def deadline_warning(self) -> str:
        """Why a working-day deadline may be off: it was counted by weekends only."""
        if not self.deadline_estimated:
            return ""
        first, last = clock.local_date(self.updated_at).year, clock.local_date(self.resolve_by).year
        unknown = [y for y in range(first, last + 1) if not clock.covered(y)] or [last]
        return clock.estimated_warning(unknown)

    @property
    def number(self) -> str:
        return f"SQ{self.pk:06d}" if self.pk else ""

    @property
    def headline(self) -> str:
        """What the request is about, short enough for a card or a message: SQ000149 楼道灯不亮."""
        first = (self.description or "").strip().splitlines()[0] if (self.description or "").strip() else ""
        text = first[:20] + ("…" if len(first) > 20 else "")
        return f"{self.number} {text or self.get_category_display()}"

    @property
    def progress(self) -> str:
        """Where the request stands, in the words a resident would use: 物业已受理，预计 12月5日 前办结."""
        who = HANDLER_SHORT.get(self.handler, self.get_handler_display())
        if self.status == Status.NEW:
            return gettext("已提交，等待%(who)s响应（%(day)s 前）") % {"who": who, "day": clock.month_day(self.respond_by)}
        if self.status == Status.IN_PROGRESS:
            if clock.now() > self.resolve_by:
                return gettext("%(who)s办理中，已超过办结时限 %(day)s") % {"who": who, "day": clock.month_day(self.resolve_by)}
            return gettext("%(who)s已受理，预计 %(day)s 前办结") % {"who": who, "day": clock.month_day(self.resolve_by)}
        if self.status == Status.RESOLVED:
            return gettext("%(who)s已办结，请您确认是否解决") % {"who": who}
        return gettext("已关闭")

    def scope_ids(self):
        return (self.estate_id, self.community_id)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES



class RequestRollup(models.Model):
    """The figures of the requests filed in one estate on one local day (or month), of one category: the
    request metrics and the dashboard sum these rows instead of counting requests.

    Kept by the database itself, in the transaction that writes the request (triggers on requests_request
    and requests_summons, migration 0008): whatever writes a request — a service, a job's update, the seed's
    COPY, a test's factory — moves its counts from the row it was counted in to the row it belongs to now,
    with INSERT … ON CONFLICT DO UPDATE SET n = n + delta, so two writers of one row add up. Every request
    is counted twice: in its day's row and in its month's row (a month is read from one row instead of
    thirty). Each count is of the requests as they are now (a request filed in March and resolved in May
    counts as resolved in March's row), like the metrics' counts of a period's requests.
    `gongzhi rollups_rebuild` recounts them from the requests (rollups.rebuild)."""

    grain = models.PositiveSmallIntegerField(_("粒度"), choices=Grain.choices)
    day = models.DateField(_("日期"))  # the local day, or the first day of the month
    subdistrict = models.ForeignKey(Subdistrict, models.CASCADE, related_name="+", db_index=False)
    community = models.ForeignKey(Community, models.CASCADE, related_name="+", db_index=False)
    estate = models.ForeignKey(Estate, models.CASCADE, related_name="+", db_index=False)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    received = models.IntegerField(_("收到"), default=0)
    done = models.IntegerField(_("已办结"), default=0)  # resolved or closed
    first_resolved = models.IntegerField(_("首次办结"), default=0)  # resolved_on_time is known
    on_time = models.IntegerField(_("按期办结"), default=0)
    rated = models.IntegerField(_("已评价"), default=0)
    satisfied = models.IntegerField(_("满意"), default=0)  # rated 4 or 5
    satisfaction_sum = models.IntegerField(_("评分合计"), default=0)
    open = models.IntegerField(_("未办结"), default=0)
    reopened = models.IntegerField(_("重新办理"), default=0)
    summoned = models.IntegerField(_("吹哨"), default=0)  # with at least one summons
    timed = models.IntegerField(_("计时"), default=0)  # done with a resolution time
    resolve_us = models.BigIntegerField(_("办结用时合计（微秒）"), default=0)
    # received, by the level each request is at now (1 estate … 5 cadre)
    level1 = models.IntegerField(default=0)
    level2 = models.IntegerField(default=0)
    level3 = models.IntegerField(default=0)
    level4 = models.IntegerField(default=0)
    level5 = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("诉求统计")
        verbose_name_plural = _("诉求统计")
        constraints = [models.UniqueConstraint(
            fields=["estate", "community", "subdistrict", "grain", "day", "category"], name="one_rollup_per_key")]
        indexes = [models.Index(fields=["subdistrict", "grain", "day"], name="rollup_subdistrict_day"),
                   models.Index(fields=["community", "grain", "day"], name="rollup_community_day")]

    def __str__(self):
        return f"{self.estate_id} {self.day} {self.category} {self.received}"


class Event(models.Model):
    """One step on a request's timeline."""

    request = models.ForeignKey(Request, models.CASCADE, related_name="events", verbose_name=_("诉求"))
    kind = models.CharField(_("事件"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=clock.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    note = models.TextField(_("说明"), blank=True)
    against_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("计入办理人"), db_index=False)

    class Meta:
        verbose_name = _("诉求进展")
        verbose_name_plural = _("诉求进展")
        ordering = ["at", "pk"]
        # event_at: the Open311 updates feed polls by time.
        indexes = [models.Index(fields=["kind", "at"], name="event_kind_at"), models.Index(fields=["at"], name="event_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Escalation(models.Model):
    """A climb from one level to the next; one row per level reached, so a deadline job run twice
    (or by two workers at once) cannot escalate twice."""

    request = models.ForeignKey(Request, models.CASCADE, related_name="escalations", verbose_name=_("诉求"))
    from_level = models.PositiveSmallIntegerField(_("原层级"), choices=Level.choices)
    to_level = models.PositiveSmallIntegerField(_("上报至"), choices=Level.choices)
    automatic = models.BooleanField(_("超时自动"), default=False)
    reason = models.CharField(_("原因"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("上报记录")
        verbose_name_plural = _("上报记录")
        constraints = [models.UniqueConstraint(fields=["request", "to_level"], name="one_escalation_per_level")]
        indexes = [models.Index(fields=["at"], name="escalation_at")]

    def __str__(self):
        return f"{self.get_from_level_display()} → {self.get_to_level_display()}"


class Summons(models.Model):
    """吹哨报到: a department the subdistrict summoned must report (报到) by a deadline, then act."""

    request = models.ForeignKey(Request, models.CASCADE, related_name="summonses", verbose_name=_("诉求"))
    department = models.ForeignKey(Organisation, models.PROTECT, related_name="summonses", verbose_name=_("部门"))
    summoned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    summoned_at = models.DateTimeField(_("吹哨时间"), default=clock.now)
    report_by = models.DateTimeField(_("报到时限"))
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    acted_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    action_note = models.TextField(_("处置情况"), blank=True)
    overdue_notified = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("吹哨报到")
        verbose_name_plural = _("吹哨报到")
        constraints = [models.UniqueConstraint(fields=["request", "department"], name="one_summons_per_department")]
        indexes = [models.Index(fields=["reported_at", "report_by"], name="summons_report_due")]

    def __str__(self):
        return f"{self.request} · {self.department.name}"

    def scope_ids(self):
        return (self.request.estate_id, self.request.community_id)


class Photo(models.Model):
    request = models.ForeignKey(Request, models.CASCADE, related_name="photos", verbose_name=_("诉求"))
    stage = models.CharField(_("阶段"), max_length=12, choices=PhotoStage.choices, default=PhotoStage.REPORT)
    file = models.FileField(_("照片"), upload_to="requests/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["pk"]

    def __str__(self):
        return self.file.name


# --- 三单制 ----------------------------------------------------------------------------------------
class Order(models.Model):
    """点单 → 派单 → 接单: a resident orders a service or a micro-wish; the community or branch
    dispatches it to party members, building heads or volunteers; the first to accept does it."""

    kind = models.CharField(_("类别"), max_length=16, choices=OrderKind.choices)
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="orders", verbose_name=_("小区"))
    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("社区"))
    building = models.ForeignKey(Building, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("点单人"))
    created_at = models.DateTimeField(_("点单时间"), default=clock.now)
    status = models.CharField(_("状态"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.ORDERED)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("派单人"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accept_by = models.DateTimeField(_("接单时限"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("接单人"))
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)

    class Meta:
        verbose_name = _("点单")
        verbose_name_plural = _("点单")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "accept_by"], name="order_status_accept_by"),
                   models.Index(fields=["estate", "created_at"], name="order_estate_created")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    def scope_ids(self):
        return (self.estate_id, self.community_id)


class OrderOffer(models.Model):
    """The people an order was dispatched to; any one of them may accept it."""

    order = models.ForeignKey(Order, models.CASCADE, related_name="offers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="order_offers")
    offered_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "user"], name="one_offer_per_person")]

    def __str__(self):
        return f"{self.order_id} → {self.user_id}"


class Open311Key(models.Model):
    """An Open311 client's API key (stored hashed), valid for one jurisdiction (subdistrict)."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    subdistrict = models.ForeignKey(Subdistrict, models.CASCADE, related_name="+", verbose_name=_("街道"))
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")

    def __str__(self):
        return self.name

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


# --- smart-estate devices (智慧小区设备) ------------------------------------------------------------------
class Device(models.Model):
    """A device installed in an estate that reports events (防溺水, 高空抛物 …) to the requests queue.

    Its secret is never stored: it is HMAC-SHA256(GONGZHI_DEVICE_KEY, uid:salt) (services.devices), shown
    once when the device is registered or its secret reset; a new salt makes a new secret."""

    uid = models.CharField(_("设备编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("设备类型"), max_length=16, choices=DeviceKind.choices)
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="devices", verbose_name=_("小区"))
    building = models.ForeignKey(Building, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("楼栋"))
    location = models.CharField(_("安装位置"), max_length=200)
    event_kinds = models.JSONField(_("上报事件类型"), default=list)
    quiet_minutes = models.PositiveIntegerField(_("最长静默（分钟）"), default=60)
    salt = models.CharField(max_length=64)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))
    last_seen_at = models.DateTimeField(_("最近上报"), null=True, blank=True)
    # When the device counts as quiet if it has not reported by then (last report or registration +
    # quiet_minutes): one indexed column, so the job finds the quiet devices without arithmetic per row.
    quiet_after = models.DateTimeField(_("静默告警时间"))
    quiet_alerted_at = models.DateTimeField(_("离线告警时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("小区设备")
        verbose_name_plural = _("小区设备")
        ordering = ["estate_id", "name", "pk"]
        indexes = [models.Index(fields=["quiet_after"], name="device_quiet_after",
                                condition=models.Q(active=True, quiet_alerted_at__isnull=True))]

    def __str__(self):
        return f"{self.name}（{self.uid}）"

    def scope_ids(self):
        return (self.estate_id, self.estate.community_id)

    @property
    def status(self) -> str:
        if not self.active:
            return DeviceStatus.RETIRED
        return DeviceStatus.QUIET if self.quiet_alerted_at else DeviceStatus.ONLINE

    def get_status_display(self) -> str:
        return DeviceStatus(self.status).label

    def event_kind_labels(self) -> list[str]:
        """Each kind it reports and the request it files: 防溺水（儿童靠近水域）→ 治安安防（紧急）."""
        labels = []
        for kind in self.event_kinds:
            if kind in DEVICE_EVENT_CATEGORY:
                urgent = gettext("（紧急）") if kind in DEVICE_EMERGENCY_KINDS else ""
                labels.append(f"{DeviceEventKind(kind).label} → {Category(DEVICE_EVENT_CATEGORY[kind]).label}{urgent}")
        return labels


class DeviceIncident(models.Model):
    """The request a device's events of one kind were merged into: repeats within the merge window add
    to its count instead of filing another request."""

    device = models.ForeignKey(Device, models.PROTECT, related_name="incidents", verbose_name=_("设备"))
    kind = models.CharField(_("事件类型"), max_length=20, choices=DeviceEventKind.choices)
    request = models.OneToOneField(Request, models.PROTECT, related_name="device_incident", verbose_name=_("诉求"))
    count = models.PositiveIntegerField(_("上报次数"), default=1)
    first_at = models.DateTimeField(_("首次发生"))
    last_at = models.DateTimeField(_("最近发生"))

    class Meta:
        verbose_name = _("设备告警")
        verbose_name_plural = _("设备告警")
        ordering = ["-last_at", "-pk"]
        indexes = [models.Index(fields=["device", "kind", "last_at"], name="device_incident_latest")]

    def __str__(self):
        return f"{self.device} · {self.get_kind_display()} ×{self.count}"


class DeviceEvent(models.Model):
    """One event as a device sent it (signed); a replay of the same event id is refused by the key."""

    device = models.ForeignKey(Device, models.PROTECT, related_name="events", verbose_name=_("设备"),
                               db_index=False)
    event_id = models.CharField(_("事件编号"), max_length=64)
    kind = models.CharField(_("事件类型"), max_length=20, choices=DeviceEventKind.choices)
    at = models.DateTimeField(_("发生时间"))
    received_at = models.DateTimeField(_("接收时间"), default=clock.now)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    incident = models.ForeignKey(DeviceIncident, models.PROTECT, null=True, blank=True, related_name="events",
                                 verbose_name=_("设备告警"))

    class Meta:
        verbose_name = _("设备事件")
        verbose_name_plural = _("设备事件")
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], name="one_event_per_id")]
        indexes = [models.Index(fields=["device", "received_at"], name="device_event_received")]

    def __str__(self):
        return f"{self.device_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
