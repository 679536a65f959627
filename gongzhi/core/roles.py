"""The roles a user can hold, and what each role may reach.

A user acts through role assignments (people.RoleAssignment), each anchored at one node of the
place tree. What a role may see below its anchor is its *reach*.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    OWNER = "owner", _("业主")
    PARTY_MEMBER = "party_member", _("党员")
    VOLUNTEER = "volunteer", _("志愿者")
    BUILDING_HEAD = "building_head", _("楼栋长")
    GRID_WORKER = "grid_worker", _("网格员")
    COMMITTEE_MEMBER = "committee_member", _("业委会委员")
    COMMITTEE_CHAIR = "committee_chair", _("业委会主任")
    PROPERTY_STAFF = "property_staff", _("物业人员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区党组织书记")
    DISCIPLINE_SUPERVISOR = "discipline_supervisor", _("纪检监督员")
    SUBDISTRICT_OFFICER = "subdistrict_officer", _("街道干部")
    DEPARTMENT_OFFICER = "department_officer", _("部门干部")
    CADRE = "cadre", _("包保干部")
    AUDITOR = "auditor", _("审计人员")
    BANK_OFFICER = "bank_officer", _("银行经办人员")
    ADMINISTRATOR = "administrator", _("管理员")


# Reach: how far below its anchor a role sees people's data.
PERSONAL_ROLES = frozenset({Role.RESIDENT, Role.OWNER, Role.PARTY_MEMBER, Role.VOLUNTEER})
BUILDING_ROLES = frozenset({Role.BUILDING_HEAD})
# Roles that see places and governance records but no personal data (minimum necessary).
PLACES_ONLY_ROLES = frozenset({Role.DEPARTMENT_OFFICER, Role.AUDITOR, Role.BANK_OFFICER})
# Roles that see the personal data of everyone under their anchor. Listed, never derived: a new role
# sees no personal data until someone decides it should (tests/core/test_scope.py checks every role is placed).
FULL_ROLES = frozenset({
    Role.GRID_WORKER, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.PROPERTY_STAFF, Role.COMMUNITY_STAFF,
    Role.COMMUNITY_SECRETARY, Role.DISCIPLINE_SUPERVISOR, Role.SUBDISTRICT_OFFICER, Role.CADRE, Role.ADMINISTRATOR,
})
# Roles that see an estate's internal records (approvals, committees' work), not only its page.
STAFF_ROLES = frozenset(BUILDING_ROLES | PLACES_ONLY_ROLES | FULL_ROLES)

# PIPL "minimum necessary": who needs the full phone number or ID number of a person in scope.
PHONE_ROLES = frozenset(
    {
        Role.BUILDING_HEAD,
        Role.GRID_WORKER,
        Role.PROPERTY_STAFF,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.CADRE,
        Role.ADMINISTRATOR,
    }
)
ID_NUMBER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})
AUDIT_ROLES = frozenset({Role.ADMINISTRATOR, Role.DISCIPLINE_SUPERVISOR})
