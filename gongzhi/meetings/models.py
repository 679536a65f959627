"""Joint deliberation: meetings, matters and the procedures that decide them.

Invariants:
- A matter moves through its procedure one step at a time, in order, each step recorded once by
  a role the step names (the matter row is locked while a step is recorded).
- A 三重一大 matter is only decided at a joint meeting within its procedure.
- A decision at a meeting needs the meeting's quorum and, for joint meetings, every required party.
- A meeting is closed once.
- A meeting or matter hangs at exactly one place: an estate, or above it a community, a subdistrict
  or a district (like an organisation, at the lowest place it belongs to).
- A repeating meeting (每月调度会, 每季联席会) is followed by at most one next meeting.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.bodies.models import Organisation
from gongzhi.core import clock
from gongzhi.meetings.choices import (  # noqa: F401 — the choices are also read from here
    DeliveryStatus,
    MatterSource,
    MatterStatus,
    MeetingStatus,
    Outcome,
    Party,
    Repeat,
)
from gongzhi.people.models import Person
from gongzhi.places.models import Community, District, Estate, Subdistrict

LEVELS = ("estate", "community", "subdistrict", "district")


def one_place(name: str) -> models.CheckConstraint:
    """Exactly one of estate, community, subdistrict and district is set."""
    fields = [f"{level}__isnull" for level in LEVELS]
    options = [models.Q(**{f: f != chosen for f in fields}) for chosen in fields]
    q = options[0]
    for option in options[1:]:
        q |= option
    return models.CheckConstraint(condition=q, name=name)


def at_or_below(level: str, pk: int, path: str = "") -> models.Q:
    """Rows (meetings, matters) hanging at this place or anywhere below it; `path` reaches the row from
    another model ("matter__")."""
    p = path
    if level == "estate":
        return models.Q(**{f"{p}estate_id": pk})
    if level == "community":
        return models.Q(**{f"{p}community_id": pk}) | models.Q(**{f"{p}estate__community_id": pk})
    if level == "subdistrict":
        return (models.Q(**{f"{p}subdistrict_id": pk}) | models.Q(**{f"{p}community__subdistrict_id": pk})
                | models.Q(**{f"{p}estate__community__subdistrict_id": pk}))
    return (models.Q(**{f"{p}district_id": pk}) | models.Q(**{f"{p}subdistrict__district_id": pk})
            | models.Q(**{f"{p}community__subdistrict__district_id": pk})
            | models.Q(**{f"{p}estate__community__subdistrict__district_id": pk}))


def chain(obj) -> dict[str, int]:
    """The place a meeting or matter hangs at and every place above it: {"estate": 5, "community": 2, …}."""
    ids: dict[str, int] = {}
    estate, community, subdistrict = obj.estate, obj.community, obj.subdistrict
    if estate is not None:
        ids["estate"] = estate.pk
        community = estate.community
    if community is not None:
        ids["community"] = community.pk
        subdistrict = community.subdistrict
    if subdistrict is not None:
        ids["subdistrict"] = subdistrict.pk
        ids["district"] = subdistrict.district_id
    else:
        ids["district"] = obj.district_id
    return ids


def at_or_above(obj) -> models.Q:
    """Meetings hanging at the place of `obj` (a matter) or at a place above it."""
    q = models.Q(pk__in=[])
    for level, pk in chain(obj).items():
        q |= models.Q(**{f"{level}_id": pk})
    return q


class AtPlace:
    """A row that hangs at one place: an estate, or a community, subdistrict or district above the estates."""

    @property
    def level(self) -> str:
        return next(level for level in LEVELS if getattr(self, f"{level}_id") is not None)

    @property
    def level_place(self):
        """The estate, community, subdistrict or district it hangs at (a meeting's `place` is its venue)."""
        return getattr(self, self.level)

    @property
    def place_name(self) -> str:
        return self.level_place.name

    @property
    def types_community_id(self) -> int | None:
        """The community whose own meeting types apply (none above the community)."""
        if self.estate_id is not None:
            return self.estate.community_id
        return self.community_id

    def scope_ids(self) -> tuple[int | None, int | None]:
        if self.estate_id is not None:
            return self.estate.scope_ids()
        return None, self.community_id


class Meeting(AtPlace, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="meetings",
                               verbose_name=_("小区"))
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("社区"))
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("街道"))
    district = models.ForeignKey(District, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("区/县"))
    # The 成员单位 and platforms that must attend, each signing in through its own officer.
    units = models.ManyToManyField(Organisation, blank=True, related_name="+", verbose_name=_("必须到会的单位"))
    repeat = models.CharField(_("例会周期"), max_length=12, choices=Repeat.choices, default=Repeat.NONE, blank=True)
    previous = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="next_meeting",
                                    verbose_name=_("上一次例会"))
    kind = models.CharField(_("会议类型"), max_length=24)
    title = models.CharField(_("会议名称"), max_length=200)
    scheduled_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    convener = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("召集人"))
    status = models.CharField(_("状态"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    agenda = models.ManyToManyField("Matter", blank=True, related_name="meetings", verbose_name=_("议题"))
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["estate", "scheduled_at"], name="meeting_estate_time")]
        constraints = [one_place("meeting_one_place")]

    def __str__(self):
        return self.title


