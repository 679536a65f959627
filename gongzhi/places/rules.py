"""Who may do what with places: the one place each rule is written."""

from gongzhi.core.access import may
from gongzhi.core.roles import FULL_ROLES, STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for

# The community keeps the ledger of units and owners (台账) and imports it.
LEDGER_IMPORTERS = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
# The ledger export carries names and contacts: only roles that see personal data.
LEDGER_EXPORTERS = FULL_ROLES
UNIT_SEARCHERS = STAFF_ROLES


def may_import_ledger(actor) -> bool:
    return actor is None or scope_for(actor).has_any(LEDGER_IMPORTERS)


def may_export_ledger(actor, estate) -> bool:
    return may(actor, LEDGER_EXPORTERS, estate)


def may_search_units(actor, estate) -> bool:
    return may(actor, UNIT_SEARCHERS, estate)
