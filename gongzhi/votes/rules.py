"""Who may do what in owners' votes, consultations and conventions: the one place each rule is written."""

from gongzhi.core.access import may
from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for

# Who may organise an owners' vote for an estate (its committee, or the community for 物管会 estates);
# they also run consultations and conventions, and check paper ballots.
VOTE_ORGANISER_ROLES = frozenset(
    {Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR}
)
# Who may collect paper ballots (door to door included); a different organiser checks each one.
BALLOT_COLLECTOR_ROLES = VOTE_ORGANISER_ROLES | {Role.BUILDING_HEAD, Role.GRID_WORKER, Role.PARTY_MEMBER}


def may_organise_vote(actor, estate) -> bool:
    """Draft, announce, remind, close a vote; check paper ballots; nominate and review candidates;
    run the estate's consultations and conventions."""
    return may(actor, VOTE_ORGANISER_ROLES, estate)


def may_collect_ballots(actor, estate) -> bool:
    """Enter paper and door-to-door ballots (and answers), and follow the turnout."""
    return may(actor, BALLOT_COLLECTOR_ROLES, estate)


def may_organise_somewhere(actor) -> bool:
    """Does the actor organise votes for some estate (the 发起表决 / 征求意见 / 公约 forms)?"""
    return actor is None or scope_for(actor).has_any(VOTE_ORGANISER_ROLES)


def organised_estates(actor):
    """The estates the actor may organise votes for, by name (the forms' choices)."""
    return scope_for(actor).estates(VOTE_ORGANISER_ROLES).order_by("name")


def may_export_votes(actor) -> bool:
    """Staff download the votes list as Excel (counted results; live turnout only of the votes they
    organise, as the vote's page shows it)."""
    return scope_for(actor).has_any(STAFF_ROLES)
