"""The named values of requests: categories, handlers and tiers of the routing table, levels and
statuses of a request, its channels and timeline events, 三单制 kinds and statuses, and the audit
actions the app writes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.choices import Grain  # noqa: F401  (the requests rollups' grain, re-exported)


class Category(models.TextChoices):
    CLEANING = "cleaning", _("环境卫生")
    LIGHTING = "lighting", _("公共照明")
    MINOR_REPAIR = "minor_repair", _("小修小补")
    LIFT = "lift", _("电梯")
    PIPES = "pipes", _("管道下水")
    UTILITIES = "utilities", _("水电气暖")
    ROADS = "roads", _("道路设施")
    FLYING_WIRE = "flying_wire", _("飞线充电")
    PARKING = "parking", _("停车管理")
    NOISE = "noise", _("噪音扰民")
    NEIGHBOUR_DISPUTE = "neighbour_dispute", _("邻里纠纷")
    HIGH_THROW = "high_throw", _("高空抛物")
    GREENERY = "greenery", _("绿化养护")
    SECURITY = "security", _("治安安防")
    RENOVATION = "renovation", _("装修管理")
    POLES_CABLES = "poles_cables", _("电杆线缆")
    FEE_DISPUTE = "fee_dispute", _("物业费纠纷")
    OTHER = "other", _("其他")


class Handler(models.TextChoices):
    """Who handles a request first, at the estate level, and who takes it over as it climbs."""

    PROPERTY = "property", _("物业服务企业")
    COUNCIL = "council", _("三方议事会")
    BUILDING_HEAD = "building_head", _("楼栋长")
    COMMUNITY = "community", _("社区（红领工作站）")
    SUBDISTRICT = "subdistrict", _("街道")
    DEPARTMENT = "department", _("区直部门")
    CADRE = "cadre", _("包保干部")


# How a resident is told who has the request ("物业已受理"): the handler's everyday name.
HANDLER_SHORT = {
    Handler.PROPERTY: _("物业"), Handler.COUNCIL: _("三方议事会"), Handler.BUILDING_HEAD: _("楼栋长"),
    Handler.COMMUNITY: _("社区"), Handler.SUBDISTRICT: _("街道"), Handler.DEPARTMENT: _("区直部门"),
    Handler.CADRE: _("包保干部"),
}

# The handlers a routing row may name first (the estate level).
FIRST_HANDLERS = (Handler.PROPERTY, Handler.COUNCIL, Handler.BUILDING_HEAD, Handler.COMMUNITY)


class Tier(models.TextChoices):
    MINOR = "minor", _("小事易事")
    MAJOR = "major", _("大事难事")


class Level(models.IntegerChoices):
    ESTATE = 1, _("小区")
    COMMUNITY = 2, _("社区（红领工作站）")
    SUBDISTRICT = 3, _("街道（吹哨）")
    DEPARTMENT = 4, _("区直部门")
    CADRE = 5, _("包保干部")


# Who takes a request over at each level above the estate.
LEVEL_HANDLER = {Level.COMMUNITY: Handler.COMMUNITY, Level.SUBDISTRICT: Handler.SUBDISTRICT,
                 Level.DEPARTMENT: Handler.DEPARTMENT, Level.CADRE: Handler.CADRE}


class Status(models.TextChoices):
    NEW = "new", _("待响应")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结待确认")
    CLOSED = "closed", _("已关闭")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)


class Channel(models.TextChoices):
    WEB = "web", _("网上提交")
    PHONE = "phone", _("电话")
    VISIT = "visit", _("来访")
    PATROL = "patrol", _("巡查发现（两巡）")
    BUILDING_HEAD = "building_head", _("楼栋长反映")
    OPEN311 = "open311", _("Open311 接口")
    DEVICE = "device", _("小区设备")


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    ROUTED = "routed", _("分派")
    RESPONDED = "responded", _("响应受理")
    ESCALATED = "escalated", _("上报（呼叫）")
    AUTO_ESCALATED = "auto_escalated", _("超时自动上报")
    SUMMONED = "summoned", _("吹哨")
    REPORTED = "reported", _("部门报到")
    ACTED = "acted", _("部门处置")
    RESOLVED = "resolved", _("办结")
    REOPENED = "reopened", _("重新办理")
    CONFIRMED = "confirmed", _("确认并评价")
    AUTO_CLOSED = "auto_closed", _("超期自动关闭")


class PhotoStage(models.TextChoices):
    REPORT = "report", _("反映时")
    RESOLUTION = "resolution", _("办结时")


# --- 三单制 ----------------------------------------------------------------------------------------
class OrderKind(models.TextChoices):
    SERVICE = "service", _("服务")
    MICRO_WISH = "micro_wish", _("微心愿")


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", _("待派单")
    DISPATCHED = "dispatched", _("待接单")
    ACCEPTED = "accepted", _("已接单")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


# --- smart-estate devices (智慧小区设备) ------------------------------------------------------------------
class DeviceKind(models.TextChoices):
    VOICE = "voice", _("语音识别终端")
    CAMERA = "camera", _("智能摄像头")
    SENSOR = "sensor", _("传感器")


class DeviceEventKind(models.TextChoices):
    """What a device reports. Every kind but the heartbeat becomes (or adds to) a request."""

    DROWNING = "drowning", _("防溺水（儿童靠近水域）")
    HIGH_THROW = "high_throw", _("高空抛物")
    WASTE_SORTING = "waste_sorting", _("垃圾分类（投放不规范）")
    ILLEGAL_PARKING = "illegal_parking", _("车辆违停")
    EBIKE_IN_LIFT = "ebike_in_lift", _("电动车进电梯")
    HEARTBEAT = "heartbeat", _("心跳（设备在线）")


# The request category each kind of device event files (防溺水 also as an emergency).
DEVICE_EVENT_CATEGORY = {
    DeviceEventKind.DROWNING: Category.SECURITY,
    DeviceEventKind.HIGH_THROW: Category.HIGH_THROW,
    DeviceEventKind.WASTE_SORTING: Category.CLEANING,
    DeviceEventKind.ILLEGAL_PARKING: Category.PARKING,
    DeviceEventKind.EBIKE_IN_LIFT: Category.FLYING_WIRE,
}
DEVICE_EMERGENCY_KINDS = frozenset({DeviceEventKind.DROWNING})


class DeviceStatus(models.TextChoices):
    ONLINE = "online", _("在线")
    QUIET = "quiet", _("离线（超时未上报）")
    RETIRED = "retired", _("已停用")


# --- the audit trail --------------------------------------------------------------------------------
class AuditAction(models.TextChoices):
    """Every action code requests writes to the audit trail (registered in RequestsConfig.ready)."""

    REQUEST_SUBMIT = "request.submit", _("提交诉求")
    REQUEST_RESPOND = "request.respond", _("受理诉求")
    REQUEST_RESOLVE = "request.resolve", _("办结诉求")
    REQUEST_ESCALATE = "request.escalate", _("诉求上报（呼叫）")
    REQUEST_AUTO_ESCALATE = "request.auto_escalate", _("诉求超时自动上报")
    REQUEST_SUMMON = "request.summon", _("吹哨")
    REQUEST_REPORT = "request.report", _("部门报到")
    REQUEST_ACT = "request.act", _("部门处置")
    REQUEST_SUMMONS_OVERDUE = "request.summons_overdue", _("部门未按时报到")
    REQUEST_CONFIRM = "request.confirm", _("确认并评价诉求")
    REQUEST_REOPEN = "request.reopen", _("诉求重新办理")
    REQUEST_AUTO_CLOSE = "request.auto_close", _("诉求超期自动关闭")
    REQUEST_ROUTE_SET = "request.route_set", _("修改派单规则")
    OPEN311_KEY_ISSUE = "open311.key_issue", _("签发 Open311 接口密钥")
    ORDER_PLACE = "order.place", _("点单")
    ORDER_DISPATCH = "order.dispatch", _("派单")
    ORDER_ACCEPT = "order.accept", _("接单")
    ORDER_COMPLETE = "order.complete", _("完成点单")
    ORDER_RATE = "order.rate", _("评价点单")
    ORDER_RETURN = "order.return", _("无人接单退回")
    DEVICE_REGISTER = "device.register", _("登记小区设备")
    DEVICE_UPDATE = "device.update", _("修改小区设备")
    DEVICE_SECRET_RESET = "device.secret_reset", _("重置设备密钥")
    DEVICE_QUIET = "device.quiet", _("设备超时未上报")
