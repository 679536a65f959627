"""Who may do what in requests and 三单制 orders: the one place each rule is written. Services
check these before they write; pages show a form only when its rule allows it."""

from django.db.models import Q

from gongzhi.bodies.models import Membership, OrgKind
from gongzhi.core.access import may
from gongzhi.core.roles import STAFF_ROLES, Role
from gongzhi.core.scoping import scope_for
from gongzhi.requests.choices import Channel, Handler, Level, OrderStatus, Status
from gongzhi.requests.models import OrderOffer

# Who works a request at the estate level, by the handler the route names (beside administrators).
ESTATE_HANDLER_ROLES = {
    Handler.PROPERTY: frozenset({Role.PROPERTY_STAFF}),
    Handler.COUNCIL: frozenset({Role.PROPERTY_STAFF, Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER}),
    Handler.BUILDING_HEAD: frozenset({Role.BUILDING_HEAD}),
    Handler.COMMUNITY: frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER}),
}
# Who works a request at each level above the estate.
LEVEL_ROLES = {
    Level.COMMUNITY: frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER}),
    Level.SUBDISTRICT: frozenset({Role.SUBDISTRICT_OFFICER}),
    Level.DEPARTMENT: frozenset({Role.SUBDISTRICT_OFFICER}),  # and the summoned departments' officers
    Level.CADRE: frozenset({Role.CADRE, Role.SUBDISTRICT_OFFICER}),
}
# Staff who may enter a request on someone's behalf, and from which channels.
INTAKE_CHANNELS = {
    Role.PROPERTY_STAFF: frozenset({Channel.PHONE, Channel.VISIT, Channel.PATROL}),
    Role.GRID_WORKER: frozenset({Channel.PHONE, Channel.VISIT, Channel.PATROL}),
    Role.COMMUNITY_STAFF: frozenset({Channel.PHONE, Channel.VISIT, Channel.PATROL}),
    Role.COMMUNITY_SECRETARY: frozenset({Channel.PHONE, Channel.VISIT, Channel.PATROL}),
    Role.BUILDING_HEAD: frozenset({Channel.BUILDING_HEAD, Channel.VISIT}),
    Role.COMMITTEE_CHAIR: frozenset({Channel.VISIT, Channel.PHONE}),
    Role.COMMITTEE_MEMBER: frozenset({Channel.VISIT, Channel.PHONE}),
    Role.SUBDISTRICT_OFFICER: frozenset({Channel.PHONE, Channel.VISIT}),
    Role.CADRE: frozenset({Channel.PHONE, Channel.VISIT}),
    Role.ADMINISTRATOR: frozenset({Channel.PHONE, Channel.VISIT, Channel.PATROL, Channel.DEVICE}),
}
# The subdistrict: blows the whistle (吹哨) and hears the departments report.
SUBDISTRICT_ROLES = frozenset({Role.SUBDISTRICT_OFFICER})
SUMMONER_ROLES = SUBDISTRICT_ROLES | {Role.ADMINISTRATOR}
# Who changes a community's routing table.
ROUTER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
# Who issues Open311 client keys (beside the command line).
KEY_ISSUER_ROLES = frozenset({Role.ADMINISTRATOR})
# Staff who see every request of the estates under their anchor ("staff see their scope").
REQUEST_STAFF_ROLES = STAFF_ROLES - {Role.BUILDING_HEAD, Role.DEPARTMENT_OFFICER, Role.AUDITOR}
# Smart-estate devices: estate and community staff register and configure them; the grid workers and the
# subdistrict see them (and their alerts) too.
DEVICE_MANAGER_ROLES = frozenset({Role.PROPERTY_STAFF, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                                  Role.ADMINISTRATOR})
DEVICE_VIEWER_ROLES = DEVICE_MANAGER_ROLES | {Role.GRID_WORKER, Role.SUBDISTRICT_OFFICER}
# Who is told at once when a device reports a child near the water (防溺水), beside the request's handler.
DROWNING_ALERT_ROLES = frozenset({Role.PROPERTY_STAFF, Role.GRID_WORKER})
# Who is told when a device goes quiet.
DEVICE_QUIET_ALERT_ROLES = frozenset({Role.PROPERTY_STAFF, Role.COMMUNITY_STAFF, Role.GRID_WORKER})
# Who may read the numbers (no personal data in them).
METRICS_ROLES = STAFF_ROLES - {Role.BUILDING_HEAD}
# 三单制: who dispatches orders of an estate, and who they may be dispatched to.
DISPATCHER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER, Role.COMMITTEE_CHAIR,
                              Role.ADMINISTRATOR})
