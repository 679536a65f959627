"""Owners' votes (业主共同决定, Civil Code art. 278).

Invariants:
- A vote is announced before it opens, at least GONGZHI_VOTE_NOTICE_DAYS (never under 15) days
  ahead; ballots are accepted only between opens_at and closes_at of an announced vote.
- The roll (who may vote, with what area) is frozen when the vote is announced.
- One ballot per owner per vote (database unique constraint), an owner being the set of persons
  on a unit's title; all the developer's units are one owner.
- A closed vote's result and ballots never change (database triggers, migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.people.models import Person
from gongzhi.places.models import Building, Estate, InEstate, Unit
from gongzhi.votes.choices import (  # noqa: F401 — the choices are also read from here
    CANDIDATE_CHECKS,
    BallotStatus,
    Channel,
    Choice,
    ConventionStatus,
    Nomination,
    Opinion,
    ReminderKind,
    VotePhase,
    VoteStatus,
)
from gongzhi.votes.tally import ITEMS


class Vote(InEstate, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="votes", verbose_name=_("小区"))
    title = models.CharField(_("表决事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    item = models.PositiveSmallIntegerField(_("民法典第二百七十八条事项"), choices=sorted(ITEMS.items()))
    # Empty = the whole estate; otherwise the buildings whose owners pay (维修资金列支范围).
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("表决范围（楼栋）"))
    secret = models.BooleanField(_("不记名投票"), default=False)
    allow_change = models.BooleanField(_("截止前可改票"), default=False)
    opens_at = models.DateTimeField(_("开始投票"))
    closes_at = models.DateTimeField(_("截止投票"))
    status = models.CharField(_("状态"), max_length=12, choices=VoteStatus.choices, default=VoteStatus.DRAFT)
    announced_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    # Thresholds as fractions "2/3" — the estate's rules may raise them above the law.
    participation = models.CharField(_("参与比例"), max_length=16, default="2/3")
    special = models.CharField(_("特别事项同意比例"), max_length=16, default="3/4")
    ordinary = models.CharField(_("一般事项同意比例"), max_length=16, default="1/2")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发起人"))
    created_at = models.DateTimeField(default=clock.now)
    # Committee elections (item 3): how many seats; candidates below, ballots pick up to `seats`.
    seats = models.PositiveSmallIntegerField(_("应选委员人数"), null=True, blank=True)
    result = models.JSONField(_("表决结果"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("业主表决")
        verbose_name_plural = _("业主表决")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="vote_closes_after_open"),
            models.CheckConstraint(condition=models.Q(item__gte=1, item__lte=9), name="vote_item_1_to_9"),
        ]

    def __str__(self):
        return self.title

    @property
    def passed(self) -> bool:
        """Whether the counted vote carried (False while it is not counted)."""
        return bool((self.result or {}).get("approved"))

    def phase_at(self, at=None) -> VotePhase:
        """The one status people see: the stored state read against the clock. Voting is open from
        opens_at (inclusive) to closes_at (exclusive); at closes_at it waits to be counted."""
        if self.status == VoteStatus.DRAFT:
            return VotePhase.DRAFT
        if self.status == VoteStatus.CLOSED:
            return VotePhase.CLOSED
        at = at or clock.now()
        if at < self.opens_at:
            return VotePhase.UPCOMING
        return VotePhase.OPEN if at < self.closes_at else VotePhase.COUNTING

    @property
    def phase(self) -> VotePhase:
        return self.phase_at()

    def is_open(self, at=None) -> bool:
        return self.phase_at(at) == VotePhase.OPEN


class RollEntry(models.Model):
    """A unit of the voting group as it stood when the vote was announced."""

    vote = models.ForeignKey(Vote, models.PROTECT, related_name="roll")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    area = models.DecimalField(max_digits=10, decimal_places=2)
    owner_key = models.CharField(max_length=200)  # "p12+p15", or "DEVELOPER"
    persons = models.ManyToManyField(Person, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "unit"], name="roll_unit_once")]
        indexes = [models.Index(fields=["vote", "owner_key"], name="roll_vote_owner")]

    def __str__(self):
        return f"{self.vote_id}:{self.unit_id}"


class Ballot(models.Model):
    """One owner's ballot. For a secret vote the choice is never shown through any interface."""

    vote = models.ForeignKey(Vote, models.PROTECT, related_name="ballots")
    owner_key = models.CharField(max_length=200)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    voter = models.ForeignKey(Person, models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(max_length=16, choices=BallotStatus.choices, default=BallotStatus.COUNTED)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    proxy_document = models.FileField(upload_to="votes/proxies/%Y/%m/", blank=True)
    cast_at = models.DateTimeField(default=clock.now)
    # The receipt number the voter keeps (a new one when a ballot is changed). Nullable so that the
    # column is added without rebuilding the table (SQLite would drop migration 0002's triggers).
    receipt = models.CharField(max_length=20, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "owner_key"], name="ballot_one_per_owner"),
            models.UniqueConstraint(fields=["receipt"], condition=models.Q(receipt__isnull=False),
                                    name="ballot_receipt_unique"),
        ]

    def __str__(self):
        return f"{self.vote_id}:{self.owner_key}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.vote.scope_ids()


