"""The fixed lists of community life: who approves a space, a booking's and a sign-up's states, the
kinds of activity (the seeds' services brought into estates, 五进小区), and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Approver(models.TextChoices):
    """Who approves a booking of a space that needs approval."""

    COMMITTEE = "committee", _("业委会")
    COMMUNITY = "community", _("社区")
    PROPERTY = "property", _("物业")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    CONFIRMED = "confirmed", _("已预约")
    REFUSED = "refused", _("未获批准")
    CANCELLED = "cancelled", _("已取消")


# A booking in these states holds its slot: no other may overlap it (the database's constraint says the same).
HOLDING = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class ActivityKind(models.TextChoices):
    HEALTH = "health", _("健康义诊")
    LEGAL = "legal", _("法治宣传")
    ANTI_FRAUD = "anti_fraud", _("反诈宣传")
    LEGAL_AID = "legal_aid", _("法律援助")
    MEDIATION = "mediation", _("纠纷调处")
    SAFETY = "safety", _("平安创建")
    REPAIRS = "repairs", _("便民维修")
    VOLUNTEERING = "volunteering", _("志愿服务")
    ENVIRONMENT = "environment", _("环保行动")
    PATROL = "patrol", _("安全巡逻")
    CULTURE = "culture", _("文体活动")
    CHILDREN = "children", _("四点半课堂")
    PARTY = "party", _("党建活动")
    OTHER = "other", _("其他活动")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class ProjectKind(models.TextChoices):
    """红色物业项目: the kinds of project a community party organisation opens from residents' needs."""

    LIFT = "lift", _("加装电梯（电梯集资）")
    PARKING = "parking", _("停车位改造")
    ROADS = "roads", _("道路修缮")
    PIPES = "pipes", _("管网改造")
    ROOFS = "roofs", _("屋面防水")
    GREENING = "greening", _("绿化提升")
    WASTE = "waste", _("垃圾分类设施")
    SECURITY = "security", _("安防监控")
    CHARGING = "charging", _("充电设施")
    PARTY_SPACE = "party_space", _("党群活动场所")


class Panel(models.TextChoices):
    """An estate's advisers: professionals (顾问组: a doctor, a teacher, a lawyer) and vocal residents (智囊团)."""

    ADVISERS = "advisers", _("顾问组")
    THINK_TANK = "think_tank", _("智囊团")


class PledgeKind(models.TextChoices):
    MONEY = "money", _("出资")
    LABOUR = "labour", _("出力")


class AuditAction(models.TextChoices):
    SPACE_CREATE = "space.create", _("登记活动场地")
    BOOKING_CREATE = "booking.create", _("预约场地")
    BOOKING_APPROVE = "booking.approve", _("批准场地预约")
    BOOKING_REFUSE = "booking.refuse", _("不批准场地预约")
    BOOKING_CANCEL = "booking.cancel", _("取消场地预约")
    ACTIVITY_CREATE = "activity.create", _("发布活动")
    ACTIVITY_REPORT = "activity.report", _("填写活动小结")
    SIGNUP_CREATE = "signup.create", _("报名活动")
    SIGNUP_CANCEL = "signup.cancel", _("取消报名")
    SIGNUP_PROMOTE = "signup.promote", _("候补转为报名")
    SIGNUP_CHECKIN = "signup.checkin", _("活动签到")
    TEAM_CREATE = "volunteer_team.create", _("成立志愿服务队")
    TEAM_JOIN = "volunteer_member.create", _("加入志愿服务队")
    HOURS_RECORD = "volunteer_hours.record", _("记录志愿服务时长")
    HOURS_CLAIM = "volunteer_hours.claim", _("登记点单服务时长")
    HOURS_CONFIRM = "volunteer_hours.confirm", _("确认点单服务时长")
    PAIRING_CREATE = "pairing.create", _("挂点结对")
    PAIRING_END = "pairing.end", _("结束挂点结对")
    ADVISER_ADD = "adviser.add", _("聘请顾问")
    ADVISER_REMOVE = "adviser.remove", _("解聘顾问")
    ADVICE_ASK = "advice_request.create", _("征询顾问意见")
    ADVICE_GIVE = "advice_opinion.give", _("提交顾问意见")
    PROJECT_CONSULT = "project.consult", _("项目征求业主意见")
    PROJECT_OPEN = "project.open", _("成立红色物业项目")
    PROJECT_CLOSE = "project.close", _("红色物业项目结项")
    PLEDGE_CREATE = "pledge.create", _("认捐认劳")
    PLEDGE_PAY = "pledge.pay", _("登记认捐款到账")
    MILESTONE_RECORD = "milestone.record", _("记录项目进度")
    DISPUTE_RAISE = "dispute.raise", _("提出项目异议")
    DISPUTE_SETTLE = "dispute.settle", _("调解项目异议")
