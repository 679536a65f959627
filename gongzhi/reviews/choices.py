"""The fixed lists of holding service to account: evaluation kinds and scales, offline groups, the states
of an evaluation, an interview, a rectification item and a 红黑榜 entry, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationKind(models.TextChoices):
    """评议 of service quality, or Anqing's 双评 (满意度 + 收费率) of a no-property estate's company."""

    ORDINARY = "ordinary", _("服务评议")
    DOUBLE = "double", _("双评（满意度＋收费率）")


class Scale(models.TextChoices):
    POINTS = "points", _("1–5 分")
    LEVELS = "levels", _("好差评五级")


# The national 好差评 five levels, each worth the points 1–5 of the other scale.
LEVELS = {5: _("非常满意"), 4: _("满意"), 3: _("基本满意"), 2: _("不满意"), 1: _("非常不满意")}


class EvaluationStatus(models.TextChoices):
    OPEN = "open", _("评议中")
    PUBLISHED = "published", _("已公布结果")


class GroupKind(models.TextChoices):
    """Who fills in the paper forms of an offline group."""

    DEPARTMENT = "department", _("行业部门")
    PARTNER = "partner", _("双报到单位")
    REPRESENTATIVES = "representatives", _("业主代表")
    OTHER = "other", _("其他")


class InterviewReason(models.TextChoices):
    LOW_RESULT = "low_result", _("评议结果低于约谈线")
    COMPLAINTS = "complaints", _("投诉集中")


class InterviewStatus(models.TextChoices):
    RECTIFYING = "rectifying", _("整改中")
    DONE = "done", _("整改完成")
    FAILED = "failed", _("整改未通过")
    REPLACEMENT = "replacement", _("已提请更换")
    REPLACED = "replaced", _("已更换")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    REPORTED = "reported", _("待验收")
    PASSED = "passed", _("验收通过")
    FAILED = "failed", _("整改失败")


class EntryKind(models.TextChoices):
    HONOUR = "honour", _("红榜")
    WARNING = "warning", _("黑榜")


class EntryStatus(models.TextChoices):
    NOTIFIED = "notified", _("已告知，异议期内")
    OBJECTED = "objected", _("异议审查中")
    LISTED = "listed", _("已上榜")
    DISMISSED = "dismissed", _("审查未上榜")
    EXPIRED = "expired", _("期满下榜")


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("已举报，待约谈")
    INTERVIEWED = "interviewed", _("已约谈，待认定")
    CONFIRMED = "confirmed", _("认定违反")
    CLEARED = "cleared", _("认定不违反")


# The nine items owners' representatives and the company drew up for committee members (Chenzhou), the
# default of an estate that has adopted none of its own.
NINE_DONTS = (
    "不准利用职务之便谋取私利", "不准收受物业服务企业或他人财物", "不准擅自使用业主委员会印章",
    "不准擅自决定公共收益的使用", "不准拖欠物业费或违规占用公共部位", "不准泄露业主个人信息",
    "不准在选聘物业服务企业中弄虚作假", "不准打击报复提出意见的业主", "不准无故缺席业主委员会会议",
)


class MediationKind(models.TextChoices):
    """What a mediated dispute was about: the request categories the quarterly comparison counts, and others."""

    NEIGHBOUR_DISPUTE = "neighbour_dispute", _("邻里纠纷")
    NOISE = "noise", _("噪音扰民")
    FEE_DISPUTE = "fee_dispute", _("物业费纠纷")
    PARKING = "parking", _("停车管理")
    OTHER = "other", _("其他矛盾纠纷")


class MediationStatus(models.TextChoices):
    OPEN = "open", _("调解中")
    SETTLED = "settled", _("已化解")
    UNSETTLED = "unsettled", _("未化解")


class AuditAction(models.TextChoices):
    EVALUATION_CREATE = "evaluation.create", _("发起评议")
    RESPONSE_SUBMIT = "evaluation_response.submit", _("业主网上评议")
    OFFLINE_ENTER = "evaluation_group.enter", _("录入线下评议")
    EVALUATION_PUBLISH = "evaluation.publish", _("公布评议结果")
    INTERVIEW_OPEN = "interview.open", _("约谈物业服务企业")
    ITEM_REPORT = "rectification.report", _("报告整改完成")
    ITEM_CHECK = "rectification.check", _("验收整改")
    REPLACEMENT_PROPOSE = "interview.replace", _("提请更换物业服务企业")
    ENTRY_RECORD = "list_entry.record", _("记录红黑榜事项")
    ENTRY_OBJECT = "list_entry.object", _("对红黑榜事项提出异议")
    ENTRY_REVIEW = "list_entry.review", _("审查红黑榜事项")
    ENTRY_EXPIRE = "list_entry.expire", _("红黑榜期满下榜")
    RANKING_PUBLISH = "ranking.publish", _("公布奖优惩劣排名")
    CONFLICTS_PUBLISH = "conflicts.publish", _("公布化解矛盾问题评比")
    CONDUCT_ADOPT = "conduct_rules.adopt", _("修订九不准负面清单")
    BREACH_REPORT = "conduct_case.report", _("举报委员违反九不准")
    BREACH_INTERVIEW = "conduct_case.interview", _("约谈被举报委员")
    BREACH_FIND = "conduct_case.find", _("认定委员是否违反九不准")
    REPLACEMENT_DONE = "interview.replaced", _("按表决结果更换物业服务企业")
    REPLACEMENT_REJECTED = "interview.vote_failed", _("更换表决未通过，恢复整改")
    BREACH_ACCOUNTABILITY = "conduct_case.accountability", _("九不准认定后立案问责")
    BREACH_REMOVAL = "conduct_case.removal", _("九不准认定后提请罢免委员")
    RENEWAL_DECIDE = "renewal_decision.decide", _("据排名作出续聘决定")
    MEDIATION_RECORD = "mediation.record", _("登记矛盾纠纷调解")
    MEDIATION_CLOSE = "mediation.close", _("办结矛盾纠纷调解")
