"""Places' choices: estate size and property service, unit kinds, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SizeClass(models.TextChoices):
    SUPER_LARGE = "super_large", _("超大型")
    MEDIUM = "medium", _("中型")
    MICRO = "micro", _("微型")


class PropertyService(models.TextChoices):
    PROPERTY_COMPANY = "property_company", _("物业服务企业")
    COMMUNITY_SERVICE_COMPANY = "community_service_company", _("社区为民服务公司")
    NONE = "none", _("无物业")


class UnitKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    COMMERCIAL = "commercial", _("商业")
    PARKING = "parking", _("车位")


class AuditAction(models.TextChoices):
    """What the audit trail records, by the code stored in AuditEntry.action."""

    DISTRICT_CREATE = "district.create", _("新建区")
    SUBDISTRICT_CREATE = "subdistrict.create", _("新建街道")
    COMMUNITY_CREATE = "community.create", _("新建社区")
    GRID_CREATE = "grid.create", _("新建网格")
    ESTATE_CREATE = "estate.create", _("新建小区")
    BUILDING_CREATE = "building.create", _("新建楼栋")
    UNIT_CREATE = "unit.create", _("新建房屋")
    ESTATE_UPDATE = "estate.update", _("修改小区信息")
    LEDGER_IMPORT = "ledger.import", _("导入台账")
    SEED_GENERATE = "seed.generate", _("生成模拟数据")