HELPER_ROLES = frozenset({Role.PARTY_MEMBER, Role.BUILDING_HEAD, Role.VOLUNTEER, Role.GRID_WORKER})


# --- departments -------------------------------------------------------------------------------------
def user_departments(user) -> set[int]:
    """The departments (成员单位) the user is an officer of."""
    if not user.is_authenticated or Role.DEPARTMENT_OFFICER not in scope_for(user).roles:
        return set()
    return set(Membership.objects.filter(person__user=user, active=True, organisation__kind=OrgKind.DEPARTMENT)
               .values_list("organisation_id", flat=True))


# --- intake -------------------------------------------------------------------------------------------
def may_intake(actor, estate, channel) -> bool:
    """May the actor file a request of this channel for this estate? Anyone who sees the estate
    reports on the web; staff enter calls, visits and patrols from their own channels; the system
    (Open311, devices) is checked by its own endpoint."""
    if channel == Channel.WEB:
        return True
    return may(actor, {role for role, channels in INTAKE_CHANNELS.items() if channel in channels}, estate)


def may_report_for_any_unit(actor, estate) -> bool:
    """Intake staff may name any unit of the estate; a resident only their own."""
    scope = scope_for(actor)
    return scope.is_root or scope.holds_any(INTAKE_CHANNELS, estate)


def intake_channels(actor) -> set[str]:
    """The channels the actor may choose on the intake form (the web for everyone)."""
    scope = scope_for(actor)
    channels = {Channel.WEB}
    for role, allowed in INTAKE_CHANNELS.items():
        if scope.is_root or role in scope.roles:
            channels |= allowed
    return channels


# --- handling -----------------------------------------------------------------------------------------
def may_handle(actor, req) -> bool:
    """May the actor respond to, resolve or call up the request at its current level?"""
    if may(actor, {Role.ADMINISTRATOR}, req.estate):
        return True
    if req.level == Level.ESTATE:
        if req.handler == Handler.BUILDING_HEAD:
            return req.handler_user_id == actor.pk
        return scope_for(actor).holds_any(ESTATE_HANDLER_ROLES[req.handler], req.estate)
    if scope_for(actor).holds_any(LEVEL_ROLES[req.level], req.estate):
        return True
    return req.level == Level.DEPARTMENT and bool(
        user_departments(actor) & set(req.summonses.values_list("department_id", flat=True)))


def handled_by(actor) -> Q | None:
    """The requests `may_handle` can answer yes for, as a filter on their own level and handler: the rule's
    necessary part, so a queue reads only those and checks each with `may_handle` (a subdistrict officer
    sees every request of the subdistrict but handles few). None when it may be any (the root, an
    administrator)."""
    scope = scope_for(actor)
    if scope.is_root or Role.ADMINISTRATOR in scope.roles:
        return None
    q = Q(level=Level.ESTATE, handler=Handler.BUILDING_HEAD, handler_user=actor)
    handlers = [h for h, roles in ESTATE_HANDLER_ROLES.items() if h != Handler.BUILDING_HEAD and roles & scope.roles]
    if handlers:
        q |= Q(level=Level.ESTATE, handler__in=handlers)
    levels = [level for level, roles in LEVEL_ROLES.items() if roles & scope.roles]
    if user_departments(actor):
        levels.append(Level.DEPARTMENT)
    if levels:
        q |= Q(level__in=levels)
    return q


def may_escalate(actor, req) -> bool:
    """The current handler calls the next level (呼叫); a higher level may also pull it up."""
    if may_handle(actor, req):
        return True
    higher = frozenset().union(*(roles for level, roles in LEVEL_ROLES.items() if level > req.level))
    return scope_for(actor).holds_any(higher, req.estate)


def may_summon(actor, req) -> bool:
    """吹哨: subdistrict officers (and administrators) name the departments that must report."""
    return may(actor, SUMMONER_ROLES, req.estate)


def may_answer_summons(actor, summons) -> bool:
    """报到 and the action taken: an officer of the summoned department."""
    return scope_for(actor).is_root or summons.department_id in user_departments(actor)


