"""Who may do what with people's records: the one place each rule is written.

Linking a login to a person, recording residency and party membership are back-office acts of the
place's administrators (core.rules.may_administer). Roles are granted by administrators (any role, at
a place they administer) and by a community's secretary (the roles a community hands out, at the
community or below). The ledger's owners (ownership transfers) are kept by the community."""

from gongzhi.core.access import may
from gongzhi.core.roles import Role
from gongzhi.core.rules import may_administer
from gongzhi.core.scoping import scope_for

ROLE_NEEDS_ADMIN = "只有该范围的管理员可以授予或撤销角色 / Only an administrator of this scope can grant roles"
ROLE_NOT_GRANTABLE = (
    "社区书记可授予的角色不含“{role}”，请联系管理员 / A community secretary cannot grant the role {role}; "
    "ask an administrator"
)
OWNERSHIP_NEEDS_KEEPER = (
    "只有社区工作人员、社区书记或管理员可以办理产权变更 / "
    "Only community staff, the community secretary or an administrator can record an ownership change"
)

# A community's secretary grants the roles a community hands out, at the community or below.
COMMUNITY_GRANTERS = frozenset({Role.COMMUNITY_SECRETARY})
COMMUNITY_GRANTED_ROLES = frozenset({
    Role.RESIDENT, Role.OWNER, Role.PARTY_MEMBER, Role.VOLUNTEER, Role.BUILDING_HEAD, Role.GRID_WORKER,
    Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR, Role.PROPERTY_STAFF, Role.COMMUNITY_STAFF,
})
# The community keeps who owns which unit (台账): transfers, ends and starts of title.
OWNERSHIP_KEEPERS = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})


def may_administer_people(actor, scope_ids: tuple[int | None, int | None]) -> bool:
    return may_administer(actor, *scope_ids)


def _administers_anchor(scope, anchor_field: str, anchor) -> bool:
    admin = [Role.ADMINISTRATOR]
    if anchor_field == "district":
        return any(a.role == Role.ADMINISTRATOR and a.district_id == anchor.pk for a in scope.assignments)
    if anchor_field == "subdistrict":
        return scope.subdistricts(admin).filter(pk=anchor.pk).exists()
    return may_administer(scope.user, *anchor.scope_ids())


def anchor_community_id(anchor_field: str, anchor) -> int | None:
    """The community an anchor lies in (None above communities)."""
    if anchor_field in ("district", "subdistrict"):
        return None
    return anchor.scope_ids()[1] if anchor_field != "community" else anchor.pk


def may_grant_role(actor, role: str, anchor_field: str, anchor) -> bool:
    """Grant or revoke `role` at `anchor`."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_root or (Role.ADMINISTRATOR in scope.roles and _administers_anchor(scope, anchor_field, anchor)):
        return True
    community_id = anchor_community_id(anchor_field, anchor)
    return (role in COMMUNITY_GRANTED_ROLES and community_id is not None
            and scope.communities(COMMUNITY_GRANTERS).filter(pk=community_id).exists())


def may_grant_in_community(actor, community) -> bool:
    """Open the community's role page: its secretary, or an administrator covering it."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or scope.communities(COMMUNITY_GRANTERS | {Role.ADMINISTRATOR}).filter(
        pk=community.pk).exists()


def may_keep_ownership(actor, estate) -> bool:
    return may(actor, OWNERSHIP_KEEPERS, estate)


def may_open_account(actor, estate) -> bool:
    """Open a login for an owner of the ledger: whoever keeps the estate's owners."""
    return may_keep_ownership(actor, estate)
