"""The byte formats anyone must reproduce to check the log (pure functions, no Django)."""

import json
import struct

from gongzhi.notices import merkle

HEAD_CONTEXT = b"gongzhi-sth-v1\x00"


# json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) builds this encoder
# anew on every call; one made once writes the same text (verify --all serialises a million entries).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 text."""
    return _CANONICAL.encode(value)


def head_message(tree_size: int, timestamp: int, root: bytes) -> bytes:
    """The bytes a tree head signature covers: context, timestamp (ms) and size as big-endian
    64-bit integers, then the 32-byte root."""
    return HEAD_CONTEXT + struct.pack(">QQ", timestamp, tree_size) + root


def key_id_of(public_raw: bytes) -> str:
    """A public key's id: the first 8 bytes of SM3 over its 32 raw bytes, in hex."""
    return merkle.sm3(public_raw)[:8].hex()
