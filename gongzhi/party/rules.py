"""Who may do what in party work: the one place each rule is written.

Party membership is sensitive personal data: who is a member, and their points, are seen by the member,
the officers (书记, 副书记) of the party organisations the member sits in, and the community's staff —
nobody else (the public 亮身份 board shows only what a member chose to show)."""

from gongzhi.bodies.choices import PARTY_KINDS, MemberRole, OrgKind
from gongzhi.bodies.models import Membership
from gongzhi.core.access import may
from gongzhi.core.roles import Role
from gongzhi.core.scoping import scope_for

# The community keeps the ledger: sets its rules, awards and deducts by hand with a reason.
POINTS_KEEPER_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.ADMINISTRATOR})
# Who reads a community's members and their points (the keepers and the subdistrict above them).
PARTY_READER_ROLES = POINTS_KEEPER_ROLES | {Role.SUBDISTRICT_OFFICER}
OFFICER_POSITIONS = frozenset({MemberRole.SECRETARY, MemberRole.DEPUTY_SECRETARY})

NOT_KEEPER = ("只有社区工作人员、社区书记或管理员可以调整积分或积分规则 / Only community staff, the community "
              "secretary or an administrator can adjust points or set the rules")
NOT_READER = ("只有本社区工作人员、街道干部或所在党组织书记可以查看党员信息 / Only the community's staff, the "
              "subdistrict or the member's party secretary can see party members")


def _covers(actor, roles, community_id) -> bool:
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_root or (community_id is not None
                             and scope.communities(roles).filter(pk=community_id).exists())


def may_keep_points(actor, community_id) -> bool:
    """Set a community's points rules; award or deduct points by hand there."""
    return _covers(actor, POINTS_KEEPER_ROLES, community_id)


def may_read_members(actor, community_id) -> bool:
    """See a community's party members, their points and the ranking."""
    return _covers(actor, PARTY_READER_ROLES, community_id)


def is_officer_of(actor, member) -> bool:
    """Is the actor 书记 or 副书记 of a party organisation the member sits in?"""
    if actor is None or not actor.is_authenticated:
        return False
    theirs = Membership.objects.filter(person_id=member.person_id, active=True,
                                       organisation__kind__in=PARTY_KINDS, organisation__active=True)
    return Membership.objects.filter(person__user=actor, active=True, role__in=OFFICER_POSITIONS,
                                     organisation__in=theirs.values("organisation_id")).exists()


def is_self(actor, member) -> bool:
    return actor is not None and actor.is_authenticated and member.person.user_id == actor.pk


def may_see_member(actor, member) -> bool:
    """The member themself, the community's readers, or an officer of one of the member's organisations."""
    return (actor is None or is_self(actor, member) or may_read_members(actor, member.registered_community_id)
            or is_officer_of(actor, member))


NOT_CONFIRMER = ("只有社区工作人员、社区书记或管理员可以确认或退回党员报到 / Only community staff, the community "
                 "secretary or an administrator can confirm or decline a registration")


def may_confirm_registration(actor, community_id) -> bool:
    """Confirm or decline a member's 双报到 at this community: the community that keeps the ledger."""
    return may_keep_points(actor, community_id)


NOT_CHAIN_KEEPER = ("只有社区工作人员、社区书记或管理员可以设定楼栋党小组和党员中心户 / Only community staff, the "
                    "community secretary or an administrator can set building groups and central households")
NOT_VISITOR = "只有该中心户党员或社区工作人员可以记录走访 / Only the central household's member or community staff record visits"


def may_keep_chain(actor, estate) -> bool:
    """Set an estate's building party groups and central households (党员中心户)."""
    return may(actor, POINTS_KEEPER_ROLES, estate)


def may_read_chain(actor, estate) -> bool:
    """See an estate's party chain (who is a 中心户 is membership data: the community's readers only)."""
    return may(actor, PARTY_READER_ROLES, estate)


NOT_BOARD_PUBLISHER = ("只有小区党支部书记、社区工作人员、社区书记或管理员可以发布亮身份公示 / Only the estate party "
                       "branch secretary, community staff, the community secretary or an administrator can publish "
                       "a 亮身份 board")
ESTATE_BRANCH_KINDS = frozenset({OrgKind.ESTATE_BRANCH, OrgKind.JOINT_BRANCH})


def is_branch_secretary(actor, estate) -> bool:
    """Is the actor 书记 of the estate's own party branch?"""
    if actor is None or not actor.is_authenticated:
        return False
    return Membership.objects.filter(person__user=actor, active=True, role=MemberRole.SECRETARY,
                                     organisation__kind__in=ESTATE_BRANCH_KINDS, organisation__active=True,
                                     organisation__estate=estate).exists()


