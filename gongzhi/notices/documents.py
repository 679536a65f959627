"""The JSON documents the log hands out (heads, keys, proofs, notice files) and the server-side
check behind the public verification page, which uses the same code as `gongzhi verify`."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from gongzhi.notices import log, verification
from gongzhi.notices.keys import public_pem
from gongzhi.notices.models import LogKey, LogLeaf, SignedTreeHead

PRINT_MISMATCH = "打印件上的指纹与日志不符 / The fingerprint on the printed notice does not match the log"
RECORD_GONE = "原始记录已不存在 / The published record no longer exists"
RECORD_ALTERED = "数据库中的记录与发布时不同，已被改动 / The stored record differs from what was published"


def head_doc(head: SignedTreeHead) -> dict:
    return {
        "tree_size": head.tree_size,
        "timestamp": head.timestamp,
        "root_hash": bytes(head.root_hash).hex(),
        "key_id": head.key_id,
        "signature": bytes(head.signature).hex(),
    }


def key_doc(key: LogKey) -> dict:
    raw = bytes(key.public_key)
    return {
        "key_id": key.key_id,
        "algorithm": key.algorithm,
        "public_key": raw.hex(),
        "pem": public_pem(raw),
        "created_at": key.created_at.isoformat(),
        "retired_at": key.retired_at.isoformat() if key.retired_at else None,
    }


def published_keys() -> dict[str, bytes]:
    return {k.key_id: bytes(k.public_key) for k in LogKey.objects.all()}


def inclusion_doc(leaf: LogLeaf, tree_size: int) -> dict:
    return {
        "type": "inclusion-proof",
        "leaf_index": leaf.index,
        "tree_size": tree_size,
        "leaf_hash": bytes(leaf.leaf_hash).hex(),
        "proof": [p.hex() for p in log.inclusion_proof(leaf.index, tree_size)],
    }


def consistency_doc(first: int, second: int) -> dict:
    return {
        "type": "consistency-proof",
        "first": first,
        "second": second,
        "proof": [p.hex() for p in log.consistency_proof(first, second)],
    }


def notice_file(leaf: LogLeaf, head: SignedTreeHead, verify_url: str = "") -> dict:
    """Everything needed to check a notice offline: its entry, the inclusion proof, the head."""
    inclusion = inclusion_doc(leaf, head.tree_size)
    return {
        "type": "gongzhi-notice",
        "leaf_index": leaf.index,
        "entry": leaf.entry,
        "inclusion": {"tree_size": inclusion["tree_size"], "proof": inclusion["proof"]},
        "head": head_doc(head),
        "verify_url": verify_url,
    }


@dataclass
class LeafCheck:
    leaf: LogLeaf
    head: SignedTreeHead | None
    report: verification.Report

    @property
    def ok(self) -> bool:
        return self.report.ok


def check_leaf(leaf: LogLeaf, printed_hash: str | None = None) -> LeafCheck:
    """Is this leaf's record unchanged, in the log, under a validly signed head?"""
    report = verification.Report()
    stored = bytes(leaf.leaf_hash)
    if printed_hash:
        report.add(
            "printed", printed_hash.lower() == stored.hex(),
            PRINT_MISMATCH,
        )
    kind = log.record_kinds().get(leaf.kind)
    current = log.entries_for(kind, [leaf.ref_id]).get(leaf.ref_id) if kind else None
    if current is None:
        report.add("record", False, RECORD_GONE)
    else:
        report.add(
            "record", current == leaf.entry,
            RECORD_ALTERED,
        )
    head = log.head_covering(leaf.index)
    try:
        report.add("entry", verification.entry_leaf(leaf.entry) == stored,
                   "日志条目与其哈希不符 / The log entry does not match its hash")
        if head is None:
            raise verification.VerificationError("尚无覆盖该条目的签名树头 / No signed head covers this entry yet")
        verification.check_inclusion(inclusion_doc(leaf, head.tree_size), head_doc(head), published_keys(), stored)
        report.add("proof", True)
    except verification.VerificationError as exc:
        report.add("proof", False, str(exc))
    return LeafCheck(leaf=leaf, head=head, report=report)


def verify_url(request, leaf: LogLeaf) -> str:
    """The address a printed QR code or a notice file points a reader to, to check this leaf."""
    path = reverse("notices:notice_verify", args=[leaf.index]) + f"?h={bytes(leaf.leaf_hash).hex()}"
    base = settings.GONGZHI_PUBLIC_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)
