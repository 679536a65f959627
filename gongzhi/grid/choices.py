"""Grid work's fixed lists: who patrols (两巡), how a checkpoint is marked, the special populations
visited on a schedule (两访) with their default frequencies, how a visit went, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Patroller(models.TextChoices):
    """两巡: the grid worker's patrol and the property company's."""

    GRID = "grid", _("网格员巡查")
    PROPERTY = "property", _("物业巡查")


class MarkHow(models.TextChoices):
    QR = "qr", _("扫码打卡")
    TAP = "tap", _("点选打卡")


class SpecialGroup(models.TextChoices):
    """特殊人群: whom the community visits on a schedule."""

    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    EMPTY_NEST = "empty_nest", _("空巢老人")
    DISABLED = "disabled", _("残疾人")
    HARDSHIP = "hardship", _("困难家庭")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    WATCH = "watch", _("重点关注人员")


# Days between visits until a community sets its own (VisitFrequency).
DEFAULT_VISIT_DAYS = {
    SpecialGroup.ELDERLY_ALONE: 7,
    SpecialGroup.EMPTY_NEST: 14,
    SpecialGroup.DISABLED: 30,
    SpecialGroup.HARDSHIP: 30,
    SpecialGroup.LEFT_BEHIND_CHILD: 30,
    SpecialGroup.WATCH: 14,
}


class VisitHow(models.TextChoices):
    HOME = "home", _("入户（在家）")
    PHONE = "phone", _("电话联系")
    ABSENT = "absent", _("未遇")


# A visit that met the person (at home or by phone) is one done; 未遇 is recorded but still due.
MET = frozenset({VisitHow.HOME, VisitHow.PHONE})


class RuleKind(models.TextChoices):
    """The rules library: an estate's and a community's rules (一方案四章程 and the others)."""

    SCHEME = "scheme", _("一方案四章程")
    MANAGEMENT = "management", _("管理规约")
    ASSEMBLY = "assembly", _("业主大会议事规则")
    COMMITTEE = "committee", _("业委会工作规则")
    CONVENTION = "convention", _("居民公约")
    DUTIES = "duties", _("社区职责清单")
    # Rules the code enforces name the version they follow (core.registry.rule_in_force): the seal form's
    # signatories follow the 印章管理制度 (one of 一方案四章程), the committee members' conduct the 九不准.
    SEALS = "seals", _("印章管理制度")
    CONDUCT = "conduct", _("九不准（业委会成员行为规范）")


class AdoptedBy(models.TextChoices):
    VOTE = "vote", _("业主大会表决通过")
    MATTER = "matter", _("会议议定")
    COMMUNITY = "community", _("社区确定")


class AuditAction(models.TextChoices):
    PLAN_CREATE = "patrol_plan.create", _("制定巡查计划")
    PLAN_STOP = "patrol_plan.stop", _("停用巡查计划")
    CHECKPOINT_ADD = "checkpoint.add", _("添加巡查点位")
    PATROL_START = "patrol.start", _("开始巡查")
    PATROL_MARK = "patrol.mark", _("巡查点位打卡")
    PATROL_FINISH = "patrol.finish", _("完成巡查")
    PATROL_MISSED = "patrol.missed", _("标记漏巡")
    FINDING_RECORD = "finding.record", _("记录巡查发现")
    FINDING_RAISE = "finding.raise", _("巡查发现转为诉求")
    SPECIAL_PERSON_ADD = "special_person.add", _("登记特殊人群")
    SPECIAL_PERSON_END = "special_person.end", _("移出特殊人群名册")
    SPECIAL_PERSON_READ = "special_person.read", _("查阅特殊人群名册")
    VISIT_FREQUENCY_SET = "visit_frequency.set", _("设置走访频次")
    VISIT_RECORD = "visit.record", _("记录走访")
    VISIT_RAISE = "visit.raise", _("走访需求转为诉求")
    VISIT_ORDER = "visit.order", _("走访需求转为点单")
    RULE_CREATE = "rule.create", _("建立规则文件")
    RULE_PROPOSE = "rule_version.propose", _("提出规则修订稿")
    RULE_ADOPT = "rule_version.adopt", _("通过并公布规则版本")