def may_publish_board(actor, estate) -> bool:
    """Publish an estate's (or one of its buildings') 亮身份 board through the notices log."""
    return may(actor, POINTS_KEEPER_ROLES, estate) or is_branch_secretary(actor, estate)


NOT_POST_KEEPER = ("只有社区工作人员、社区书记或管理员可以设立岗位或确认认领 / Only community staff, the community "
                   "secretary or an administrator can set up posts or confirm claims")
NOT_POST_HOLDER = ("只有岗位的认领党员或社区工作人员可以记录履职 / Only the member holding the post or community "
                   "staff record its duties")


def may_keep_posts(actor, estate) -> bool:
    """Set up an estate's posts (设岗定责) and confirm or decline members' claims."""
    return may(actor, POINTS_KEEPER_ROLES, estate)


# 包保: the subdistrict assigns cadres to its estates; the cadre records their field visits.
CADRE_ASSIGNERS = frozenset({Role.SUBDISTRICT_OFFICER, Role.ADMINISTRATOR})
NOT_CADRE_ASSIGNER = ("只有街道干部或管理员可以指派包保干部 / Only the subdistrict or an administrator assigns "
                      "cadres to estates")
NOT_THE_CADRE = "只有包保干部本人可以记录蹲点走访 / Only the cadre records their own field visits"


def may_assign_cadre(actor, estate) -> bool:
    return may(actor, CADRE_ASSIGNERS, estate)


def may_see_cadre(actor, cadre) -> bool:
    """The cadre's page: the cadre themself, or the subdistrict and administrators (over their estates)."""
    if actor is None:
        return True
    scope = scope_for(actor)
    return actor.pk == cadre.pk or scope.is_root or scope.has_any(CADRE_ASSIGNERS)


# 组织关系: the community keeps its organisations' rolls; an organisation's own 书记 or 副书记 keeps its own.
NOT_RELATION_KEEPER = ("只有社区工作人员、社区书记、管理员或该党组织书记可以办理组织关系转接 / Only community staff, the "
                       "community secretary, an administrator or the organisation's secretary can transfer members "
                       "in or out")
NOT_RELATION_READER = ("只有本社区工作人员、街道干部或该党组织书记可以查看党员名册 / Only the community's staff, the "
                       "subdistrict or the organisation's secretary can see its members")


def organisation_community_id(organisation) -> int | None:
    if organisation.community_id:
        return organisation.community_id
    return organisation.estate.community_id if organisation.estate_id else None


def is_officer_of_organisation(actor, organisation) -> bool:
    """Is the actor 书记 or 副书记 of this organisation or of one above it in the party tree (a branch
    secretary keeps the rolls of the branch's groups)?"""
    if actor is None or not actor.is_authenticated:
        return False
    chain, node = [], organisation
    while node is not None and len(chain) < 6:  # the tree is four levels deep
        chain.append(node.pk)
        node = node.parent
    return Membership.objects.filter(person__user=actor, active=True, role__in=OFFICER_POSITIONS,
                                     organisation_id__in=chain).exists()


def may_read_relations(actor, organisation) -> bool:
    """See a party organisation's members and their transfers in and out."""
    return may_read_members(actor, organisation_community_id(organisation)) \
        or is_officer_of_organisation(actor, organisation)


def may_keep_relations(actor, organisation) -> bool:
    """Transfer members into or out of a party organisation (组织关系转接)."""
    return may_keep_points(actor, organisation_community_id(organisation)) \
        or is_officer_of_organisation(actor, organisation)


# 双报到单位: a unit registers at a community; the community confirms or declines.
NOT_UNIT_CONFIRMER = ("只有社区工作人员、社区书记或管理员可以确认或退回单位报到 / Only community staff, the community "
                      "secretary or an administrator can confirm or decline a unit's registration")
NOT_UNIT_REPRESENTATIVE = ("只有该共建单位的成员或社区工作人员可以为其报到 / Only a member of the partner unit or "
                           "community staff can register it")


def may_confirm_unit(actor, community_id) -> bool:
    return may_keep_points(actor, community_id)


def represents_partner(actor, partner) -> bool:
    """Does the actor sit in the partner unit (on record as one of its members)?"""
    if actor is None or not actor.is_authenticated:
        return False
    return Membership.objects.filter(person__user=actor, active=True, organisation=partner).exists()


# 申报服务项目: a member declares services; residents of the estate order them.
NOT_PROJECT_OWNER = "只有申报该服务项目的党员可以处理 / Only the member who declared the service can do this"


def may_answer_service_order(actor, order) -> bool:
    """Accept, decline or complete an order of a service: the member who declared it."""
    return actor is None or is_self(actor, order.project.member)
