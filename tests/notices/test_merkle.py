"""The log's Merkle tree against RFC 6962's definitions.

The reference below is RFC 6962 §2.1 written out recursively, independent of the code under test
(which plans proofs as ranges over stored nodes and verifies them with RFC 9162's iterative
algorithms). The tree is checked with SHA-256 against the published Certificate Transparency test
vectors, then with SM3 against the reference for every tree size up to 64.
"""

import hashlib
import re

import pytest

from gongzhi.notices import merkle

# The eight leaf inputs of the CT reference tests (certificate-transparency merkle_tree_test).
CT_LEAVES = [bytes.fromhex(x) for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f"]]
# Their published SHA-256 roots for tree sizes 1..8.
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --- RFC 6962 §2.1, recursively ------------------------------------------------------------------
def ref_mth(leaves, h):
    n = len(leaves)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return h(b"\x01" + ref_mth(leaves[:k], h) + ref_mth(leaves[k:], h))


def ref_path(m, leaves, h):
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, leaves[:k], h) + [ref_mth(leaves[k:], h)]
    return ref_path(m - k, leaves[k:], h) + [ref_mth(leaves[:k], h)]


def ref_subproof(m, leaves, whole, h):
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves, h)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, leaves[:k], whole, h) + [ref_mth(leaves[k:], h)]
    return ref_subproof(m - k, leaves[k:], False, h) + [ref_mth(leaves[:k], h)]


def stored_nodes(leaves, h):
    tree = merkle.CompactTree(h=h)
    nodes = {}
    for leaf in leaves:
        nodes.update(tree.append(merkle.leaf_hash(leaf, h)))
    return tree, nodes


def plan(ranges, nodes, h):
    return [merkle.range_hash(a, b, nodes, h) for a, b in ranges]


# --- tests -------------------------------------------------------------------------------------
def test_sm3_is_the_gb_t_32905_function():
    assert merkle.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sha256_roots_match_the_published_ct_vectors():
    assert merkle.CompactTree(h=sha256).root().hex() == EMPTY_SHA256
    for size in range(1, 9):
        tree, nodes = stored_nodes(CT_LEAVES[:size], sha256)
        assert tree.root().hex() == CT_ROOTS[size - 1]
        assert merkle.range_hash(0, size, nodes, sha256).hex() == CT_ROOTS[size - 1]


def test_domain_separation_a_leaf_cannot_pose_as_a_node():
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.leaf_hash(a + b) != merkle.node_hash(a, b)


@pytest.mark.parametrize("h", [merkle.sm3, sha256], ids=["sm3", "sha256"])
def test_every_inclusion_proof_up_to_64_leaves(h):
    leaves = [f"entry {i}".encode() for i in range(64)]
    for size in range(1, 65):
        tree, nodes = stored_nodes(leaves[:size], h)
        root = ref_mth(leaves[:size], h)
        assert tree.root() == root
        for index in range(size):
            proof = plan(merkle.inclusion_ranges(index, size), nodes, h)
            assert proof == ref_path(index, leaves[:size], h), (index, size)
            merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index], h), proof, root, h)


@pytest.mark.parametrize("h", [merkle.sm3, sha256], ids=["sm3", "sha256"])
def test_every_consistency_proof_up_to_64_leaves(h):
    leaves = [f"entry {i}".encode() for i in range(64)]
    _, nodes = stored_nodes(leaves, h)  # nodes of a larger tree still answer for smaller ones
    roots = {n: ref_mth(leaves[:n], h) for n in range(0, 65)}
    for second in range(1, 65):
        for first in range(1, second + 1):
            proof = plan(merkle.consistency_ranges(first, second), nodes, h)
            expected = [] if first == second else ref_subproof(first, leaves[:second], True, h)
            assert proof == expected, (first, second)
            merkle.verify_consistency(first, second, roots[first], roots[second], proof, h)
    merkle.verify_consistency(0, 5, roots[0], roots[5], [], h)


def test_a_forged_or_truncated_inclusion_proof_fails():
    leaves = [bytes([i]) for i in range(13)]
    tree, nodes = stored_nodes(leaves, merkle.sm3)
    root = tree.root()
    proof = plan(merkle.inclusion_ranges(5, 13), nodes, merkle.sm3)
    leaf = merkle.leaf_hash(leaves[5])
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.PROOF_INCOMPLETE)):
        merkle.verify_inclusion(5, 13, leaf, proof[:-1], root)
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.PROOF_TOO_LONG)):
        merkle.verify_inclusion(5, 13, leaf, proof + [proof[0]], root)
    forged = list(proof)
    forged[1] = bytes(32)
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.INCLUSION_MISMATCH)):
        merkle.verify_inclusion(5, 13, leaf, forged, root)
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.INCLUSION_MISMATCH)):
        merkle.verify_inclusion(5, 13, merkle.leaf_hash(b"another"), proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(4, 13, leaf, proof, root)  # the right path, the wrong position
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.LEAF_OUTSIDE)):
        merkle.verify_inclusion(13, 13, leaf, proof, root)


def test_a_forged_or_truncated_consistency_proof_fails():
    leaves = [bytes([i]) for i in range(20)]
    _, nodes = stored_nodes(leaves, merkle.sm3)
    r7, r20 = ref_mth(leaves[:7], merkle.sm3), ref_mth(leaves, merkle.sm3)
    proof = plan(merkle.consistency_ranges(7, 20), nodes, merkle.sm3)
    merkle.verify_consistency(7, 20, r7, r20, proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(7, 20, r7, r20, proof[:-1])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(7, 20, r7, r20, [bytes(32)] + proof[1:])
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.EARLIER_ROOT_MISMATCH)):
        merkle.verify_consistency(7, 20, bytes(32), r20, proof)
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.LATER_ROOT_MISMATCH)):
        merkle.verify_consistency(7, 20, r7, bytes(32), proof)
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.CONSISTENCY_EMPTY)):
        merkle.verify_consistency(7, 20, r7, r20, [])
    with pytest.raises(merkle.ProofError, match=re.escape(merkle.SIZES_OUT_OF_ORDER)):
        merkle.verify_consistency(20, 7, r20, r7, proof)


def test_hashlib_sm3_matches_cryptography_sm3():
    for data in (b"", b"abc", bytes(range(256)) * 5, "公示".encode() * 300):
        assert merkle.sm3(data) == merkle._sm3_cryptography(data)


@pytest.mark.parametrize("h", [merkle.sm3, sha256], ids=["sm3", "sha256"])
def test_levels_built_at_once_are_the_nodes_appends_make(h):
    """verify --all rebuilds a chunk level by level; the log appends leaf by leaf: the same nodes and edges."""
    for n in range(0, 70):
        entries = [i.to_bytes(2, "big") for i in range(n)]
        leaves = [merkle.leaf_hash(entry, h) for entry in entries]
        levels = merkle.subtree_levels(leaves, h)
        tree, made = merkle.CompactTree(h=h), {}
        for size, leaf in enumerate(leaves, start=1):
            made.update(tree.append(leaf))
            assert merkle.edge_of(levels, size) == tree.edge
            assert merkle.fold_blocks(merkle.edge_of(levels, size), h) == tree.root() == ref_mth(entries[:size], h)
        assert {(level, i): value for level, hashes in enumerate(levels) for i, value in enumerate(hashes)} == made
