"""Who may do what with places: the one place each rule is written."""

from gongzhi.core.access import may
from gongzhi.core.roles import FULL_ROLES, STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for

# The community keeps the ledger of units and owners (台账) and imports it.
LEDGER_IMPORTERS = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
# The ledger export carries names and contacts: only roles that see personal data.
LEDGER_EXPORTERS = FULL_ROLES
UNIT_SEARCHERS = STAFF_ROLES
# Who keeps a community's places: opens its grids and estates, puts estates into grids, edits an
# estate's facts (households, address, aliases, gate position). The subdistrict and the district's
# administrators may do it for every community under them.
PLACE_KEEPERS = frozenset(
    {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SUBDISTRICT_OFFICER, Role.ADMINISTRATOR}
)
# Who opens a community under a subdistrict (the subdistrict's officers, the district's administrators).
COMMUNITY_FOUNDERS = frozenset({Role.SUBDISTRICT_OFFICER, Role.ADMINISTRATOR})


def may_import_ledger(actor) -> bool:
    return actor is None or scope_for(actor).has_any(LEDGER_IMPORTERS)


def may_export_ledger(actor, estate) -> bool:
    return may(actor, LEDGER_EXPORTERS, estate)


def may_search_units(actor, estate) -> bool:
    return may(actor, UNIT_SEARCHERS, estate)


def may_keep_estate(actor, estate) -> bool:
    """Edit an estate's facts and put it into a grid."""
    return may(actor, PLACE_KEEPERS, estate)


def may_keep_community(actor, community_id) -> bool:
    """Open grids and estates in a community (covered as a whole)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or scope.communities(PLACE_KEEPERS).filter(pk=community_id).exists()


def may_create_place(actor, kind: str, parent) -> bool:
    """Open a place of this kind under `parent`: a district only the deployment's root; a subdistrict an
    administrator of its district; a community the subdistrict's officers and administrators; a grid or
    an estate the community's keepers."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_root:
        return True
    if kind == "subdistrict":
        return any(a.role == Role.ADMINISTRATOR and a.district_id == parent.pk for a in scope.assignments)
    if kind == "community":
        return scope.subdistricts(COMMUNITY_FOUNDERS).filter(pk=parent.pk).exists()
    if kind in ("grid", "estate"):
        return may_keep_community(actor, parent.pk)
    return False


def may_set_up_places(actor) -> bool:
    """Open the division page (区划设置): whoever may open a district, subdistrict or community."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or any(a.role == Role.ADMINISTRATOR and a.district_id for a in scope.assignments) or \
        scope.subdistricts(COMMUNITY_FOUNDERS).exists()
