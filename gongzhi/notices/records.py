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
    """Rows whose `field` is one of ids. Records published together have neighbouring ids, so a
    range scan usually serves; a list of thousands of ids costs more to send than to scan."""
    if not ids:
        return []
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        wanted = set(ids)
        key = "id" if field == "pk" else field
        rows = queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})
        return [row for row in rows if row[key] in wanted]
    return list(queryset.filter(**{f"{field}__in": ids}))


def _iso(value):
    return value.isoformat() if value is not None else None


def _place(row: dict) -> dict:
    return {
        "community": {"id": row["community_id"], "name": row["community__name"]},
        "estate": {"id": row["estate_id"], "name": row["estate__name"]} if row["estate_id"] else None,
    }


def notice_contents(ids: list[int]) -> dict[int, dict]:
    attachments = defaultdict(list)
    rows = NoticeAttachment.objects.order_by("notice_id", "position", "id").values(
        "notice_id", "name", "size", "sm3", "content_type"
    )
    for a in _rows(rows, ids, "notice_id"):
        attachments[a.pop("notice_id")].append(a)
    return {
        row["id"]: {
            **_place(row),
            "kind": row["kind"],
            "audience": row["audience"],
            "title": row["title"],
            "body": row["body"],
            "table": row["table"],
            "issuer": row["issuer"],
            "published_at": _iso(row["published_at"]),
            "expires_on": _iso(row["expires_on"]),
            "supersedes": row["supersedes_id"],
            "attachments": attachments.get(row["id"], []),
        }
        for row in _rows(Notice.objects.values(*NOTICE_FIELDS), ids)
    }


def approval_contents(ids: list[int]) -> dict[int, dict]:
    signatures = defaultdict(list)
    rows = ApprovalSignature.objects.order_by("approval_id", "position", "id").values(
        "approval_id", "role", "decision", "signed_at"
    )
    for s in _rows(rows, ids, "approval_id"):
        signatures[s["approval_id"]].append(
            {"role": s["role"], "decision": s["decision"], "signed_at": _iso(s["signed_at"])}
        )
    fields = ["id", "kind", "title", "body", "status", "created_at", "decided_at", "estate_id", "estate__name",
              "estate__community_id", "estate__community__name"]
    result = {}
    for row in _rows(Approval.objects.values(*fields), ids):
        row["community_id"], row["community__name"] = row["estate__community_id"], row["estate__community__name"]
        result[row["id"]] = {
            **_place(row),
            "kind": row["kind"],
            "title": row["title"],
            "body": row["body"],
            "status": row["status"],
            "created_at": _iso(row["created_at"]),
            "decided_at": _iso(row["decided_at"]),
            "signatures": signatures.get(row["id"], []),
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