class Attendance(models.Model):
    """One attendee: a person on the registers, or a login without one (a department's officer, a
    community worker) who signed in themself. A seat (社区, 业委会, 物业 …) is confirmed by its holder."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("参会人"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("参会账号"))
    party = models.CharField(_("代表"), max_length=16, choices=Party.choices)
    organisation = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True, related_name="+")
    signed_in_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once"),
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_login"),
            models.CheckConstraint(condition=models.Q(person__isnull=False) | models.Q(user__isnull=False),
                                   name="attendance_someone"),
        ]

    def __str__(self):
        return f"{self.meeting_id}:{self.person_id or self.user_id}"

    @property
    def name(self) -> str:
        if self.person_id:
            return self.person.name
        return self.user.get_full_name() or self.user.username


class Matter(AtPlace, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="matters",
                               verbose_name=_("小区"))
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("社区"))
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("街道"))
    district = models.ForeignKey(District, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("区/县"))
    # A matter above the estate names the estates it concerns (all within its place).
    concerns = models.ManyToManyField(Estate, blank=True, related_name="concerning_matters",
                                      verbose_name=_("涉及的小区"))
    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=MatterSource.choices)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    major = models.BooleanField(_("三重一大"), default=False)
    procedure = models.JSONField(_("程序"))  # the procedure definition as it stood when the matter began
    step_index = models.PositiveSmallIntegerField(_("当前步骤"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=MatterStatus.choices, default=MatterStatus.IN_PROGRESS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["estate", "created_at"], name="matter_estate_time")]
        constraints = [one_place("matter_one_place")]

    def __str__(self):
        return self.title


class MatterStep(models.Model):
    """One recorded step of a matter's procedure: who, when, the decision, what it rests on."""

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="steps")
    index = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=32)
    label = models.CharField(max_length=100)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    meeting = models.ForeignKey(Meeting, models.PROTECT, null=True, blank=True, related_name="+")
    vote = models.ForeignKey("votes.Vote", models.PROTECT, null=True, blank=True, related_name="+")
    notice = models.ForeignKey("notices.Notice", models.PROTECT, null=True, blank=True, related_name="+")
    attachment = models.FileField(upload_to="meetings/steps/%Y/%m/", blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["matter", "at", "id"]

    def __str__(self):
        return f"{self.matter_id}:{self.key}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="decisions")
    matter = models.ForeignKey(Matter, models.PROTECT, related_name="decisions")
    text = models.TextField(_("决定"))
    votes_for = models.PositiveSmallIntegerField(_("赞成"))
    votes_against = models.PositiveSmallIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("弃权"), default=0)
    passed = models.BooleanField(_("通过"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "matter"], name="decision_once_per_meeting")]

    def __str__(self):
        return self.text[:40]


class ActionItem(models.Model):
    """A follow-up a matter (or one of its meetings) leaves behind, assigned to the person or the body
    responsible — not to whoever typed it (`created_by`)."""

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(Meeting, models.PROTECT, null=True, blank=True, related_name="actions")
    text = models.CharField(_("事项"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("责任人"))
    organisation = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("责任单位"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))
    due_on = models.DateField(_("期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("办结人"))
    reminded_on = models.DateField(_("最近催办"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on", "done_at"], name="action_due")]
        constraints = [models.CheckConstraint(
            condition=models.Q(owner__isnull=False) | models.Q(organisation__isnull=False), name="action_assigned")]

    def __str__(self):
        return self.text

    @property
    def assignee_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        return self.owner.get_full_name() or self.owner.username


class Bid(models.Model):
    """A supplier's offer in a hearing (民主听证)."""

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="bids")
    supplier = models.CharField(_("供应商"), max_length=200)
    amount = models.DecimalField(_("报价（元）"), max_digits=14, decimal_places=2)
    note = models.TextField(_("说明"), blank=True)
    chosen = models.BooleanField(_("中标"), default=False)

    class Meta:
        ordering = ["amount", "id"]

    def __str__(self):
        return self.supplier


class DeliveryItem(models.Model):
    """One deliverable of an awarded contract (e.g. one of nine lifts)."""

    Status = DeliveryStatus

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="deliveries")
    label = models.CharField(_("交付项"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["matter", "id"]

    def __str__(self):
        return self.label


class ProcedureTemplate(models.Model):
    """A community's own variant of a procedure (edited in the admin); without one, the shipped
    definition in meetings.procedures applies."""

    community = models.ForeignKey("places.Community", models.CASCADE, related_name="+", verbose_name=_("社区"))
    code = models.CharField(_("程序代码"), max_length=32)
    definition = models.JSONField(_("步骤"))

    class Meta:
        verbose_name = _("议事程序")
        verbose_name_plural = _("议事程序")
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="procedure_once_per_community")]

    def __str__(self):
        return f"{self.community_id}:{self.code}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return None, self.community_id


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="invitation_once")]

    def __str__(self):
        return f"{self.meeting_id}:{self.user_id}"


class MinutesApproval(models.Model):
    """An attendee's confirmation of the minutes (纪要); approved when more than half confirmed."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="minutes_approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    approved_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="minutes_approved_once")]

    def __str__(self):
        return f"{self.meeting_id}:{self.user_id}"


class MeetingTypeConfig(models.Model):
    """A community's own meeting type, or its variant of a shipped one (same code), edited in the admin."""

    community = models.ForeignKey("places.Community", models.CASCADE, related_name="+", verbose_name=_("社区"))
    code = models.CharField(_("类型代码"), max_length=24)
    name = models.CharField(_("名称"), max_length=100)
    conveners = models.JSONField(_("召集人角色"), default=list)
    required = models.JSONField(_("必须到会的各方"), default=list)
    rule = models.CharField(_("法定人数规则"), max_length=16, default="parties",
                            choices=[("parties", _("各方到会")), ("committee", _("业委会过半数")),
                                     ("party_members", _("党员三分之二"))])
    joint = models.BooleanField(_("联席会议"), default=False)
    immediate = models.BooleanField(_("可立即召开"), default=False)

    class Meta:
        verbose_name = _("会议类型")
        verbose_name_plural = _("会议类型")
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="meeting_type_once_per_community")]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return None, self.community_id
