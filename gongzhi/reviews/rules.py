"""Who may do what in holding service to account: the one place each rule is written."""

from gongzhi.core.access import may
from gongzhi.core.roles import BUILDING_ROLES, FULL_ROLES, PERSONAL_ROLES, PLACES_ONLY_ROLES, Role
from gongzhi.core.scoping import scope_for
from gongzhi.finance.rules import CASE_OPENERS
from gongzhi.votes.rules import VOTE_ORGANISER_ROLES

# Organise an evaluation (its questionnaire and weights), enter the offline groups' paper results,
# publish the result, interview the company and propose its replacement: the community and the
# subdistrict (the estate party branch's secretary is a community role or the committee's chair).
REVIEW_ORGANISER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.SUBDISTRICT_OFFICER,
                             Role.ADMINISTRATOR})
# Check a rectification item (passed, or not → back): the committee or the community, never the company.
RECTIFICATION_CHECKER_ROLES = frozenset({Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.COMMUNITY_SECRETARY,
                           Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})
# Report a rectification item done, with photos: the company's staff at the estate.
RECTIFICATION_REPORTER_ROLES = frozenset({Role.PROPERTY_STAFF})
# Read evaluations, interviews and rectification items: the estate's people and those who work for it.
REVIEW_READER_ROLES = frozenset(PERSONAL_ROLES | BUILDING_ROLES | FULL_ROLES | PLACES_ONLY_ROLES)
# Read the answers' comments and the group entries in detail, interviews' minutes: staff.
REVIEW_STAFF_ROLES = frozenset(FULL_ROLES | PLACES_ONLY_ROLES)
# Record a 红黑榜 entry with evidence; the role recorded is the first of these the recorder holds.
LIST_RECORDER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.COMMITTEE_CHAIR,
                            Role.COMMITTEE_MEMBER, Role.GRID_WORKER, Role.BUILDING_HEAD})
RECORDER_PRECEDENCE = (Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER,
                       Role.GRID_WORKER, Role.BUILDING_HEAD)
# Review a 红黑榜 entry and its objection: the estate party branch (its secretary: the committee's chair
# where 一肩挑, else the community's secretary) and the community.
LIST_REVIEWER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMITTEE_CHAIR, Role.ADMINISTRATOR})
# 九不准: report a committee member's breach (the estate's people and those who work for it); read the
# cases (the community, who interviews and finds, and the discipline supervisors).
CONDUCT_REPORTER_ROLES = frozenset(PERSONAL_ROLES | BUILDING_ROLES | FULL_ROLES)
CASE_READER_ROLES = frozenset(REVIEW_ORGANISER_ROLES | {Role.DISCIPLINE_SUPERVISOR})
# A confirmed breach's consequences are the community's, never the committee's own: an accountability case
# by those who open finance's cases (the community's secretary), a removal motion by those who organise
# both reviews and owners' votes (the community's secretary and staff).
BREACH_CASE_ROLES = frozenset(REVIEW_ORGANISER_ROLES & CASE_OPENERS)
BREACH_REMOVAL_ROLES = frozenset(REVIEW_ORGANISER_ROLES & VOTE_ORGANISER_ROLES)
# Decide on a published ranking whether the estate's contract is renewed: the committee's chair (who signs
# the contract for the owners) and the community.
RENEWAL_DECIDER_ROLES = frozenset({Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF,
                                   Role.ADMINISTRATOR})

# Record and close a mediated dispute: those who mediate — the community, its grid worker, and the
# committee's chair (老党员调解室 sits with the estate branch); read them: the estate's staff.
MEDIATOR_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.COMMITTEE_CHAIR,
                            Role.ADMINISTRATOR})
# Read them (the parties' private affairs): the mediators, the committee, the subdistrict and the
# discipline supervisors — not the property company (a fee dispute may be with it) nor the departments.
MEDIATION_READER_ROLES = frozenset(MEDIATOR_ROLES | {Role.COMMITTEE_MEMBER, Role.SUBDISTRICT_OFFICER,
                                                     Role.DISCIPLINE_SUPERVISOR})


def may_mediate(actor, estate) -> bool:
    return may(actor, MEDIATOR_ROLES, estate)


def may_report_breach(actor, estate) -> bool:
    return may(actor, CONDUCT_REPORTER_ROLES, estate)


def may_read_cases(actor, estate) -> bool:
    return may(actor, CASE_READER_ROLES, estate)


def may_open_breach_case(actor, estate) -> bool:
    return may(actor, BREACH_CASE_ROLES, estate)


def may_propose_removal(actor, estate) -> bool:
    return may(actor, BREACH_REMOVAL_ROLES, estate)


def may_decide_renewal(actor, estate) -> bool:
    return may(actor, RENEWAL_DECIDER_ROLES, estate)


def may_organise(actor, estate) -> bool:
    return may(actor, REVIEW_ORGANISER_ROLES, estate)


def may_organise_place(actor, place) -> bool:
    """Rank and publish for a community or subdistrict: an organiser role covering it as a whole."""
    if actor is None:
        return True
    scope = scope_for(actor)
    found = scope.communities(REVIEW_ORGANISER_ROLES) if place.level == "community" else scope.subdistricts(REVIEW_ORGANISER_ROLES)
    return scope.is_root or found.filter(pk=place.pk).exists()


def may_check(actor, estate) -> bool:
    """A checker who is not the company's own staff at this estate (the company may not check its own)."""
    return may(actor, RECTIFICATION_CHECKER_ROLES, estate) and not is_company(actor, estate)


def is_company(actor, estate) -> bool:
    return actor is not None and scope_for(actor).holds_any(RECTIFICATION_REPORTER_ROLES, estate)


def may_report(actor, estate) -> bool:
    return may(actor, RECTIFICATION_REPORTER_ROLES, estate)


def may_read(actor, estate) -> bool:
    return may(actor, REVIEW_READER_ROLES, estate)


def may_read_details(actor, estate) -> bool:
    return may(actor, REVIEW_STAFF_ROLES, estate)


def may_record_entry(actor, estate) -> bool:
    return may(actor, LIST_RECORDER_ROLES, estate)


def may_review_entry(actor, estate) -> bool:
    return may(actor, LIST_REVIEWER_ROLES, estate)


def recorder_role(actor, estate) -> str:
    """The role under which the actor records an entry (named on it): the first they hold here."""
    if actor is None:
        return ""
    scope = scope_for(actor)
    for role in RECORDER_PRECEDENCE:
        if scope.holds(role, estate):
            return role
    return Role.ADMINISTRATOR if scope.is_root else ""
