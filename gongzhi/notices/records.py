"""The record kinds entered in the log and how each is serialised.

Each `contents` function is the single definition of what a leaf says about its records: used
when they are published and again by `verify --all` to re-derive the leaves from the stored rows
(in bulk, from plain rows). Content carries no personal data (no names, phones or ID numbers):
entries can be read by anyone who may see the record, and every leaf's hash by everyone.
"""

from collections import defaultdict

from gongzhi.core.models import Approval, ApprovalSignature, ApprovalStatus
from gongzhi.core.roles import STAFF_ROLES
from gongzhi.core.scoping import scope_for
from gongzhi.core.services import on_approval_decided
from gongzhi.notices.log import RecordKind, publish, register_record_kind
from gongzhi.notices.models import Notice, NoticeAttachment
from gongzhi.notices.selectors import notices_visible

NOTICE_FIELDS = [
    "id", "kind", "audience", "title", "body", "table", "issuer", "published_at", "expires_on", "supersedes_id",
    "estate_id", "estate__name", "community_id", "community__name",
]


def _rows(queryset, ids: list[int], field: str = "pk"):
    """Rows (tuples, `field` first) whose `field` is one of ids. Records published together have
    neighbouring ids, so a range scan usually serves; a list of thousands of ids costs more to send
    than to scan. Tuples rather than dicts: verify --all reads a million of them."""
    if not ids:
        return []
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        wanted = set(ids)
        rows = queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})
        return [row for row in rows if row[0] in wanted]
    return list(queryset.filter(**{f"{field}__in": ids}))


def _iso(value):
    return value.isoformat() if value is not None else None


def _place(community_id, community_name, estate_id, estate_name) -> dict:
    return {
        "community": {"id": community_id, "name": community_name},
        "estate": {"id": estate_id, "name": estate_name} if estate_id else None,
    }


def notice_contents(ids: list[int]) -> dict[int, dict]:
    attachments = defaultdict(list)
    rows = NoticeAttachment.objects.order_by("notice_id", "position", "id").values_list(
        "notice_id", "name", "size", "sm3", "content_type"
    )
    for notice_id, name, size, sm3, content_type in _rows(rows, ids, "notice_id"):
        attachments[notice_id].append({"name": name, "size": size, "sm3": sm3, "content_type": content_type})
    result = {}
    # No ORDER BY (the model's default ordering would sort every batch): the result is keyed by id.
    for (pk, kind, audience, title, body, table, issuer, published_at, expires_on, supersedes_id,
         estate_id, estate_name, community_id, community_name) in _rows(
            Notice.objects.order_by().values_list(*NOTICE_FIELDS), ids):
        result[pk] = {
            **_place(community_id, community_name, estate_id, estate_name),
            "kind": kind,
            "audience": audience,
            "title": title,
            "body": body,
            "table": table,
            "issuer": issuer,
            "published_at": _iso(published_at),
            "expires_on": _iso(expires_on),
            "supersedes": supersedes_id,
            "attachments": attachments.get(pk, []),
        }
    return result


APPROVAL_FIELDS = ["id", "kind", "title", "body", "status", "created_at", "decided_at", "estate_id", "estate__name",
                   "estate__community_id", "estate__community__name"]


def approval_contents(ids: list[int]) -> dict[int, dict]:
    signatures = defaultdict(list)
    rows = ApprovalSignature.objects.order_by("approval_id", "position", "id").values_list(
        "approval_id", "role", "decision", "signed_at"
    )
    for approval_id, role, decision, signed_at in _rows(rows, ids, "approval_id"):
        signatures[approval_id].append({"role": role, "decision": decision, "signed_at": _iso(signed_at)})
    result = {}
    for (pk, kind, title, body, status, created_at, decided_at, estate_id, estate_name, community_id,
         community_name) in _rows(Approval.objects.order_by().values_list(*APPROVAL_FIELDS), ids):
        result[pk] = {
            **_place(community_id, community_name, estate_id, estate_name),
            "kind": kind,
            "title": title,
            "body": body,
            "status": status,
            "created_at": _iso(created_at),
            "decided_at": _iso(decided_at),
            "signatures": signatures.get(pk, []),
        }
    return result


def _notices_visible_ids(user, ids):
    return set(notices_visible(user).filter(pk__in=ids).values_list("pk", flat=True))


def _approvals_visible_ids(user, ids):
    if not user.is_authenticated:
        return set()
    staff = Approval.objects.filter(pk__in=ids, estate__in=scope_for(user).estates(STAFF_ROLES))
    return set(staff.values_list("pk", flat=True))


def publish_completed_approval(approval: Approval) -> None:
    if approval.status == ApprovalStatus.APPROVED:
        publish("approval", approval)


def register() -> None:
    register_record_kind(
        RecordKind(
            name="notice",
            model=Notice,
            contents=notice_contents,
            visible_ids=_notices_visible_ids,
        )
    )
    register_record_kind(
        RecordKind(
            name="approval",
            model=Approval,
            contents=approval_contents,
            visible_ids=_approvals_visible_ids,
        )
    )

    on_approval_decided(publish_completed_approval)
