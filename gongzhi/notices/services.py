"""Writes of notices and of the log: publish, pin, record a read, sign a head, rotate the key.

A published notice is entered in the transparency log in the same transaction (log.publish), so
a notice exists exactly when its leaf does.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from gongzhi.core import clock
from gongzhi.core.audit import audit_record, snapshot
from gongzhi.core.errors import InvalidInput, PermissionDenied, WrongState
from gongzhi.core.files import Upload, check_uploads
from gongzhi.core.scoping import get_in_scope, scope_for
from gongzhi.core.text import ANY_LENGTH, clean_text
from gongzhi.notices import keys, log, merkle, rules
from gongzhi.notices.choices import AuditAction
from gongzhi.notices.models import Audience, Notice, NoticeAttachment, NoticeKind, NoticeRead, SignedTreeHead
from gongzhi.notices.selectors import notices_visible
from gongzhi.places.models import Community

TITLE_REQUIRED = "请填写标题 / The notice needs a title"
BODY_REQUIRED = "请填写正文 / The notice needs a body"
BODY_TOO_LONG = "正文过长（最多 {n} 字）/ The body is too long (at most {n} characters)"
UNKNOWN_KIND = "未知的公示类别 / Unknown notice kind"
UNKNOWN_AUDIENCE = "未知的公开范围 / Unknown audience"
PLACE_REQUIRED = "请选择小区或社区 / Choose an estate or a community"
COMMUNITY_AUDIENCE_ONLY = (
    "社区发布的公示只能面向本社区或公开 / A community's notice is for the community or the public"
)
EXPIRY_IN_PAST = "公示截止日期不能早于发布日期 / The notice cannot expire before it is published"
TABLE_MALFORMED = "表格格式不正确：需要表头和至少一行数据 / The table needs a header row and at least one data row"
TABLE_TOO_BIG = "表格过大（最多 {rows} 行、{cols} 列）/ The table is too big (at most {rows} rows, {cols} columns)"
TOO_MANY_ATTACHMENTS = "附件最多 {n} 个 / At most {n} attachments"
ATTACHMENT_TOO_BIG = "附件“{name}”超过 {mb} MB / The attachment {name} is larger than {mb} MB"
SUPERSEDE_OTHER_PLACE = "更正的公示必须属于同一小区或社区 / A correction must be for the same estate or community"
ALREADY_CORRECTED = "该公示已被更正，请更正最新的一份 / This notice has already been corrected: correct the latest one"
NOT_A_PUBLISHER = "您不能在此发布公示 / You cannot publish notices here"
NOT_ADMINISTRATOR = "只有系统管理员可以更换日志签名密钥 / Only a system administrator can rotate the log signing key"

BODY_MAX = 20000
TABLE_MAX_ROWS, TABLE_MAX_COLS = 500, 20
ATTACHMENTS_MAX = 10

def _check_attachments(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    return check_uploads(uploads, most=ATTACHMENTS_MAX, max_bytes=settings.GONGZHI_NOTICE_ATTACHMENT_MAX_BYTES,
                         field="attachments", too_many=TOO_MANY_ATTACHMENTS, too_big=ATTACHMENT_TOO_BIG)


def _cell(value) -> str:
    """A table cell as trimmed text; NUL, control characters and Unicode direction controls (which would
    make a published or printed figure read reversed) are refused as in every text field."""
    return clean_text(str(value if value is not None else ""), ANY_LENGTH, field="table")


def clean_table(table) -> dict | None:
    """{"columns": [...], "rows": [[...]]} of trimmed strings, rows padded to the header's width."""
    if table in (None, "", {}):
        return None
    if isinstance(table, list):  # rows as read from a spreadsheet, header first
        rows = [[_cell(c) for c in row] for row in table]
        rows = [row for row in rows if any(row)]
        if len(rows) < 2:
            raise InvalidInput(TABLE_MALFORMED, field="table")
        table = {"columns": rows[0], "rows": rows[1:]}
    if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not isinstance(
        table.get("rows"), list
    ):
        raise InvalidInput(TABLE_MALFORMED, field="table")
    columns = [_cell(c) for c in table["columns"]]
    while columns and not columns[-1]:
        columns.pop()
    rows = table["rows"]
    if not columns or not rows or not all(isinstance(r, list) for r in rows):
        raise InvalidInput(TABLE_MALFORMED, field="table")
    if len(rows) > TABLE_MAX_ROWS or len(columns) > TABLE_MAX_COLS:
        raise InvalidInput(TABLE_TOO_BIG.format(rows=TABLE_MAX_ROWS, cols=TABLE_MAX_COLS), field="table")
    width = len(columns)
    clean_rows = [([_cell(c) for c in r] + [""] * width)[:width] for r in rows]
    return {"columns": columns, "rows": clean_rows}


