"""Who may do what in grid work: the one place each rule is written.

两巡: the community sets patrol plans (and the grid worker or the property company their own kind);
the plan's patroller walks it. 两访: the special-population register is the most sensitive data in
the product — the person's assigned visitor, the estate's grid worker and the community's staff read
it; nobody else learns that it exists (404), not even an administrator or the subdistrict."""

from gongzhi.core.access import may
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for
from gongzhi.grid.choices import Patroller
from gongzhi.requests.choices import Channel
from gongzhi.requests.rules import may_intake

# The community sets any estate's patrol plans.
PLAN_KEEPER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
GRID_PATROL_ROLES = frozenset({Role.GRID_WORKER})
PROPERTY_PATROL_ROLES = frozenset({Role.PROPERTY_STAFF})
# Who reads an estate's patrols, findings and missed patrols.
PATROL_READER_ROLES = frozenset({Role.GRID_WORKER, Role.PROPERTY_STAFF, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                                 Role.SUBDISTRICT_OFFICER, Role.CADRE, Role.COMMITTEE_CHAIR, Role.ADMINISTRATOR})
# The register: read, added to and visited by these (and by each person's assigned visitor).
REGISTER_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
# Who may be named as a person's visitor: the register's own roles and the neighbours who visit (中心户 …).
VISITOR_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.PARTY_MEMBER,
                           Role.BUILDING_HEAD, Role.VOLUNTEER})
# Who sets a community's visit frequencies.
FREQUENCY_KEEPER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})

NOT_PLAN_KEEPER = ("只有社区工作人员可以制定巡查计划（网格员、物业可制定本方的计划） / Only community staff set patrol "
                   "plans (the grid worker and the property company their own)")
NOT_PATROLLER = "只有该计划的巡查人可以巡查 / Only the plan's patroller walks it"
NOT_PATROL_OWNER = "只有巡查人本人可以打卡或记录发现 / Only the patroller marks checkpoints and records findings"
NOT_RAISER = "您不能登记巡查来源的诉求 / You cannot enter requests from patrols"
NOT_FREQUENCY_KEEPER = "只有社区工作人员可以设置走访频次 / Only community staff set visit frequencies"


def _patrol_roles(patroller: str) -> frozenset:
    return GRID_PATROL_ROLES if patroller == Patroller.GRID else PROPERTY_PATROL_ROLES


def may_keep_plan(actor, estate, patroller: str) -> bool:
    """Set up a plan of this kind (and its checkpoints) in the estate."""
    return may(actor, PLAN_KEEPER_ROLES | _patrol_roles(patroller), estate)


def may_read_patrols(actor, estate) -> bool:
    return may(actor, PATROL_READER_ROLES, estate)


def may_patrol(actor, plan) -> bool:
    """Walk the plan: its assignee, or (when it names none) anyone of its kind's role over the estate."""
    if actor is None:
        return True
    if plan.assignee_id is not None:
        return plan.assignee_id == actor.pk
    return may(actor, _patrol_roles(plan.patroller), plan.estate)


def may_raise_finding(actor, estate) -> bool:
    """Turn a finding into a request: whoever the requests intake lets enter patrol requests."""
    return may_intake(actor, estate, Channel.PATROL)


def reads_register(actor, estate) -> bool:
    """The estate's whole register. No root or administrator shortcut: minimum necessary."""
    if actor is None:
        return True
    if not actor.is_authenticated:
        return False
    return scope_for(actor).holds_any(REGISTER_ROLES, estate)


def may_see_special(actor, special) -> bool:
    """One person on the register: the assigned visitor, or a reader of the estate's register."""
    if actor is None:
        return True
    return (actor.is_authenticated and special.visitor_id == actor.pk) or reads_register(actor, special.estate)


def may_keep_frequencies(actor, community_id) -> bool:
    if actor is None:
        return True
    return actor.is_authenticated and scope_for(actor).communities(FREQUENCY_KEEPER_ROLES).filter(
        pk=community_id).exists()


def may_raise_visit(actor, estate) -> bool:
    """Turn a visit's needs into a request: whoever the intake lets enter visit requests."""
    return may_intake(actor, estate, Channel.VISIT)


# --- the rules library ------------------------------------------------------------------------------------
# An estate's rules are drafted by its committee or the community and adopted by the chair (after the
# owners' vote or the meeting that adopted them) or the community; a community's rules by the community.
RULE_KEEPER_ROLES = frozenset({Role.COMMITTEE_CHAIR, Role.COMMITTEE_MEMBER, Role.COMMUNITY_STAFF,
                               Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
RULE_ADOPTER_ROLES = frozenset({Role.COMMITTEE_CHAIR, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY,
                                Role.ADMINISTRATOR})
COMMUNITY_RULE_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
NOT_RULE_KEEPER = ("只有业委会、社区工作人员或管理员可以起草规则 / Only the owners' committee, community staff or an "
                   "administrator draft rules")
NOT_RULE_ADOPTER = ("只有业委会主任、社区工作人员或管理员可以公布规则版本 / Only the committee chair, community staff "
                    "or an administrator adopt and publish a rule's version")


def _on_rules(actor, document, estate_roles, community_roles) -> bool:
    if actor is None:
        return True
    scope = scope_for(actor)
    if document.estate_id is not None:
        return may(actor, estate_roles, document.estate)
    return scope.is_root or scope.communities(community_roles).filter(pk=document.community_id).exists()


def may_draft_rule(actor, document) -> bool:
    return _on_rules(actor, document, RULE_KEEPER_ROLES, COMMUNITY_RULE_ROLES)


def may_adopt_rule(actor, document) -> bool:
    return _on_rules(actor, document, RULE_ADOPTER_ROLES, COMMUNITY_RULE_ROLES)
