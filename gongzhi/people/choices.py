"""People's choices: kinds of person, relations to a unit, party membership, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonKind(models.TextChoices):
    NATURAL = "natural", _("自然人")
    DEVELOPER = "developer", _("建设单位")


class Relation(models.TextChoices):
    OWNER = "owner", _("业主本人")
    FAMILY = "family", _("家庭成员")
    TENANT = "tenant", _("租户")


class MemberStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("在职党员")
    RETIRED = "retired", _("离退休党员")


class AuditAction(models.TextChoices):
    """What the audit trail records, by the code stored in AuditEntry.action."""

    PERSON_CREATE = "person.create", _("新建人员")
    PERSON_LINK_USER = "person.link_user", _("关联登录账号")
    ACCOUNT_OPEN = "person.account_open", _("开通居民账号")
    RESIDENCY_ADD = "residency.add", _("登记居住")
    ROLE_ASSIGN = "role.assign", _("授予角色")
    ROLE_REVOKE = "role.revoke", _("撤销角色")
    PARTY_MEMBER_REGISTER = "party_member.register", _("登记党员")
    OWNERSHIP_TRANSFER = "ownership.transfer", _("产权过户")
    OWNERSHIP_START = "ownership.start", _("登记产权")
    OWNERSHIP_END = "ownership.end", _("终止产权")
