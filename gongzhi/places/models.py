"""The place tree: District → Subdistrict → Community → Grid → Estate → Building → Entrance → Unit.

Invariants held by the database: names are unique among siblings, a unit code is unique in its
estate, a unit's registered area is positive with two decimals. Unit carries its estate directly
(denormalised from its building) because every scope filter and every count goes by estate.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.places.choices import PropertyService, SizeClass, UnitKind


class InEstate:
    """A row that belongs to one estate (it has an `estate`): it is in scope where its estate is."""

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.estate.scope_ids()


class District(models.Model):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    committee_max_term_years = models.PositiveSmallIntegerField(
        _("业委会任期上限（年）"), null=True, blank=True, help_text=_("留空则用全局设置")
    )

    class Meta:
        verbose_name = _("区/县")
        verbose_name_plural = _("区/县")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, None)


class Subdistrict(models.Model):
    district = models.ForeignKey(District, models.PROTECT, related_name="subdistricts", verbose_name=_("区/县"))
    name = models.CharField(_("名称"), max_length=64)
    committee_max_term_years = models.PositiveSmallIntegerField(
        _("业委会任期上限（年）"), null=True, blank=True, help_text=_("留空则用区县或全局设置")
    )
    code = models.SlugField(_("代码"), max_length=32, blank=True, help_text=_("Open311 jurisdiction_id，如 guanghualu"))

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="subdistrict_unique_name"),
            models.UniqueConstraint(fields=["code"], condition=~models.Q(code=""), name="subdistrict_unique_code"),
        ]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, None)


class Community(models.Model):
    subdistrict = models.ForeignKey(
        Subdistrict, models.PROTECT, related_name="communities", verbose_name=_("街道")
    )
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="community_unique_name")]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.pk)


class Grid(models.Model):
    community = models.ForeignKey(Community, models.PROTECT, related_name="grids", verbose_name=_("社区"))
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]

    def __str__(self):
        return f"{self.community.name}·{self.name}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (None, self.community_id)


def size_class_for(household_count: int) -> str:
    if household_count >= settings.GONGZHI_SIZE_SUPER_LARGE_MIN_HOUSEHOLDS:
        return SizeClass.SUPER_LARGE
    if household_count <= settings.GONGZHI_SIZE_MICRO_MAX_HOUSEHOLDS:
        return SizeClass.MICRO
    return SizeClass.MEDIUM


class Estate(models.Model):
    community = models.ForeignKey(Community, models.PROTECT, related_name="estates", verbose_name=_("社区"))
    grid = models.ForeignKey(
        Grid, models.SET_NULL, null=True, blank=True, related_name="estates", verbose_name=_("网格")
    )
    name = models.CharField(_("名称"), max_length=64)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    household_count = models.PositiveIntegerField(_("户数"), default=0)
    property_service = models.CharField(
        _("物业服务状态"), max_length=32, choices=PropertyService.choices, default=PropertyService.NONE
    )
    # Other names residents and city systems use for it (旧称, 简称), matched by Open311 address_string.
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    # WGS-84 position of the estate's gate, for placing a report that carries only coordinates.
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="estate_unique_name")]

    def __str__(self):
        return self.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return (self.pk, self.community_id)

    @property
    def size_class(self) -> str:
        return size_class_for(self.household_count)

    def get_size_class_display(self) -> str:
        return SizeClass(self.size_class).label


class Building(InEstate, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="buildings", verbose_name=_("小区"))
    code = models.CharField(_("楼栋号"), max_length=16)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate", "code"]
        constraints = [models.UniqueConstraint(fields=["estate", "code"], name="building_unique_code")]

    def __str__(self):
        return f"{self.estate.name} {self.code}号楼"


class Entrance(models.Model):
    building = models.ForeignKey(Building, models.PROTECT, related_name="entrances", verbose_name=_("楼栋"))
    code = models.CharField(_("单元号"), max_length=16)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building", "code"]
        constraints = [models.UniqueConstraint(fields=["building", "code"], name="entrance_unique_code")]

    def __str__(self):
        return f"{self.building} {self.code}单元"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.building.scope_ids()


class Unit(InEstate, models.Model):
    """专有部分: a flat, shop or parking space with its registered exclusive area."""

    # db_index=False: the unique (estate, code) index already leads with estate.
    estate = models.ForeignKey(
        Estate, models.PROTECT, related_name="units", verbose_name=_("小区"), db_index=False
    )
    building = models.ForeignKey(Building, models.PROTECT, related_name="units", verbose_name=_("楼栋"))
    entrance = models.ForeignKey(
        Entrance, models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("单元")
    )
    code = models.CharField(_("房号"), max_length=32, help_text=_("如 3-2-1101"))
    area = models.DecimalField(_("建筑面积(m²)"), max_digits=10, decimal_places=2)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices, default=UnitKind.RESIDENTIAL)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["estate", "code"]
        # The search box finds "5-1-302" across every estate a district officer sees: by code first.
        indexes = [models.Index(fields=["code"], name="unit_code")]
        constraints = [
            models.UniqueConstraint(fields=["estate", "code"], name="unit_unique_code"),
            models.CheckConstraint(
                condition=models.Q(area__gt=0),
                name="unit_area_positive",
                violation_error_message=_("建筑面积必须大于0 / Area must be positive"),
            ),
        ]

    def __str__(self):
        return f"{self.estate.name} {self.code}"

