"""The fixed lists of joint deliberation: meeting states, parties, matter sources and states, step
outcomes, delivery states, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("已通知")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Party(models.TextChoices):
    COMMUNITY = "community", _("社区")
    COMMUNITY_PARTY = "community_party", _("社区党组织")
    ESTATE_BRANCH = "estate_branch", _("小区党支部")
    AUTONOMOUS = "autonomous", _("业委会/物管会/自治组织")
    PROPERTY = "property", _("物业企业")
    DEPARTMENT = "department", _("职能部门")
    PLATFORM = "platform", _("平台")
    SUBDISTRICT = "subdistrict", _("街道")
    GRID = "grid", _("网格员")
    GRID_BRANCH = "grid_branch", _("网格党支部")
    EXPERT = "expert", _("专家")
    OWNER_REP = "owner_rep", _("业主代表")
    MEMBER = "member", _("成员")


class Repeat(models.TextChoices):
    NONE = "", _("不重复")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季")


class MatterSource(models.TextChoices):
    REQUEST = "request", _("居民诉求")
    PROPOSAL = "proposal", _("业委会或支部提议")
    PROJECT = "project", _("项目")
    COMPLAINT = "complaint", _("投诉")


class MatterStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("办理中")
    COMPLETED = "completed", _("已办结")
    ENDED = "ended", _("已终止")


class Outcome(models.TextChoices):
    DONE = "done", _("通过/完成")
    BACK = "back", _("退回")
    END = "end", _("终止")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("未开始")
    IN_PROGRESS = "in_progress", _("进行中")
    DONE = "done", _("已完成")


class AuditAction(models.TextChoices):
    MEETING_PLAN = "meeting.plan", _("召集会议")
    MEETING_REPEAT = "meeting.repeat", _("排定下一次例会")
    MEETING_OPEN = "meeting.open", _("开始会议")
    MEETING_INVITE = "meeting.invite", _("邀请参会")
    MEETING_SIGN_IN = "meeting.sign_in", _("会议签到")
    MEETING_DECIDE = "meeting.decide", _("记录会议决定")
    MEETING_CLOSE = "meeting.close", _("结束会议")
    MEETING_MINUTES_APPROVE = "meeting.minutes_approve", _("确认会议纪要")
    MATTER_CREATE = "matter.create", _("建立议题")
    MATTER_STEP_DONE = "matter.step.done", _("议题步骤通过")
    MATTER_STEP_BACK = "matter.step.back", _("议题步骤退回")
    MATTER_STEP_END = "matter.step.end", _("议题终止")
    ACTION_ADD = "action.add", _("添加行动事项")
    ACTION_DONE = "action.done", _("完成行动事项")
    BID_ADD = "bid.add", _("登记报价")
    BID_CHOOSE = "bid.choose", _("确定中标")
    DELIVERY_SET = "delivery.set", _("更新交付项")
