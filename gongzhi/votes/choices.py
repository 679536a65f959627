"""The fixed lists of owners' votes, consultations and conventions, and the audit actions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ANNOUNCED = "announced", _("已公告")
    CLOSED = "closed", _("已结束")


class VotePhase(models.TextChoices):
    """Where a vote stands as people see it: the stored status read against the clock (Vote.phase_at).
    The list, the vote's page, the API and the home card all show this one value."""

    DRAFT = "draft", _("草稿")
    UPCOMING = "upcoming", _("已公告，尚未开始")
    OPEN = "open", _("投票中")
    COUNTING = "counting", _("投票已截止，待计票")
    CLOSED = "closed", _("已结束")


class ReminderKind(models.IntegerChoices):
    """The reminders to owners who have not voted, by days before closing (votes.jobs)."""

    THREE_DAYS = 3, _("截止前 3 天")
    ONE_DAY = 1, _("截止前 1 天")


class Choice(models.TextChoices):
    YES = "yes", _("同意")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上投票")
    PAPER = "paper", _("纸质选票")
    DOOR = "door", _("入户收集")
    PROXY = "proxy", _("委托投票")


class BallotStatus(models.TextChoices):
    COUNTED = "counted", _("有效")
    PENDING_CHECK = "pending_check", _("待复核")


class Nomination(models.TextChoices):
    SELF = "self", _("自荐")
    ORGANISATION = "organisation", _("组织推荐")


class Opinion(models.TextChoices):
    AGREE = "agree", _("同意")
    DISAGREE = "disagree", _("不同意")
    CONDITIONAL = "conditional", _("有条件同意")


class ConventionStatus(models.TextChoices):
    DRAFTING = "drafting", _("起草中")
    COMMENTING = "commenting", _("征求意见中")
    VOTING = "voting", _("表决中")
    ADOPTED = "adopted", _("已通过")
    REJECTED = "rejected", _("未通过")


# The eligibility checklist: 两讲两有 (讲担当、讲党性、有素质、有公心).
CANDIDATE_CHECKS = {
    "dandang": _("讲担当"),
    "dangxing": _("讲党性"),
    "suzhi": _("有素质"),
    "gongxin": _("有公心"),
}


class AuditAction(models.TextChoices):
    VOTE_CREATE = "vote.create", _("起草表决")
    VOTE_ANNOUNCE = "vote.announce", _("公告表决")
    VOTE_CLOSE = "vote.close", _("结束表决并公示结果")
    BALLOT_CAST = "ballot.cast", _("网上投票")
    BALLOT_CHANGE = "ballot.change", _("改票")
    BALLOT_ENTER = "ballot.enter", _("录入纸质选票")
    BALLOT_CHECK = "ballot.check", _("复核选票")
    BALLOT_IMPORT = "ballot.import", _("导入纸质选票")
    CANDIDATE_NOMINATE = "candidate.nominate", _("提名候选人")
    CANDIDATE_REVIEW = "candidate.review", _("审查候选人资格")
    CONSULTATION_CREATE = "consultation.create", _("发起征求意见")
    CONSULTATION_CLOSE = "consultation.close", _("结束征求意见并公示")
    ANSWER_SUBMIT = "answer.submit", _("提交意见")
    ANSWER_CHANGE = "answer.change", _("修改意见")
    ANSWER_REPLY = "answer.reply", _("答复意见")
    CONVENTION_CREATE = "convention.create", _("起草公约")
    CONVENTION_OPEN_COMMENTS = "convention.open_comments", _("公约征求意见")
    CONVENTION_TO_VOTE = "convention.to_vote", _("公约提交表决")
    CONVENTION_DECIDED = "convention.decided", _("公约表决结果")
    ARTICLE_REVISE = "article.revise", _("修订公约条文")
    ARTICLE_COMMENT = "article.comment", _("评论公约条文")
