"""Checking what the log hands out — notice files, proofs and heads — with nothing but the
documents themselves and a public key. The `gongzhi verify` CLI and the public verification page
both use these; neither trusts the database for the answer.

Document formats (JSON, hashes and signatures in lowercase hex):
    head          {"tree_size", "timestamp", "root_hash", "key_id", "signature"}
    key           {"key_id", "algorithm": "Ed25519", "public_key"}   (or a PEM public key file)
    inclusion     {"type": "inclusion-proof", "leaf_index", "tree_size", "leaf_hash", "proof": [..]}
    consistency   {"type": "consistency-proof", "first", "second", "proof": [..]}
    notice file   {"type": "gongzhi-notice", "leaf_index", "entry", "inclusion": {...}, "head": {...}}
"""

import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gongzhi.notices import merkle
from gongzhi.notices.formats import canonical_json, head_message, key_id_of


class VerificationError(ValueError):
    """What failed, Chinese first."""


MALFORMED = "文件格式不正确：{detail} / The document is malformed: {detail}"
UNKNOWN_KEY = "树头由未公布的公钥签名（{key_id}）/ The head is signed by a key that is not published ({key_id})"
BAD_SIGNATURE = "树头签名无效：内容被改动或签名公钥不对 / The head signature is invalid (altered, or another key)"
NOT_CANONICAL = "公示内容不是规范化格式，已被改动 / The notice content is not in canonical form: it was altered"
HEAD_MISMATCH = (
    "证明所依据的树头（大小 {proof_size}）与给定树头（大小 {head_size}）不同 / "
    "The proof is for a head of size {proof_size}, not the given head of size {head_size}"
)
LEAF_MISMATCH = "证明中的叶哈希与内容不符 / The leaf hash in the proof does not match the content"


@dataclass
class Report:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def add(self, label: str, ok: bool, message: str = "") -> bool:
        self.checks.append((label, ok, message))
        return ok


# --- parsing -----------------------------------------------------------------------------------
def _hex(value, name: str, size: int | None = merkle.HASH_SIZE) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise VerificationError(MALFORMED.format(detail=f"{name} 不是十六进制 / {name} is not hex")) from None
    if size is not None and len(raw) != size:
        raise VerificationError(MALFORMED.format(detail=f"{name} 长度不对 / {name} has the wrong length"))
    return raw


def _int(doc: dict, name: str) -> int:
    value = doc.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError(MALFORMED.format(detail=f"缺少或错误的 {name} / missing or bad {name}"))
    return value


def _proof(doc: dict) -> list[bytes]:
    proof = doc.get("proof")
    if not isinstance(proof, list):
        raise VerificationError(MALFORMED.format(detail="缺少 proof / no proof"))
    return [_hex(p, "proof") for p in proof]


def load_document(text: str | bytes) -> dict:
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError(MALFORMED.format(detail=f"不是 JSON / not JSON ({exc})")) from None
    if not isinstance(doc, dict):
        raise VerificationError(MALFORMED.format(detail="应为 JSON 对象 / expected a JSON object"))
    return doc


def load_keys(text: str | bytes) -> dict[str, bytes]:
    """Public keys by key id, from a PEM file, a key document, or a list of key documents."""
    raw_text = text.encode() if isinstance(text, str) else text
    if raw_text.lstrip().startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(raw_text)
        except ValueError:
            raise VerificationError(MALFORMED.format(detail="PEM 公钥无法读取 / unreadable PEM key")) from None
        if not isinstance(key, Ed25519PublicKey):
            raise VerificationError(MALFORMED.format(detail="公钥须为 Ed25519 / the key must be Ed25519"))
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {key_id_of(raw): raw}
    try:
        doc = json.loads(raw_text)
    except ValueError:
        raise VerificationError(MALFORMED.format(detail="公钥文件不是 PEM 或 JSON / key is neither PEM nor JSON")) from None
    docs = doc.get("keys", [doc]) if isinstance(doc, dict) else doc
    result = {}
    for item in docs if isinstance(docs, list) else []:
        if isinstance(item, dict) and "public_key" in item:
            raw = _hex(item["public_key"], "public_key")
            result[key_id_of(raw)] = raw
    if not result:
        raise VerificationError(MALFORMED.format(detail="没有公钥 / no public key"))
    return result


