"""Public notices (公示) and the transparency log they are entered in.

Invariants:
- A leaf, a stored tree node and a signed tree head are never changed or deleted (database
  triggers, migration 0002; the admin and the API offer no way to).
- A published notice's content is never changed: a correction is a new notice that supersedes
  it. Only `pinned` and the read counter may change afterwards.
- Leaves are numbered 0, 1, 2, … without gaps; appends queue on the LogState row, so two
  records published at the same moment get distinct, consecutive indices.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.notices.choices import Audience, NoticeKind
from gongzhi.places.models import Community, Estate

LEVEL_SHIFT = 48  # LogNode.key = level << 48 | index: one integer key per stored block


class Notice(models.Model):
    kind = models.CharField(_("类别"), max_length=20, choices=NoticeKind.choices)
    audience = models.CharField(_("公开范围"), max_length=12, choices=Audience.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    # A table (financial statements, lists): {"columns": [...], "rows": [[...], ...]} of strings.
    table = models.JSONField(_("表格"), null=True, blank=True)
    issuer = models.CharField(_("发布单位"), max_length=100)
    estate = models.ForeignKey(
        Estate, models.PROTECT, null=True, blank=True, related_name="notices", verbose_name=_("小区")
    )
    community = models.ForeignKey(Community, models.PROTECT, related_name="notices", verbose_name=_("社区"))
    published_at = models.DateTimeField(_("发布时间"), default=clock.now, db_index=True)
    expires_on = models.DateField(_("公示截止日期"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="correction", verbose_name=_("更正的公示")
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    # Not part of the published content: may change after publication.
    pinned = models.BooleanField(_("置顶"), default=False)
    views = models.PositiveIntegerField(_("浏览次数"), default=0)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [
            models.Index(fields=["estate", "published_at"], name="notice_estate_published"),
            models.Index(fields=["community", "published_at"], name="notice_community_published"),
            models.Index(fields=["audience", "published_at"], name="notice_audience_published"),
        ]

    def __str__(self):
        return self.title

    def scope_ids(self) -> tuple[int | None, int | None]:
        return self.estate_id, self.community_id

    @property
    def place_name(self) -> str:
        return f"{self.community.name}·{self.estate.name}" if self.estate_id else self.community.name

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < clock.today()


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, models.PROTECT, related_name="attachments", verbose_name=_("公示"))
    file = models.FileField(_("文件"), upload_to="notices/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sm3 = models.CharField(_("SM3 摘要"), max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["notice", "position"]

    def __str__(self):
        return self.name


class NoticeRead(models.Model):
    """Who has read a notice (logged-in readers, once each); anonymous views only count."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once")]

    def __str__(self):
        return f"{self.user_id} read {self.notice_id}"


# --- the transparency log ----------------------------------------------------------------------
class LogState(models.Model):
    """One row: the log's size. Appends lock it, so indices are consecutive and never shared."""

    size = models.BigIntegerField(default=0)

    def __str__(self):
        return f"log of {self.size}"


class LogLeaf(models.Model):
    index = models.BigIntegerField(_("序号"), primary_key=True)
    kind = models.CharField(_("记录类别"), max_length=40)
    ref_id = models.BigIntegerField(_("记录编号"))
    entry = models.TextField(_("规范化内容"))  # canonical JSON, hashed as UTF-8
    leaf_hash = models.BinaryField(_("叶哈希"), max_length=32)
    appended_at = models.DateTimeField(_("记入时间"), default=clock.now)
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = _("日志条目")
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["kind", "ref_id"], name="logleaf_one_per_record")]

    def __str__(self):
        return f"#{self.index} {self.kind}:{self.ref_id}"


class LogNode(models.Model):
    """The hash of a complete aligned block of leaves; level 0 holds the leaf hashes."""

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    def __str__(self):
        return f"node {self.key >> LEVEL_SHIFT}/{self.key & ((1 << LEVEL_SHIFT) - 1)}"

    @staticmethod
    def key_of(level: int, index: int) -> int:
        return (level << LEVEL_SHIFT) | index


class LogKey(models.Model):
    """A public key that signs tree heads; published so that anyone can check the heads."""

    key_id = models.CharField(_("公钥编号"), max_length=16, primary_key=True)
    algorithm = models.CharField(_("算法"), max_length=16, default="Ed25519")
    public_key = models.BinaryField(_("公钥"), max_length=64)
    created_at = models.DateTimeField(_("启用时间"), default=clock.now)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("签名公钥")
        verbose_name_plural = _("签名公钥")
        ordering = ["-created_at"]

    def __str__(self):
        return self.key_id


class SignedTreeHead(models.Model):
    tree_size = models.BigIntegerField(_("树大小"))
    root_hash = models.BinaryField(_("树根"), max_length=32)
    timestamp = models.BigIntegerField(_("时间戳（毫秒）"))
    key = models.ForeignKey(LogKey, models.PROTECT, related_name="heads", verbose_name=_("签名公钥"))
    signature = models.BinaryField(_("签名"), max_length=128)

    class Meta:
        verbose_name = _("签名树头")
        verbose_name_plural = _("签名树头")
        ordering = ["-tree_size", "-timestamp", "-id"]
        indexes = [models.Index(fields=["tree_size", "timestamp"], name="sth_size_time")]

    def __str__(self):
        return f"STH {self.tree_size} @ {self.timestamp}"