class Reminder(models.Model):
    """One reminder sent to one person on the roll who had not voted (votes.jobs): the row is the
    claim, so a reminder goes out once however often, and on however many machines, the job runs."""

    vote = models.ForeignKey(Vote, models.PROTECT, related_name="reminders")
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    kind = models.PositiveSmallIntegerField(choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "person", "kind"], name="reminder_once")]

    def __str__(self):
        return f"{self.vote_id}:{self.person_id}:{self.kind}"


class Candidate(models.Model):
    vote = models.ForeignKey(Vote, models.PROTECT, related_name="candidates")
    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("候选人"))
    nomination = models.CharField(_("产生方式"), max_length=16, choices=Nomination.choices)
    statement = models.TextField(_("竞职演讲"), blank=True)
    checks = models.JSONField(_("资格审查"), default=dict)  # CANDIDATE_CHECKS key -> bool
    eligible = models.BooleanField(_("资格审查通过"), default=False)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "person"], name="candidate_once_per_vote")]

    def __str__(self):
        return self.person.name

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.vote.scope_ids()


class Selection(models.Model):
    """A candidate chosen on an election ballot."""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="selections")
    candidate = models.ForeignKey(Candidate, models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "candidate"], name="selection_once")]

    def __str__(self):
        return f"{self.ballot_id}:{self.candidate_id}"


# --- consultations (征求意见) ----------------------------------------------------------------------
class Consultation(InEstate, models.Model):
    """A plan put to every household of the group: agree, disagree, or agree with conditions."""

    estate = models.ForeignKey(Estate, models.PROTECT, related_name="consultations", verbose_name=_("小区"))
    title = models.CharField(_("征求意见事项"), max_length=200)
    body = models.TextField(_("方案说明"))
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("范围（楼栋）"))
    opens_at = models.DateTimeField(_("开始"))
    closes_at = models.DateTimeField(_("截止"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    summary = models.JSONField(_("汇总"), null=True, blank=True)

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["-opens_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                              name="consultation_closes_after_open")]

    def __str__(self):
        return self.title


    def is_open(self, at=None) -> bool:
        at = at or clock.now()
        return self.closed_at is None and self.opens_at <= at < self.closes_at


class Answer(models.Model):
    """One household's answer (a household = a unit); answered again, it is replaced."""

    consultation = models.ForeignKey(Consultation, models.PROTECT, related_name="answers")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+")
    opinion = models.CharField(_("意见"), max_length=12, choices=Opinion.choices)
    comment = models.TextField(_("具体意见"), blank=True)
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=clock.now)
    reply = models.TextField(_("答复"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consultation", "unit"], name="answer_once_per_household")]
        indexes = [models.Index(fields=["consultation", "opinion"], name="answer_by_opinion")]

    def __str__(self):
        return f"{self.consultation_id}:{self.unit_id}"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.consultation.scope_ids()


# --- residents' conventions (居民公约) --------------------------------------------------------------


class Convention(InEstate, models.Model):
    estate = models.ForeignKey(Estate, models.PROTECT, related_name="conventions", verbose_name=_("小区"))
    title = models.CharField(_("公约名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=ConventionStatus.choices,
                              default=ConventionStatus.DRAFTING)
    vote = models.OneToOneField(Vote, models.PROTECT, null=True, blank=True, related_name="convention")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("居民公约")
        verbose_name_plural = _("居民公约")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Article(models.Model):
    convention = models.ForeignKey(Convention, models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("条"))
    text = models.TextField(_("条文"))
    revision = models.PositiveSmallIntegerField(_("修订次数"), default=0)

    class Meta:
        ordering = ["convention", "number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="article_number_once")]

    def __str__(self):
        return f"第{self.number}条"

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.convention.scope_ids()


class ArticleComment(models.Model):
    article = models.ForeignKey(Article, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    text = models.TextField(_("意见"))
    revision = models.PositiveSmallIntegerField(default=0)  # the article's revision it was written on
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["article", "created_at"]

    def __str__(self):
        return f"{self.article_id}:{self.pk}"
