"""The fixed lists of bodies: organisation kinds, responsibilities, positions, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMUNITY_PARTY_COMMITTEE = "community_party_committee", _("社区党委")
    COMMUNITY_GENERAL_BRANCH = "community_general_branch", _("社区党总支")
    ESTATE_BRANCH = "estate_branch", _("小区党支部")
    GRID_BRANCH = "grid_branch", _("网格党支部")
    BUILDING_GROUP = "building_group", _("楼栋党小组")
    JOINT_BRANCH = "joint_branch", _("兼合式党支部")
    PARTY_HOUSEHOLD = "party_household", _("党员中心户")
    OWNERS_ASSEMBLY = "owners_assembly", _("业主大会")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    PROPERTY_MANAGEMENT_COMMITTEE = "property_management_committee", _("物业管理委员会")
    YARD_COMMITTEE = "yard_committee", _("楼院自治委员会")
    SUPERVISORY_COMMITTEE = "supervisory_committee", _("业主监督委员会")
    PROPERTY_COMPANY = "property_company", _("物业服务企业")
    COMMUNITY_SERVICE_COMPANY = "community_service_company", _("社区为民服务公司")
    DEPARTMENT = "department", _("成员单位/区直部门")
    PARTNER_UNIT = "partner_unit", _("共建单位")
    # The five platforms that bring district forces down to the estates (五大平台)
    DIRECTOR_STUDIO = "director_studio", _("局长驻点工作室")
    DEPUTIES_STUDIO = "deputies_studio", _("两代表一委员工作室")
    CIVILISATION_CENTRE = "civilisation_centre", _("新时代文明实践中心")
    POLICE_IN_GRID = "police_in_grid", _("政法干警进网格")
    THREE_SOCIAL = "three_social", _("三社联动")


PARTY_KINDS = frozenset(
    {
        OrgKind.COMMUNITY_PARTY_COMMITTEE,
        OrgKind.COMMUNITY_GENERAL_BRANCH,
        OrgKind.ESTATE_BRANCH,
        OrgKind.GRID_BRANCH,
        OrgKind.BUILDING_GROUP,
        OrgKind.JOINT_BRANCH,
        OrgKind.PARTY_HOUSEHOLD,
    }
)
# The party tree (社区党委/党总支 → 小区党支部 → 网格党支部 / 楼栋党小组 → 党员中心户): the kinds each
# kind may hang under. The community's own organisations stand at the top, with no parent.
PARTY_TOP = frozenset({OrgKind.COMMUNITY_PARTY_COMMITTEE, OrgKind.COMMUNITY_GENERAL_BRANCH})
PARTY_PARENTS = {
    OrgKind.ESTATE_BRANCH: PARTY_TOP,
    OrgKind.JOINT_BRANCH: PARTY_TOP,
    OrgKind.GRID_BRANCH: PARTY_TOP | {OrgKind.ESTATE_BRANCH, OrgKind.JOINT_BRANCH},
    OrgKind.BUILDING_GROUP: frozenset({OrgKind.ESTATE_BRANCH, OrgKind.JOINT_BRANCH, OrgKind.GRID_BRANCH}),
    OrgKind.PARTY_HOUSEHOLD: frozenset({OrgKind.BUILDING_GROUP, OrgKind.GRID_BRANCH}),
}
# Where each kind hangs: at an estate, at a community, or either.
ESTATE_KINDS = frozenset({
    OrgKind.ESTATE_BRANCH, OrgKind.BUILDING_GROUP, OrgKind.PARTY_HOUSEHOLD, OrgKind.OWNERS_ASSEMBLY,
    OrgKind.OWNERS_COMMITTEE, OrgKind.PROPERTY_MANAGEMENT_COMMITTEE, OrgKind.YARD_COMMITTEE,
    OrgKind.SUPERVISORY_COMMITTEE,
})
COMMUNITY_KINDS = PARTY_TOP
# The bodies through which an estate governs itself; which one a size calls for is in selectors.
AUTONOMOUS_KINDS = frozenset(
    {OrgKind.OWNERS_COMMITTEE, OrgKind.PROPERTY_MANAGEMENT_COMMITTEE, OrgKind.YARD_COMMITTEE}
)
COMPANY_KINDS = frozenset({OrgKind.PROPERTY_COMPANY, OrgKind.COMMUNITY_SERVICE_COMPANY})
PLATFORM_KINDS = frozenset({OrgKind.DIRECTOR_STUDIO, OrgKind.DEPUTIES_STUDIO, OrgKind.CIVILISATION_CENTRE,
                            OrgKind.POLICE_IN_GRID, OrgKind.THREE_SOCIAL})
# The bodies a meeting above the estate may require (成员单位 and the platforms); each signs in through
# its current members.
UNIT_KINDS = PLATFORM_KINDS | {OrgKind.DEPARTMENT}


class ServiceScope(models.TextChoices):
    """What a property-service or community-service-company contract covers."""

    CLEANING = "cleaning", _("保洁")
    WASTE = "waste", _("垃圾清运")
    GREENING = "greening", _("绿化")
    ORDER = "order", _("秩序维护")
    FACILITIES = "facilities", _("设施设备维护")
    REPAIRS = "repairs", _("房屋维修")
    PARKING = "parking", _("停车管理")
    FIRE_SAFETY = "fire_safety", _("消防安全管理")
    ELEVATORS = "elevators", _("电梯运行维护")
    CUSTOMER = "customer", _("客户服务")


class ContractOrigin(models.TextChoices):
    NEW = "new", _("新签")
    RENEWAL = "renewal", _("续签")
    REPLACEMENT = "replacement", _("更换")


class Responsibility(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("公安")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    URBAN_MANAGEMENT = "urban_management", _("城管执法")
    HOUSING = "housing", _("住建")
    MARKET_REGULATION = "market_regulation", _("市场监管")
    FIRE = "fire", _("消防")
    ENVIRONMENT = "environment", _("生态环境")
    UTILITIES = "utilities", _("水电气")


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("主任")
    VICE_CHAIR = "vice_chair", _("副主任")
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    MEMBER = "member", _("委员")
    MANAGER = "manager", _("负责人")
    STAFF = "staff", _("工作人员")


class AuditAction(models.TextChoices):
    ORGANISATION_CREATE = "organisation.create", _("设立组织")
    ORGANISATION_SEAT = "organisation.seat", _("确认组织成员名单")
    AGREEMENT_SIGN = "agreement.sign", _("签订共建协议")
    SERVICE_CONTRACT_CREATE = "service_contract.create", _("登记物业服务合同")
    SERVICE_CONTRACT_RENEW = "service_contract.renew", _("续签物业服务合同")
    SERVICE_CONTRACT_REPLACE = "service_contract.replace", _("更换物业服务企业")
    ORGANISATION_TERM_END = "organisation.term_end", _("结束本届任期")
    # core.services.record_save names its actions after the model: a membership kept by hand
    MEMBERSHIP_CREATE = "membership.create", _("添加组织成员")
    MEMBERSHIP_UPDATE = "membership.update", _("修改组织成员")
    PLATFORM_SERVE = "organisation.serve", _("设定平台服务的小区")
