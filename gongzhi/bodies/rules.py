"""Who may do what with bodies: the one place each rule is written."""

from gongzhi.core.access import may
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for

# Who may create bodies and seat their members: the community and those above it.
ORGANISER_ROLES = frozenset(
    {Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SUBDISTRICT_OFFICER, Role.ADMINISTRATOR}
)


def may_seat_body(actor, estate) -> bool:
    """Create an estate's bodies, seat their terms, record its service contract."""
    return may(actor, ORGANISER_ROLES, estate)


def may_organise_community(actor, community_id) -> bool:
    """Create or seat a body that hangs at a community (covered as a whole). The system may."""
    return actor is None or scope_for(actor).communities(ORGANISER_ROLES).filter(pk=community_id).exists()


def may_sign_agreement(actor) -> bool:
    """Record a party organisation's co-construction agreement (an organiser anywhere). The system may."""
    return actor is None or scope_for(actor).has_any(ORGANISER_ROLES)

# 物管会's make-up (光华路街道's rule): cadres of the subdistrict and of the community sit beside owners.
PMC_SUBDISTRICT_ROLES = frozenset({Role.SUBDISTRICT_OFFICER})
PMC_COMMUNITY_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF})


def may_organise(actor, organisation) -> bool:
    """Seat, end the term of, add to or sign for this organisation (the organisers of its place)."""
    if actor is None:
        return True
    if organisation.estate_id is not None:
        return may_seat_body(actor, organisation.estate)
    return organisation.community_id is not None and may_organise_community(actor, organisation.community_id)
