"""Who may do what in community life: the one place each rule is written."""

from gongzhi.core.access import may
from gongzhi.core.roles import BUILDING_ROLES, FULL_ROLES, PERSONAL_ROLES, Role
from gongzhi.core.scoping import scope_for
from gongzhi.meetings.rules import may_organise_matter
from gongzhi.services.choices import Approver

# Register an estate's spaces and volunteer teams: the community, the committee and the property company.
SPACE_KEEPER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.COMMITTEE_CHAIR,
                                Role.PROPERTY_STAFF, Role.ADMINISTRATOR})
# Book a space, sign up for an activity: the people of the estate and those who work for it (not the
# departments, auditors and banks, who see places only).
TAKING_PART_ROLES = frozenset(PERSONAL_ROLES | BUILDING_ROLES | FULL_ROLES)
# Who approves a booking, by the space's approver; an administrator may always.
APPROVER_ROLES = {
    Approver.COMMITTEE: frozenset({Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.ADMINISTRATOR}),
    Approver.COMMUNITY: frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR}),
    Approver.PROPERTY: frozenset({Role.PROPERTY_STAFF, Role.ADMINISTRATOR}),
}
# Publish activities, tick attendance, confirm volunteers' hours (for any activity of the estate; the
# activity's own organiser may too).
ACTIVITY_ORGANISER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.COMMITTEE_CHAIR,
                                      Role.COMMITTEE_MEMBER, Role.PROPERTY_STAFF, Role.GRID_WORKER,
                                      Role.ADMINISTRATOR})
# Read who booked and who signed up (names): those who see the estate's people anyway.
ROSTER_READER_ROLES = FULL_ROLES


def may_keep_spaces(actor, estate) -> bool:
    return may(actor, SPACE_KEEPER_ROLES, estate)


def may_take_part(actor, estate) -> bool:
    return may(actor, TAKING_PART_ROLES, estate)


def may_approve_booking(actor, space) -> bool:
    return may(actor, APPROVER_ROLES[space.approver], space.estate)


def may_cancel_booking(actor, booking) -> bool:
    """The one who booked, or those who approve the space's bookings."""
    return actor is None or booking.booked_by_id == actor.pk or may_approve_booking(actor, booking.space)


def may_organise_activities(actor, estate) -> bool:
    return may(actor, ACTIVITY_ORGANISER_ROLES, estate)


def may_run_activity(actor, activity) -> bool:
    """Show the check-in code, tick names, write the report, confirm hours: the organiser or the estate's."""
    return actor is None or activity.organiser_id == actor.pk or may_organise_activities(actor, activity.estate)


def may_read_roster(actor, estate) -> bool:
    return may(actor, ROSTER_READER_ROLES, estate)

# 红色物业项目: the community party organisation opens, steers and closes a project (its secretary and
# staff); the estate's bookkeepers record the money received (finance's rule, finance.rules.BOOKKEEPERS).
PROJECT_OPENER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})


def may_steer_project(actor, estate) -> bool:
    return may(actor, PROJECT_OPENER_ROLES, estate)


# 挂点结对: the community pairs a partner unit or department with an estate (the same hands as projects).
PARTNER_KEEPER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})
# Appoint the estate's advisers (顾问组, 智囊团): the committee chair and the community.
ADVISER_KEEPER_ROLES = frozenset({Role.COMMITTEE_CHAIR, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF,
                                  Role.ADMINISTRATOR})
# A community's own volunteer association: its teams are set up by the community.
COMMUNITY_TEAM_KEEPER_ROLES = frozenset({Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF, Role.ADMINISTRATOR})


def may_pair(actor, estate) -> bool:
    return may(actor, PARTNER_KEEPER_ROLES, estate)


def may_keep_advisers(actor, estate) -> bool:
    return may(actor, ADVISER_KEEPER_ROLES, estate)


def may_ask_advisers(actor, matter) -> bool:
    """Those who follow the matter up (the meetings app's rule); advisers are an estate's, so a matter
    above the estate has none to ask."""
    return matter.estate_id is not None and may_organise_matter(actor, matter.estate)


def may_keep_community_teams(actor, community) -> bool:
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or scope.communities(COMMUNITY_TEAM_KEEPER_ROLES).filter(pk=community.pk).exists()


def may_confirm_order_hours(actor, hours) -> bool:
    """The order's dispatcher, or those who organise the estate's activities."""
    order = hours.order
    return (actor is None or order.dispatched_by_id == actor.pk
            or may_organise_activities(actor, order.estate))
