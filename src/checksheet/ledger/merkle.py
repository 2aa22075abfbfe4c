"""RFC 9162 (Certificate Transparency 2.0) Merkle trees: hashes, roots, inclusion proofs. Pure.

Section 2.1.1: MTH({}) = SHA-256(), leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || left || right);
a tree of n > 1 leaves splits at k, the largest power of two smaller than n. Section 2.1.3 gives
the inclusion proof (PATH) and how a verifier folds it back to the root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

_sha256 = hashlib.sha256
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: MTH of the empty tree (RFC 9162 2.1.1).
EMPTY_ROOT = _sha256(b"").digest()

#: A subtree as the half-open leaf range [start, end).
Span = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """k: the largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_parts(start: int, end: int) -> list[Span]:
    """The perfect subtrees that make up MTH(D[start:end]) as RFC 9162 splits it, largest first."""
    parts = []
    while end - start > 0:
        n = end - start
        size = n if n & (n - 1) == 0 else split_point(n)
        parts.append((start, start + size))
        start += size
    return parts


def fold(parts: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its perfect parts (largest first): right to left."""
    if not parts:
        return EMPTY_ROOT
    acc = parts[-1]
    for h in reversed(parts[:-1]):
        acc = node_hash(h, acc)
    return acc


class Frontier:
    """The right border of a growing tree: one perfect subtree per set bit of its size.

    Adding n leaves costs n - 1 node hashes in all, and the root of every prefix is a fold of
    at most log2(n) hashes, so a single pass can check roots at many tree sizes.
    """

    __slots__ = ("_stack", "size")

    def __init__(self, size: int = 0, parts: Sequence[bytes] = ()) -> None:
        if len(parts) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} parts, not {len(parts)}")
        self.size = size
        self._stack = list(parts)

    @property
    def parts(self) -> tuple[bytes, ...]:
        return tuple(self._stack)

    def extend(self, leaves: Iterable[bytes], min_level: int = 64) -> list[tuple[int, int, bytes]]:
        """Add leaf hashes; return the completed subtrees of level >= min_level as (level, index, hash)."""
        completed = []
        stack, sha, prefix = self._stack, _sha256, NODE_PREFIX
        for h in leaves:
            index = self.size
            k, level = index, 0
            while k & 1:
                h = sha(prefix + stack.pop() + h).digest()
                k >>= 1
                level += 1
                if level >= min_level:
                    completed.append((level, index >> level, h))
            stack.append(h)
            self.size = index + 1
        return completed

    def root(self) -> bytes:
        return fold(self._stack)


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH over leaf hashes (already `leaf_hash`ed)."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def proof_spans(index: int, size: int) -> list[Span]:
    """The subtrees whose hashes form PATH(index, D[size]) (RFC 9162 2.1.3.1), nearest the leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    spans = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            spans.append((start + k, end))
            end = start + k
        else:
            spans.append((start, start + k))
            start += k
    return spans[::-1]


def inclusion_proof(index: int, size: int, subtree: Callable[[int, int], bytes]) -> list[bytes]:
    """PATH(index, D[size]); `subtree(start, end)` returns MTH(D[start:end]) for any span asked."""
    return [subtree(start, end) for start, end in proof_spans(index, size)]


def root_from_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """Fold an inclusion proof back to a root (RFC 9162 2.1.3.2); None when the proof is malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    return root_from_proof(leaf, index, size, proof) == root_hash


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first; an odd last node is carried up unchanged.

    This bottom-up shape is the same tree as RFC 9162's recursive split; it serves many
    proofs from one pass (see `proof_from_levels`).
    """
    tree = [list(leaves)]
    while len(tree[-1]) > 1:
        below = tree[-1]
        above = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        tree.append(above)
    return tree


def proof_from_levels(tree: Sequence[Sequence[bytes]], index: int) -> list[bytes]:
    proof = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index >>= 1
    return proof
