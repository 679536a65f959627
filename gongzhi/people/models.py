"""Persons, what they own and where they live, party membership, and role assignments.

A Person may be natural or legal: the Developer (建设单位) that still holds unsold or undelivered
units is a legal person and owns them like anyone else, so every unit always has an owner.
Phone and ID number are stored once, here, and masked on every output (people.masking).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.roles import Role
from gongzhi.people.choices import MemberStatus, PersonKind, Relation
from gongzhi.places.models import Building, Community, District, Estate, Grid, Subdistrict, Unit


class Person(models.Model):
    kind = models.CharField(_("类别"), max_length=16, choices=PersonKind.choices, default=PersonKind.NATURAL)
    name = models.CharField(_("姓名/名称"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, db_index=True)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("登录账号"),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "id"]
        # The search box looks people up by the start of their name (LIKE '张%'): on PostgreSQL that needs
        # the pattern operator class whatever the database's collation.
        # And in name order (the default ordering): a list of a district's people walks it and stops at its page.
        indexes = [models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["name", "id"], name="person_name_order")]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        """Where the person owns a unit, else where they live."""
        unit = (
            Unit.objects.filter(ownerships__person=self).select_related("estate").first()
            or Unit.objects.filter(residencies__person=self).select_related("estate").first()
        )
        return unit.scope_ids() if unit else (None, None)


class OwnershipQuerySet(models.QuerySet):
    def on(self, day):
        """Titles held on `day`: begun on or before it (or undated) and not ended before it. `until` is
        the last day owned, so on a transfer day the new owner holds the unit and the old one does not."""
        return self.filter(Q(since__isnull=True) | Q(since__lte=day), Q(until__isnull=True) | Q(until__gte=day))


class Ownership(models.Model):
    """One owner's title to one unit over a period [since, until], both days included (until: the last
    day owned). Co-owners are several current rows; history stays as ended rows."""

    # db_index=False: the (unit, until) index already leads with unit.
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="ownerships", verbose_name=_("房屋"), db_index=False)
    person = models.ForeignKey(Person, models.PROTECT, related_name="ownerships", verbose_name=_("业主"))
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("终止日期"), null=True, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("产权")
        verbose_name_plural = _("产权")
        indexes = [models.Index(fields=["unit", "until"], name="ownership_unit_current")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "person"], condition=Q(until__isnull=True), name="ownership_one_current"
            )
        ]

    def __str__(self):
        return f"{self.person} — {self.unit}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.unit.scope_ids()


class Residency(models.Model):
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="residencies", verbose_name=_("房屋"), db_index=False)
    person = models.ForeignKey(Person, models.PROTECT, related_name="residencies", verbose_name=_("居民"))
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices, default=Relation.OWNER)
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("居住")
        verbose_name_plural = _("居住")
        indexes = [models.Index(fields=["unit", "until"], name="residency_unit_current")]

    def __str__(self):
        return f"{self.person} @ {self.unit}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.unit.scope_ids()


class PartyMember(models.Model):
    person = models.OneToOneField(Person, models.CASCADE, related_name="party_member", verbose_name=_("人员"))
    status = models.CharField(_("状态"), max_length=16, choices=MemberStatus.choices)
    work_unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    registered_community = models.ForeignKey(
        Community, models.PROTECT, null=True, blank=True, related_name="registered_members",
        verbose_name=_("双报到社区"),
    )
    registered_on = models.DateField(_("报到日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")

    def __str__(self):
        return str(self.person)

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.registered_community_id)


ANCHOR_FIELDS = ("district", "subdistrict", "community", "grid", "estate", "building", "unit")


def _exactly_one_anchor() -> Q:
    exactly_one = Q()
    for field in ANCHOR_FIELDS:
        only_this = Q(**{f"{field}__isnull": False})
        for other in ANCHOR_FIELDS:
            if other != field:
                only_this &= Q(**{f"{other}__isnull": True})
        exactly_one |= only_this
    return exactly_one


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self):
        today = clock.today()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), valid_from__lte=today)


class RoleAssignment(models.Model):
    """A user holds a role at exactly one node of the place tree, and sees what lies under it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, db_index=True)
    district = models.ForeignKey(District, models.CASCADE, null=True, blank=True, verbose_name=_("区/县"))
    subdistrict = models.ForeignKey(Subdistrict, models.CASCADE, null=True, blank=True, verbose_name=_("街道"))
    community = models.ForeignKey(Community, models.CASCADE, null=True, blank=True, verbose_name=_("社区"))
    grid = models.ForeignKey(Grid, models.CASCADE, null=True, blank=True, verbose_name=_("网格"))
    estate = models.ForeignKey(Estate, models.CASCADE, null=True, blank=True, verbose_name=_("小区"))
    building = models.ForeignKey(Building, models.CASCADE, null=True, blank=True, verbose_name=_("楼栋"))
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, verbose_name=_("房屋"))
    valid_from = models.DateField(_("生效日期"), default=clock.today)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_anchor(),
                name="role_assignment_one_anchor",
                violation_error_message=_("角色必须且只能挂在一个地点上 / A role is anchored at exactly one place"),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} @ {self.anchor}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.anchor.scope_ids()

    @property
    def anchor_field(self) -> str:
        return next(f for f in ANCHOR_FIELDS if getattr(self, f"{f}_id") is not None)

    @property
    def anchor(self):
        return getattr(self, self.anchor_field)
