"""RFC 9162 Merkle trees: known vectors, a by-the-definition reference, and proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checksheet.ledger import merkle

# Roots of the first n of these leaves, from the Certificate Transparency test vectors.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
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


def reference_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 as written: split at the largest power of two smaller than n."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])).digest()


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n]) as written."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_mth(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_mth(leaves[:k])]


def leaves_of(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_match_the_certificate_transparency_vectors(n: int) -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES[:n]]
    assert merkle.root(leaves).hex() == CT_ROOTS[n - 1]


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


@given(st.lists(st.binary(max_size=8), max_size=80))
def test_streaming_root_levels_and_reference_agree(data: list[bytes]) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    expected = reference_mth(leaves)
    assert merkle.root(leaves) == expected
    if leaves:
        assert merkle.levels(leaves)[-1] == [expected]


@given(st.integers(min_value=1, max_value=300), st.data())
def test_frontier_roots_every_prefix_and_reports_completed_subtrees(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    split = data.draw(st.integers(min_value=0, max_value=n))
    first = merkle.Frontier()
    first.extend(leaves[:split])
    assert first.root() == reference_mth(leaves[:split])
    resumed = merkle.Frontier(split, first.parts)  # as append rebuilds it from the cache
    completed = resumed.extend(leaves[split:], min_level=2)
    assert resumed.root() == reference_mth(leaves)
    for level, index, h in completed:
        assert h == reference_mth(leaves[index << level : (index + 1) << level])


@given(st.integers(min_value=1, max_value=200), st.data())
def test_inclusion_proofs_match_the_rfc_and_verify(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    tree = merkle.levels(leaves)
    root = reference_mth(leaves)
    expected = reference_path(index, leaves)
    assert merkle.proof_from_levels(tree, index) == expected
    assert merkle.inclusion_proof(index, n, lambda a, b: reference_mth(leaves[a:b])) == expected
    assert merkle.verify_inclusion(leaves[index], index, n, expected, root)


@given(st.integers(min_value=2, max_value=130), st.data())
def test_a_wrong_leaf_index_or_proof_byte_fails(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = merkle.proof_from_levels(merkle.levels(leaves), index)
    root = merkle.root(leaves)
    other = data.draw(st.integers(min_value=0, max_value=n - 1).filter(lambda i: i != index))
    assert not merkle.verify_inclusion(leaves[other], index, n, proof, root)
    assert not merkle.verify_inclusion(leaves[index], other, n, proof, root)
    # (The tree size is bound by the signed checkpoint, not by the proof: RFC 9162 2.1.3.2.)
    assert not merkle.verify_inclusion(leaves[index], index, n, [*proof, proof[0]], root)
    if proof:
        i = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        byte = data.draw(st.integers(min_value=0, max_value=31))
        bad = bytearray(proof[i])
        bad[byte] ^= 0x01
        assert not merkle.verify_inclusion(leaves[index], index, n, [*proof[:i], bytes(bad), *proof[i + 1 :]], root)


def test_proof_spans_reject_a_leaf_outside_the_tree() -> None:
    with pytest.raises(ValueError):
        merkle.proof_spans(5, 5)
    assert merkle.root_from_proof(merkle.EMPTY_ROOT, 3, 3, []) is None


def test_frontier_rejects_a_border_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError):
        merkle.Frontier(3, [merkle.EMPTY_ROOT])