# --- checks ------------------------------------------------------------------------------------
def check_head(head: dict, keys: dict[str, bytes]) -> tuple[int, bytes]:
    """Raise unless the head is signed by one of the trusted keys; return (size, root)."""
    size, timestamp = _int(head, "tree_size"), _int(head, "timestamp")
    root = _hex(head.get("root_hash"), "root_hash")
    signature = _hex(head.get("signature"), "signature", size=64)
    key_id = head.get("key_id")
    if key_id not in keys:
        raise VerificationError(UNKNOWN_KEY.format(key_id=key_id))
    try:
        Ed25519PublicKey.from_public_bytes(keys[key_id]).verify(signature, head_message(size, timestamp, root))
    except InvalidSignature:
        raise VerificationError(BAD_SIGNATURE) from None
    return size, root


def check_inclusion(proof_doc: dict, head: dict, keys: dict[str, bytes], leaf: bytes | None = None) -> int:
    """Raise unless the leaf is in the signed tree; return the leaf index."""
    size, root = check_head(head, keys)
    index, proof_size = _int(proof_doc, "leaf_index"), _int(proof_doc, "tree_size")
    if proof_size != size:
        raise VerificationError(HEAD_MISMATCH.format(proof_size=proof_size, head_size=size))
    stated = _hex(proof_doc.get("leaf_hash"), "leaf_hash") if "leaf_hash" in proof_doc else None
    if leaf is not None and stated is not None and stated != leaf:
        raise VerificationError(LEAF_MISMATCH)
    leaf = leaf if leaf is not None else stated
    if leaf is None:
        raise VerificationError(MALFORMED.format(detail="缺少 leaf_hash / no leaf_hash"))
    try:
        merkle.verify_inclusion(index, size, leaf, _proof(proof_doc), root)
    except merkle.ProofError as exc:
        raise VerificationError(str(exc)) from None
    return index


def check_consistency(proof_doc: dict, old_head: dict, new_head: dict, keys: dict[str, bytes]) -> None:
    first, first_root = check_head(old_head, keys)
    second, second_root = check_head(new_head, keys)
    if (_int(proof_doc, "first"), _int(proof_doc, "second")) != (first, second):
        raise VerificationError(HEAD_MISMATCH.format(proof_size=proof_doc.get("second"), head_size=second))
    try:
        merkle.verify_consistency(first, second, first_root, second_root, _proof(proof_doc))
    except merkle.ProofError as exc:
        raise VerificationError(str(exc)) from None


def entry_leaf(entry) -> bytes:
    """The leaf hash of an entry, after checking the entry is exactly its canonical form."""
    if not isinstance(entry, str):
        raise VerificationError(MALFORMED.format(detail="缺少 entry / no entry"))
    try:
        canonical = canonical_json(json.loads(entry))
    except ValueError:
        raise VerificationError(NOT_CANONICAL) from None
    if canonical != entry:
        raise VerificationError(NOT_CANONICAL)
    return merkle.leaf_hash(entry.encode())


def check_notice_file(doc: dict, keys: dict[str, bytes], head: dict | None = None) -> dict:
    """Raise unless the notice file's content is in the log under a trusted head; return the entry."""
    if doc.get("type") != "gongzhi-notice":
        raise VerificationError(MALFORMED.format(detail="不是公示文件 / not a notice file"))
    leaf = entry_leaf(doc.get("entry"))
    inclusion = doc.get("inclusion")
    if not isinstance(inclusion, dict):
        raise VerificationError(MALFORMED.format(detail="缺少 inclusion / no inclusion proof"))
    proof_doc = {**inclusion, "leaf_index": doc.get("leaf_index"), "leaf_hash": leaf.hex()}
    check_inclusion(proof_doc, head if head is not None else doc.get("head") or {}, keys, leaf)
    return json.loads(doc["entry"])
