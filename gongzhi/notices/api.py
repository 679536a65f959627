"""Notices and the transparency log over HTTP. Reading the log needs no login (that is the point);
reading a notice needs whatever its audience needs; publishing needs a publisher role.

There is no endpoint to edit or delete a notice, a leaf or a head: those methods answer 405.
"""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from gongzhi.core.api_auth import SessionAuth, TokenAuth
from gongzhi.core.api_schema import ERRORS, BodyId, FileIn, Id, IsoDate, Pagination, Text, uploads
from gongzhi.core.errors import InvalidInput, NotFound
from gongzhi.core.paging import MappedPage
from gongzhi.notices import documents, log, selectors, services
from gongzhi.notices.models import LogKey, LogLeaf, NoticeKind, SignedTreeHead

router = Router(tags=["notices"])


def anyone(request):
    """Last in the auth list: a reader without a token or session reads as anonymous."""
    return request.user


OPTIONAL = [TokenAuth(), SessionAuth(), anyone]

LOG_EMPTY = "透明日志还是空的 / The log is empty"
SIZE_OUT_OF_RANGE = "树大小须在 1 到 {size} 之间 / The tree size must be between 1 and {size}"
INDEX_OUT_OF_RANGE = "条目序号须小于树大小 / The leaf index must be smaller than the tree size"
SIZES_ORDER = "first 须不大于 second / first must not exceed second"
RANGE_TOO_WIDE = "一次最多取 {n} 条 / At most {n} entries at a time"


class HeadOut(Schema):
    tree_size: int
    timestamp: int
    root_hash: str
    key_id: str
    signature: str


class KeyOut(Schema):
    key_id: str
    algorithm: str
    public_key: str
    pem: str
    created_at: str
    retired_at: str | None


class KeysOut(Schema):
    keys: list[KeyOut]


class InclusionOut(Schema):
    type: str = "inclusion-proof"
    leaf_index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyOut(Schema):
    type: str = "consistency-proof"
    first: int
    second: int
    proof: list[str]


class EntryOut(Schema):
    index: int
    kind: str
    leaf_hash: str
    entry: str | None = Field(None, description="规范化内容；无权查看时为 null / canonical entry, null if not yours to read")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sm3: str


class NoticeOut(Schema):
    id: int
    kind: str
    audience: str
    title: str
    body: str
    table: dict | None
    issuer: str
    estate_id: int | None
    community_id: int
    published_at: datetime.datetime
    expires_on: datetime.date | None
    pinned: bool
    supersedes_id: int | None
    views: int
    attachments: list[AttachmentOut]
    log_index: int | None = None


class TableIn(Schema):
    model_config = {"extra": "forbid"}
    columns: list[Text] = Field(..., max_length=20)
    rows: list[list[Text]] = Field(..., max_length=500)


class NoticeIn(Schema):
    model_config = {"extra": "forbid"}
    kind: Literal[tuple(NoticeKind.values)]  # type: ignore[valid-type]
    audience: Literal["estate", "community", "public"]
    title: Text = Field(..., max_length=200)
    body: Text = Field(..., max_length=services.BODY_MAX)
    estate_id: BodyId | None = None
    community_id: BodyId | None = None
    issuer: Text = Field("", max_length=100)
    expires_on: IsoDate | None = None
    pinned: StrictBool = False
    table: TableIn | None = None
    supersedes_id: BodyId | None = None
    attachments: list[FileIn] = Field(default_factory=list, max_length=10)


class PinIn(Schema):
    model_config = {"extra": "forbid"}
    pinned: StrictBool


class NoticeFilter(Schema):
    estate_id: Id | None = None
    community_id: Id | None = None


def _head_or_404() -> SignedTreeHead:
    head = log.latest_head()
    if head is None:
        raise NotFound(LOG_EMPTY)
    return head


def _size(tree_size: int | None) -> int:
    size = log.log_size()
    if size == 0:
        raise NotFound(LOG_EMPTY)
    if tree_size is None:
        return _head_or_404().tree_size
    if not 1 <= tree_size <= size:
        raise InvalidInput(SIZE_OUT_OF_RANGE.format(size=size), field="tree_size")
    return tree_size


# --- the log -------------------------------------------------------------------------------------
@router.get("/log/head", auth=None, response={200: HeadOut, **ERRORS}, operation_id="log_head")
def log_head(request: HttpRequest):
    """The latest signed tree head."""
    return documents.head_doc(_head_or_404())


@router.post("/log/heads", response={201: HeadOut, **ERRORS}, operation_id="log_head_sign")
def log_head_sign(request: HttpRequest):
    """Sign a tree head now (staff, supervisors and auditors)."""
    return Status(201, documents.head_doc(services.head_sign_now(request.user)))


@router.get("/log/heads", auth=None, response={200: list[HeadOut], **ERRORS}, operation_id="log_heads")
@paginate(Pagination)
def log_heads(request: HttpRequest):
    """Every signed head, newest first (to check consistency between any two)."""
    heads = SignedTreeHead.objects.order_by("-tree_size", "-timestamp")
    return MappedPage(heads, lambda rows: [documents.head_doc(h) for h in rows])


