"""The Merkle tree of the transparency log, as RFC 6962 / RFC 9162 define it, hashed with SM3.

Pure functions, no Django: the server, the `gongzhi verify` CLI and the tests share them.

- leaf hash  = H(0x00 || entry), node hash = H(0x01 || left || right), empty tree = H("").
- The tree over leaves [a, b) splits at the largest power of two k < b - a, so every subtree the
  algorithms ask for is either an *aligned complete* block [i·2^l, (i+1)·2^l) — stored once as the
  node (l, i) — or a right edge that is itself split the same way. Proofs are therefore planned as
  lists of leaf ranges, each range resolved from O(log n) stored nodes fetched in one round trip.
- Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) literally.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from cryptography.hazmat.primitives import hashes

HashFn = Callable[[bytes], bytes]
Key = tuple[int, int]  # (level, index): the aligned block [index·2^level, (index+1)·2^level)

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32


def _sm3_cryptography(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


try:  # OpenSSL's SM3 through hashlib: copying a ready context costs a third of building one
    _SM3 = hashlib.new("sm3")  # through cryptography for a node hash (1 µs against 2.7 µs)
except ValueError:  # an OpenSSL that does not offer SM3 to hashlib: the same digest through cryptography
    _SM3 = None


if _SM3 is None:
    sm3 = _sm3_cryptography
else:

    def sm3(data: bytes) -> bytes:
        digest = _SM3.copy()
        digest.update(data)
        return digest.digest()


def leaf_hash(entry: bytes, h: HashFn = sm3) -> bytes:
    return h(LEAF_PREFIX + entry)


def node_hash(left: bytes, right: bytes, h: HashFn = sm3) -> bytes:
    return h(NODE_PREFIX + left + right)


def empty_root(h: HashFn = sm3) -> bytes:
    return h(b"")


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than size (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# --- planning proofs as leaf ranges -------------------------------------------------------------
def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 6962 PATH(m, D[n]) as the leaf ranges whose subtree hashes form the audit path."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    ranges.reverse()  # the path lists the deepest sibling first
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """RFC 6962 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges."""
    if not 0 < first <= second:
        raise ValueError("tree sizes must satisfy 0 < first <= second")
    ranges: list[tuple[int, int]] = []
    m, start, end, whole = first, 0, second, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m, start, whole = m - k, start + k, False
    ranges.reverse()
    return ranges


def range_blocks(start: int, end: int) -> list[Key]:
    """The aligned complete blocks that make up [start, end), left to right."""
    keys: list[Key] = []
    while end > start:
        n = end - start
        k = n if _is_power_of_two(n) else split_point(n)
        level = k.bit_length() - 1
        keys.append((level, start >> level))
        start += k
    return keys


def range_hash(start: int, end: int, nodes: Mapping[Key, bytes], h: HashFn = sm3) -> bytes:
    """MTH(D[start:end]) from the stored blocks: fold the blocks from the right."""
    blocks = range_blocks(start, end)
    result = nodes[blocks[-1]]
    for key in reversed(blocks[:-1]):
        result = node_hash(nodes[key], result, h)
    return result


def keys_for(ranges: Iterable[tuple[int, int]]) -> set[Key]:
    keys: set[Key] = set()
    for start, end in ranges:
        keys.update(range_blocks(start, end))
    return keys


# --- building -----------------------------------------------------------------------------------
class CompactTree:
    """The right edge of a growing tree: enough to append leaves and to compute the root.

    `append` returns every complete node the new leaf finishes (its own leaf node first), which
    is exactly what the log stores so that later proofs need no recomputation.
    """

    def __init__(self, size: int = 0, edge: list[bytes] | None = None, h: HashFn = sm3):
        self.size = size
        self.h = h
        # edge[i] is the hash of the i-th complete block of `size` from the left (largest first).
        self.edge: list[bytes] = list(edge or [])
        if len(self.edge) != bin(size).count("1"):
            raise ValueError("edge does not match the tree size")

    @staticmethod
    def edge_keys(size: int) -> list[Key]:
        return range_blocks(0, size)

    def append(self, leaf: bytes) -> list[tuple[Key, bytes]]:
        index = self.size
        created = [((0, index), leaf)]
        current, level = leaf, 0
        while (index >> level) & 1:
            current = node_hash(self.edge.pop(), current, self.h)
            level += 1
            created.append(((level, index >> level), current))
        self.edge.append(current)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold_blocks(self.edge, self.h)


def subtree_levels(leaves: Sequence[bytes], h: HashFn = sm3) -> list[list[bytes]]:
    """Every complete aligned block over these leaves, level by level: levels[l][i] is the hash of
    leaves [i·2^l, (i+1)·2^l). The nodes CompactTree.append would make one leaf at a time, made a
    level at a time (verify --all rebuilds whole chunks this way)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([h(NODE_PREFIX + below[i] + below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def edge_of(levels: Sequence[Sequence[bytes]], size: int) -> list[bytes]:
    """The hashes of the aligned blocks that make up [0, size) (range_blocks' order), from subtree_levels."""
    return [levels[level][(size >> level) - 1] for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def fold_blocks(blocks: Sequence[bytes], h: HashFn = sm3) -> bytes:
    """MTH of consecutive aligned blocks (largest first, as range_blocks lists them): fold from the right."""
    if not blocks:
        return empty_root(h)
    result = blocks[-1]
    for block in reversed(blocks[:-1]):
        result = node_hash(block, result, h)
    return result


# --- verification (RFC 9162) --------------------------------------------------------------------
# What a reader is told when a proof does not hold (tests match on these).
LEAF_OUTSIDE = "条目序号超出树的大小 / The leaf index is outside the tree"
PROOF_TOO_LONG = "证明过长 / The proof is too long"
PROOF_INCOMPLETE = "证明不完整（可能被截断）/ The proof is incomplete (truncated?)"
INCLUSION_MISMATCH = "包含证明与树根不符 / The inclusion proof does not lead to the signed root"
SIZES_OUT_OF_ORDER = "树的大小顺序不对 / The first tree must not be larger than the second"
EQUAL_SIZES_EQUAL_ROOTS = "同样大小的树，树根必须相同 / Equal sizes must have equal roots"
EMPTY_TREE_PROOF = "空树的一致性证明应为空 / The proof from an empty tree is empty"
CONSISTENCY_EMPTY = "一致性证明为空 / The consistency proof is empty"
EARLIER_ROOT_MISMATCH = "一致性证明与旧树根不符 / The proof does not match the earlier root"
LATER_ROOT_MISMATCH = "一致性证明与新树根不符 / The proof does not match the later root"


class ProofError(ValueError):
    """A proof that does not hold; the message says why, Chinese first."""


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes, h: HashFn = sm3) -> None:
    if not 0 <= index < size:
        raise ProofError(LEAF_OUTSIDE)
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError(PROOF_TOO_LONG)
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result, h)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling, h)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(PROOF_INCOMPLETE)
    if result != root:
        raise ProofError(INCLUSION_MISMATCH)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes], h: HashFn = sm3
) -> None:
    if not 0 <= first <= second:
        raise ProofError(SIZES_OUT_OF_ORDER)
    if first == second:
        if proof or first_root != second_root:
            raise ProofError(EQUAL_SIZES_EQUAL_ROOTS)
        return
    if first == 0:
        if proof:
            raise ProofError(EMPTY_TREE_PROOF)
        return
    if not proof and not _is_power_of_two(first):
        raise ProofError(CONSISTENCY_EMPTY)
    path = ([first_root] if _is_power_of_two(first) else []) + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(PROOF_TOO_LONG)
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr, h)
            sr = node_hash(c, sr, h)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c, h)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(PROOF_INCOMPLETE)
    if fr != first_root:
        raise ProofError(EARLIER_ROOT_MISMATCH)
    if sr != second_root:
        raise ProofError(LATER_ROOT_MISMATCH)