def _publishing_place(scope, estate_id, community_id, authorised=False):
    """The estate or community the actor publishes for, which must be under a publisher role (or
    `authorised`: the calling app's own rule let the actor publish there)."""
    roles = rules.PUBLISHERS
    if estate_id is not None:
        estate = get_in_scope(scope.estates().select_related("community"), pk=estate_id)
        if not (scope.is_root or authorised or estate.pk in scope.estate_ids(roles)):
            raise PermissionDenied(NOT_A_PUBLISHER)
        return estate, estate.community
    if community_id is not None:
        visible = Community.objects.filter(
            Q(pk__in=scope.estates().values("community_id")) | Q(pk__in=scope.communities().values("pk"))
        )
        community = get_in_scope(visible, pk=community_id)
        if not (scope.is_root or scope.communities(roles).filter(pk=community.pk).exists()):
            raise PermissionDenied(NOT_A_PUBLISHER)
        return None, community
    raise InvalidInput(PLACE_REQUIRED, field="estate")


@transaction.atomic
def notice_publish(
    actor,
    *,
    kind: str,
    audience: str,
    title: str,
    body: str,
    estate_id: int | None = None,
    community_id: int | None = None,
    issuer: str = "",
    expires_on: datetime.date | None = None,
    pinned: bool = False,
    table=None,
    attachments: list[Upload] | None = None,
    supersedes_id: int | None = None,
    authorised: bool = False,
) -> Notice:
    """`authorised`: the caller checked its own rule for publishing this at the estate (the party's
    亮身份 board by the estate's party branch secretary, who may hold no publisher role)."""
    scope = scope_for(actor)
    estate, community = _publishing_place(scope, estate_id, community_id, authorised)
    if kind not in NoticeKind.values:
        raise InvalidInput(UNKNOWN_KIND, field="kind")
    if audience not in Audience.values:
        raise InvalidInput(UNKNOWN_AUDIENCE, field="audience")
    if estate is None and audience == Audience.ESTATE:
        raise InvalidInput(COMMUNITY_AUDIENCE_ONLY, field="audience")
    title = clean_text(title, ANY_LENGTH, TITLE_REQUIRED, field="title")
    body = clean_text(body, ANY_LENGTH, BODY_REQUIRED, field="body")
    issuer = clean_text(issuer, ANY_LENGTH, field="issuer")
    if len(body) > BODY_MAX:
        raise InvalidInput(BODY_TOO_LONG.format(n=BODY_MAX), field="body")
    now = clock.now().replace(microsecond=0)
    if expires_on is not None and expires_on < clock.local_date(now):
        raise InvalidInput(EXPIRY_IN_PAST, field="expires_on")
    table = clean_table(table)
    checked = _check_attachments(attachments or [])
    superseded = _superseded(scope, supersedes_id, estate, community)

    notice = Notice.objects.create(
        kind=kind, audience=audience, title=title[:200], body=body, table=table,
        issuer=(issuer or "").strip()[:100] or _default_issuer(estate, community),
        estate=estate, community=community, published_at=now, expires_on=expires_on,
        supersedes=superseded, published_by=actor, pinned=bool(pinned),
    )
    for position, (upload, content_type) in enumerate(checked):
        attachment = NoticeAttachment(
            notice=notice, name=upload.name[:200], content_type=content_type, size=len(upload.data),
            sm3=merkle.sm3(upload.data).hex(), position=position,
        )
        attachment.file.save(_stored_name(upload), ContentFile(upload.data), save=False)
        attachment.save()
    leaf = log.publish("notice", notice)
    audit_record(actor, AuditAction.NOTICE_PUBLISH, notice, after={**snapshot(notice), "log_index": leaf.index})
    return notice


