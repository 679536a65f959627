"""The party app's fixed lists: what earns points (双积分), the defaults a community may change, and the
audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PointsKind(models.TextChoices):
    """Where an entry of the points ledger comes from."""

    ORDER = "order", _("完成点单服务")
    MICRO_WISH = "micro_wish", _("认领微心愿")
    POST_DUTY = "post_duty", _("履行岗位职责")
    ACTIVITY = "activity", _("参加活动")
    VISIT = "visit", _("入户走访")
    MEETING = "meeting", _("参加会议")
    MANUAL_AWARD = "manual_award", _("社区加分")
    MANUAL_DEDUCTION = "manual_deduction", _("社区扣分")


MANUAL_KINDS = frozenset({PointsKind.MANUAL_AWARD, PointsKind.MANUAL_DEDUCTION})
# The kinds the services that complete things award, with the points each earns and the month's cap per
# member until a community sets its own (PointsRule).
AUTOMATIC_KINDS = [k for k in PointsKind.values if k not in MANUAL_KINDS]
DEFAULT_RULES = {
    PointsKind.ORDER: (5, 40),
    PointsKind.MICRO_WISH: (5, 20),
    PointsKind.POST_DUTY: (3, 30),
    PointsKind.ACTIVITY: (2, 20),
    PointsKind.VISIT: (2, 20),
    PointsKind.MEETING: (2, 10),
}


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("未通过")


class BoardContact(models.TextChoices):
    """What a member on a 亮身份 board shows to reach them: their choice, never more."""

    NONE = "none", _("不显示联系方式")
    OFFICE = "office", _("办公电话")
    MASKED = "masked", _("手机号（隐去中间四位）")
    MOBILE = "mobile", _("完整手机号")


class PostKind(models.TextChoices):
    """设岗定责: the usual posts of an estate or building (a post may also carry its own title)."""

    BUILDING_HEAD = "building_head", _("楼栋长")
    UNIT_HEAD = "unit_head", _("单元长")
    POLICY = "policy", _("政策宣传岗")
    ENVIRONMENT = "environment", _("环境监督岗")
    MEDIATION = "mediation", _("矛盾调解岗")
    CIVILITY = "civility", _("文明劝导岗")
    OTHER = "other", _("其他岗位")


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("未通过")


class TeamRole(models.TextChoices):
    """The people who go with a 包保 cadre to an estate."""

    BUREAU_CHIEF = "bureau_chief", _("局长驻点")
    POLICE = "police", _("政法干警进网格")
    GRID_HEAD = "grid_head", _("网格长")
    UNIT_HEAD = "unit_head", _("单元长")


class UnitRegistrationStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("未通过")


class ServiceOrderStatus(models.TextChoices):
    """A resident's order of a service project a member declared: the member accepts or declines it,
    then completes it."""

    ORDERED = "ordered", _("待接单")
    ACCEPTED = "accepted", _("已接单")
    DONE = "done", _("已完成")
    DECLINED = "declined", _("已婉拒")


class AuditAction(models.TextChoices):
    POINTS_AWARD = "points.award", _("积分入账")
    POINTS_ADJUST = "points.adjust", _("社区加减积分")
    POINTS_RULE_SET = "points_rule.set", _("修改积分规则")
    REGISTRATION_SUBMIT = "registration.submit", _("党员双报到")
    REGISTRATION_CONFIRM = "registration.confirm", _("确认党员报到")
    REGISTRATION_DECLINE = "registration.decline", _("退回党员报到")
    GROUP_BUILDING_SET = "group_building.set", _("设定楼栋党小组覆盖楼栋")
    CENTRAL_HOUSEHOLD_DESIGNATE = "central_household.designate", _("设立党员中心户")
    HOUSEHOLD_VISIT_RECORD = "household_visit.record", _("记录中心户走访")
    BOARD_LISTING_SET = "board_listing.set", _("设置亮身份")
    BOARD_PUBLISH = "board.publish", _("发布亮身份公示")
    POST_CREATE = "post.create", _("设立党员岗位")
    POST_CLAIM = "post_claim.submit", _("认领党员岗位")
    POST_CLAIM_CONFIRM = "post_claim.confirm", _("确认岗位认领")
    POST_CLAIM_DECLINE = "post_claim.decline", _("退回岗位认领")
    POST_DUTY_RECORD = "post_duty.record", _("记录履职")
    CADRE_ASSIGN = "cadre.assign", _("指派包保干部")
    CADRE_TEAM_ADD = "cadre_team.add", _("加入包保团队")
    FIELD_VISIT_RECORD = "field_visit.record", _("记录蹲点走访")
    FIELD_VISIT_RAISE = "field_visit.raise", _("蹲点发现转为诉求")
    ORG_RELATION_IN = "org_relation.transfer_in", _("组织关系转入")
    ORG_RELATION_OUT = "org_relation.transfer_out", _("组织关系转出")
    UNIT_REGISTRATION_SUBMIT = "unit_registration.submit", _("单位双报到")
    UNIT_REGISTRATION_CONFIRM = "unit_registration.confirm", _("确认单位报到")
    UNIT_REGISTRATION_DECLINE = "unit_registration.decline", _("退回单位报到")
    SERVICE_PROJECT_DECLARE = "service_project.declare", _("申报服务项目")
    SERVICE_PROJECT_WITHDRAW = "service_project.withdraw", _("撤回服务项目")
    SERVICE_ORDER_PLACE = "service_order.place", _("预约党员服务")
    SERVICE_ORDER_ACCEPT = "service_order.accept", _("接受服务预约")
    SERVICE_ORDER_DECLINE = "service_order.decline", _("婉拒服务预约")
    SERVICE_ORDER_COMPLETE = "service_order.complete", _("完成预约服务")