@router.get("/log/keys", auth=None, response={200: KeysOut, **ERRORS}, operation_id="log_keys")
def log_keys(request: HttpRequest):
    """The public keys that sign tree heads, current and retired."""
    return {"keys": [documents.key_doc(k) for k in LogKey.objects.all()]}


@router.get("/log/proof/inclusion", auth=None, response={200: InclusionOut, **ERRORS}, operation_id="log_inclusion")
def log_inclusion(
    request: HttpRequest, index: int = Query(..., ge=0, le=2**62), tree_size: int | None = Query(None, ge=1, le=2**62)
):
    """The audit path of leaf `index` in the tree of `tree_size` leaves (default: the latest head)."""
    size = _size(tree_size)
    if index >= size:
        raise InvalidInput(INDEX_OUT_OF_RANGE, field="index")
    return documents.inclusion_doc(LogLeaf.objects.get(index=index), size)


@router.get("/log/proof/consistency", auth=None, response={200: ConsistencyOut, **ERRORS}, operation_id="log_consistency")
def log_consistency(
    request: HttpRequest, first: int = Query(..., ge=1, le=2**62), second: int | None = Query(None, ge=1, le=2**62)
):
    """Proof that the tree of `second` leaves extends the tree of `first` leaves."""
    second = _size(second)
    if first > second:
        raise InvalidInput(SIZES_ORDER, field="first")
    return documents.consistency_doc(first, second)


@router.get("/log/entries", auth=OPTIONAL, response={200: list[EntryOut], **ERRORS}, operation_id="log_entries")
def log_entries(request: HttpRequest, start: int = Query(0, ge=0, le=2**62), end: int = Query(..., ge=1, le=2**62)):
    """Leaves [start, end): everyone gets the hashes; the entry text only where the reader may see the record."""
    if end <= start:
        raise InvalidInput(SIZES_ORDER, field="end")
    if end - start > 1000:
        raise InvalidInput(RANGE_TOO_WIDE.format(n=1000), field="end")
    return [
        {"index": leaf.index, "kind": leaf.kind, "leaf_hash": bytes(leaf.leaf_hash).hex(),
         "entry": leaf.entry if shown else None}
        for leaf, shown in selectors.log_entries(fetched_by=request.user, start=start, end=end)
    ]


# --- notices -------------------------------------------------------------------------------------
def _out(notices) -> list[dict]:
    indices = selectors.leaf_indices("notice", [n.pk for n in notices])
    result = []
    for n in notices:
        result.append(
            {
                **{f: getattr(n, f) for f in NoticeOut.model_fields if f not in ("attachments", "log_index")},
                "attachments": [
                    {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size, "sm3": a.sm3}
                    for a in n.attachments.all()
                ],
                "log_index": indices.get(n.pk),
            }
        )
    return result


@router.get("/notices", auth=OPTIONAL, response={200: list[NoticeOut], **ERRORS}, operation_id="notice_list")
@paginate(Pagination)
def notice_list(request: HttpRequest, filters: Query[NoticeFilter]):
    """Notices the reader may see (public ones without login), newest first."""
    qs = selectors.notice_list(fetched_by=request.user)
    if filters.estate_id:
        qs = qs.filter(estate_id=filters.estate_id)
    if filters.community_id:
        qs = qs.filter(community_id=filters.community_id)
    return MappedPage(qs, lambda rows: _out(list(rows)))


@router.get("/notices/{notice_id}", auth=OPTIONAL, response={200: NoticeOut, **ERRORS}, operation_id="notice_get")
def notice_get(request: HttpRequest, notice_id: Id):
    return _out([selectors.notice_get(fetched_by=request.user, notice_id=notice_id)])[0]


@router.get("/notices/{notice_id}/file", auth=OPTIONAL, response={200: dict, **ERRORS}, operation_id="notice_file")
def notice_file(request: HttpRequest, notice_id: Id):
    """The notice file: entry, inclusion proof and signed head, for `gongzhi verify`."""
    notice = selectors.notice_get(fetched_by=request.user, notice_id=notice_id)
    leaf = selectors.leaf_of("notice", notice.pk)
    return documents.notice_file(leaf, log.head_covering(leaf.index) or log.head_sign(), documents.verify_url(request, leaf))


@router.post("/notices", response={201: NoticeOut, **ERRORS}, operation_id="notice_create")
def notice_create(request: HttpRequest, payload: NoticeIn):
    """Publish a notice with its attachments (it enters the transparency log at once)."""
    data = payload.dict()
    data["attachments"] = uploads(payload.attachments, field="attachments")
    if data["table"] is not None:
        data["table"] = {"columns": data["table"]["columns"], "rows": data["table"]["rows"]}
    notice = services.notice_publish(request.user, **data)
    return Status(201, _out([selectors.notice_get(fetched_by=request.user, notice_id=notice.pk)])[0])



@router.post("/notices/{notice_id}/pin", response={200: NoticeOut, **ERRORS}, operation_id="notice_pin")
def notice_pin(request: HttpRequest, notice_id: Id, payload: PinIn):
    """Pin a notice to the top of its board, or unpin it (the only change a published notice allows)."""
    services.notice_pin(request.user, notice_id=notice_id, pinned=payload.pinned)
    return _out([selectors.notice_get(fetched_by=request.user, notice_id=notice_id)])[0]