def _stored_name(upload: Upload) -> str:
    suffix = upload.name.rsplit(".", 1)[-1].lower()[:8] if "." in upload.name else "bin"
    return f"{hashlib.sha256(upload.data).hexdigest()[:16]}.{suffix}"


def _default_issuer(estate, community) -> str:
    return f"{estate.name}" if estate is not None else f"{community.name}"


def _superseded(scope, supersedes_id, estate, community) -> Notice | None:
    if supersedes_id is None:
        return None
    visible = get_in_scope(notices_visible(scope.user), pk=supersedes_id)
    # Lock the corrected notice: of two corrections sent at once, the second finds the first.
    old = Notice.objects.select_for_update().get(pk=visible.pk)
    if old.estate_id != (estate.pk if estate else None) or old.community_id != community.pk:
        raise InvalidInput(SUPERSEDE_OTHER_PLACE, field="supersedes")
    if Notice.objects.filter(supersedes=old).exists():
        raise WrongState(ALREADY_CORRECTED)
    return old


@transaction.atomic
def notice_pin(actor, *, notice_id: int, pinned: bool) -> Notice:
    scope = scope_for(actor)
    notice = get_in_scope(notices_visible(actor), pk=notice_id)
    _publishing_place(scope, notice.estate_id, None if notice.estate_id else notice.community_id)
    before = {"pinned": notice.pinned}
    # Only this column may change after publication (the database refuses the others).
    Notice.objects.filter(pk=notice.pk).update(pinned=bool(pinned))
    notice.pinned = bool(pinned)
    audit_record(actor, AuditAction.NOTICE_PIN, notice, before=before, after={"pinned": notice.pinned})
    return notice


def notice_read_record(user, notice: Notice) -> None:
    """Count a view of a notice the reader can already see (the selector checked that).

    Logged-in readers are remembered once each (so a committee can see who has read it);
    anonymous views only count. A read changes no governance record, so it leaves no audit row:
    the NoticeRead row is itself the record.
    """
    Notice.objects.filter(pk=notice.pk).update(views=F("views") + 1)
    if user.is_authenticated:
        try:
            with transaction.atomic():
                NoticeRead.objects.get_or_create(notice=notice, user=user)
        except IntegrityError:  # the same reader in two tabs at once
            pass


# --- the log -------------------------------------------------------------------------------------
@transaction.atomic
def head_sign_now(actor) -> SignedTreeHead:
    """Sign a tree head on demand (staff, supervisors and auditors may ask for one)."""
    if not rules.may_sign_head(actor):
        raise PermissionDenied()
    head = log.head_sign()
    audit_record(actor, AuditAction.LOG_HEAD_SIGN, head, after={"tree_size": head.tree_size, "key_id": head.key_id})
    return head


@transaction.atomic
def log_key_rotate(actor) -> SignedTreeHead:
    """Retire the signing key, start a new one, and sign a head with it at once."""
    if actor is not None and not scope_for(actor).is_root:
        raise PermissionDenied(NOT_ADMINISTRATOR)
    log.lock()  # no head is signed while the key changes
    old, new = keys.rotate()
    head = log.head_sign()
    audit_record(actor, AuditAction.LOG_KEY_ROTATE, new, before={"key_id": old.key_id}, after={"key_id": new.key_id})
    return head