# --- closing the loop ---------------------------------------------------------------------------------
def may_confirm(actor, req) -> bool:
    """Only the requester confirms, rates or reopens a resolved request."""
    return req.requester_id == actor.pk


# --- configuration and numbers ------------------------------------------------------------------------
def may_edit_routing(actor, community) -> bool:
    """The community's own staff set its routing table (the subdistrict sees it but does not)."""
    scope = scope_for(actor)
    return scope.is_root or scope.communities(ROUTER_ROLES).filter(pk=community.pk).exists()


def may_issue_keys(actor) -> bool:
    return actor is None or scope_for(actor).has_any(KEY_ISSUER_ROLES)


def may_see_metrics(actor) -> bool:
    return scope_for(actor).has_any(METRICS_ROLES)


def may_see_ages(actor) -> bool:
    """Staff lists show each request's age and time left, and sort and filter by them."""
    return scope_for(actor).has_any(REQUEST_STAFF_ROLES | {Role.BUILDING_HEAD, Role.DEPARTMENT_OFFICER})


def may_export_requests(actor) -> bool:
    """The staff who work from the requests list download it, with its filters, as Excel."""
    return may_see_ages(actor)


def may_export_orders(actor) -> bool:
    """Those who dispatch orders download the orders list as Excel."""
    return scope_for(actor).has_any(DISPATCHER_ROLES)


def may_follow_summonses(actor) -> bool:
    """Subdistrict officers follow the departments that did not report (吹哨 without 报到)."""
    return scope_for(actor).has_any(SUBDISTRICT_ROLES)


# --- 三单制 ------------------------------------------------------------------------------------------
def may_dispatch(actor, order) -> bool:
    return may(actor, DISPATCHER_ROLES, order.estate)


def may_accept(actor, order) -> bool:
    """Anyone the order was dispatched to (the first to accept takes it)."""
    return OrderOffer.objects.filter(order=order, user=actor).exists()


def may_complete(actor, order) -> bool:
    return order.accepted_by_id == actor.pk


def may_rate(actor, order) -> bool:
    return order.requester_id == actor.pk


# --- smart-estate devices --------------------------------------------------------------------------------
def may_manage_device(actor, estate) -> bool:
    """Register a device in this estate, change it, reset its secret, retire it."""
    return may(actor, DEVICE_MANAGER_ROLES, estate)


def may_manage_devices(actor) -> bool:
    """Does the actor manage devices anywhere (the register form is shown)?"""
    return scope_for(actor).has_any(DEVICE_MANAGER_ROLES)


def may_see_devices(actor) -> bool:
    return scope_for(actor).has_any(DEVICE_VIEWER_ROLES)


# --- what a page offers -------------------------------------------------------------------------------
def request_actions(actor, req) -> set[str]:
    """The `action` values of the request page's forms this actor may post now (the page shows
    exactly these; summons answers are per summons, see `summons_actions`)."""
    actions = set()
    if req.is_open and may_handle(actor, req):
        actions.add("resolve")
        if req.status == Status.NEW:
            actions.add("respond")
    if req.is_open and req.level < Level.CADRE and may_escalate(actor, req):
        actions.add("call_up")
    if req.is_open and req.level >= Level.SUBDISTRICT and may_summon(actor, req):
        actions.add("summon")
    if req.status == Status.RESOLVED and may_confirm(actor, req):
        actions |= {"confirm", "reopen"}
    return actions


def summons_actions(actor, summons) -> set[str]:
    """`report` until the department reported, then `act` until it recorded what it did."""
    if not may_answer_summons(actor, summons):
        return set()
    if summons.reported_at is None:
        return {"report"}
    return set() if summons.acted_at else {"act"}


def order_actions(actor, order) -> set[str]:
    """The `action` values of the order page's forms this actor may post now."""
    actions = set()
    if order.status == OrderStatus.ORDERED and may_dispatch(actor, order):
        actions.add("dispatch")
    if order.status == OrderStatus.DISPATCHED and may_accept(actor, order):
        actions.add("accept")
    if order.status == OrderStatus.ACCEPTED and may_complete(actor, order):
        actions.add("complete")
    if order.status == OrderStatus.DONE and may_rate(actor, order) and order.satisfaction is None:
        actions.add("rate")
    return actions
