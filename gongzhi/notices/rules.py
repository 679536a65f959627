"""Who may do what with notices and the log: the one place each rule is written."""

from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for

# Who may publish notices (公示) for the estates or communities under their anchor.
PUBLISHERS = frozenset(
    {
        Role.COMMITTEE_CHAIR,
        Role.COMMITTEE_MEMBER,
        Role.PROPERTY_STAFF,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.SUBDISTRICT_OFFICER,
        Role.ADMINISTRATOR,
    }
)
# Who may ask for a signed tree head of the transparency log now: publishers and the supervisors.
HEAD_SIGNERS = PUBLISHERS | {Role.DISCIPLINE_SUPERVISOR, Role.AUDITOR}


def may_publish(actor) -> bool:
    """Publishes somewhere (which estates or communities: scope.estates/communities(PUBLISHERS))."""
    return actor is None or scope_for(actor).has_any(PUBLISHERS)


def may_publish_for(actor, notice) -> bool:
    """May publish for the notice's own estate or community (pin it, correct it)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_root:
        return True
    if notice.estate_id:
        return notice.estate_id in scope.estate_ids(PUBLISHERS)
    return scope.communities(PUBLISHERS).filter(pk=notice.community_id).exists()


def may_sign_head(actor) -> bool:
    return actor is None or scope_for(actor).has_any(HEAD_SIGNERS)
