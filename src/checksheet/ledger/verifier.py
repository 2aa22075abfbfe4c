"""The verifier: every hash, link, cached subtree and checkpoint root, recomputed. Pure.

Rows come in seq order, cut into blocks of 2**log_block rows that start on a multiple of it.
`hash_block` checks a whole block in bulk: hashes computed over each row's stored prev_hash in one
comprehension, then compared in bulk (each recomputed hash equals the stored one, each stored
prev_hash equals the stored hash before it: the same guarantee as chaining one by one), and the
block's perfect subtree built level by level. A block needs nothing from the blocks before it but
the hash its first entry links to, which `Verification.add_block` compares: so blocks can be
hashed anywhere (worker processes, see verify.py) and folded into the tree in order. A block that
does not verify in bulk, and a partial one, is walked entry by entry, which names the first bad
entry precisely.

The root at any tree size is the fold of the perfect subtrees of its binary decomposition
(RFC 9162 2.1.1). Those of a block boundary are the frontier; a checkpoint that ends inside a block
takes the smaller ones from inside that block (`Block.prefixes`).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from checksheet.errors import IntegrityError
from checksheet.ledger.chain import GENESIS, NODE_LEVEL, Row, entry_hash
from checksheet.ledger.merkle import NODE_PREFIX, fold

#: Blocks of 1,024 entries: big enough that a block's per-call costs vanish, small enough that its rows
#: stay in the CPU cache while they are hashed (blocks of 4,096 cost about 15% more, measured).
LOG_BLOCK = 10


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head to hold the ledger to: its size and root, and where it came from (for messages)."""

    tree_size: int
    root_hash: str
    source: str


@dataclass(frozen=True, slots=True)
class Verified:
    size: int
    head_hash: str
    root_hash: str
    checkpoints: int
    nodes: int
    #: Processes that hashed the entries (1: this one alone).
    workers: int = 1


@dataclass(frozen=True, slots=True)
class Start:
    """Where a verification pass begins: after `size` entries whose last hash is `prev_hash`."""

    size: int = 0
    prev_hash: str = GENESIS
    frontier: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Block:
    """A whole aligned block of entries whose hashes, numbers and inner links verified in bulk."""

    start: int  #: entries before it, a multiple of its size
    prev_hash: str  #: its first entry's stored prev_hash: the one link hash_block cannot check
    head_hash: str  #: its last entry's hash
    root: bytes  #: its perfect subtree
    #: its subtrees of level >= node_level (level, index, hash), to compare with the cache
    nodes: tuple[tuple[int, int, bytes], ...]
    #: for each tree size asked that ends inside it: the perfect parts of [start, size), largest first
    prefixes: tuple[tuple[int, tuple[bytes, ...]], ...]


def _fail(message: str, ja: str) -> IntegrityError:
    return IntegrityError(message, ja=ja)


def entry_fault(row: Row, expect: int, prev: str) -> IntegrityError:
    """Name the first bad entry from the first row that does not fit the chain."""
    seq, tm, kind, actor, payload, stored_prev, stored = row
    if seq != expect:
        if seq > expect:
            return _fail(f"ledger entry {expect} is missing (deleted): entries jump from {expect - 1} to {seq}",
                         f"台帳のエントリ {expect} がありません(削除): {expect - 1} の次が {seq} です")
        return _fail(
            f"ledger entry {expect} is out of place: found an entry numbered {seq} (inserted or renumbered)",
            f"台帳のエントリ {expect} の位置が不正です: 番号 {seq} のエントリがあります(挿入または番号の改ざん)",
        )
    own_ok = entry_hash(seq, tm, kind, actor, payload, prev) == stored
    if stored_prev != prev and own_ok:
        return _fail(f"ledger entry {seq} was altered: its prev_hash was changed",
                     f"台帳のエントリ {seq} が改ざんされています: prev_hash が変更されています")
    if stored_prev != prev and entry_hash(seq, tm, kind, actor, payload, stored_prev) == stored:
        before = seq - 1
        return _fail(
            f"ledger entry {before} was altered: entry {seq} was chained to a different entry {before}",
            f"台帳のエントリ {before} が改ざんされています: エントリ {seq} は別の内容の {before} に連結されています",
        )
    return _fail(f"ledger entry {seq} was altered: its content does not match its hash",
                 f"台帳のエントリ {seq} が改ざんされています: 内容とハッシュが一致しません")


def sizes_inside(sizes: Sequence[int], start: int, end: int) -> tuple[int, ...]:
    """The sorted `sizes` strictly between start and end: the tree sizes that end inside a block."""
    return tuple(sizes[bisect_right(sizes, start):bisect_left(sizes, end)])


def hash_block(
    part: Sequence[Row], start: int, log_block: int, node_level: int | None, sizes: Sequence[int] = ()
) -> Block | None:
    """Entries start+1 .. start+2**log_block checked in bulk; None when they do not verify.

    None means a wrong count or numbering, a hash or a link inside the block: the caller walks the
    block entry by entry to name the first bad one. `node_level` None returns no subtrees to compare
    with the cache; `sizes` are tree sizes strictly inside the block whose roots will be asked.
    """
    block = 1 << log_block
    if len(part) != block:
        return None
    sha = hashlib.sha256
    digests = [sha(f"\x00{s}\n{t}\n{k}\n{a}\n{pl}\n{ph}".encode()).digest() for s, t, k, a, pl, ph, _ in part]
    hexes = [d.hex() for d in digests]
    if (hexes != [r[6] for r in part] or [r[5] for r in part[1:]] != hexes[:-1]
            or [r[0] for r in part] != list(range(start + 1, start + block + 1))):
        return None
    levels, node = [digests], NODE_PREFIX
    nodes: list[tuple[int, int, bytes]] = []
    for height in range(1, log_block + 1):
        pairs = iter(levels[-1])
        level = [sha(node + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        levels.append(level)
        if node_level is not None and height >= node_level:
            first = start >> height
            nodes.extend((height, first + i, h) for i, h in enumerate(level))
    prefixes = tuple((size, _prefix_parts(levels, size - start)) for size in sizes)
    return Block(start, part[0][5], hexes[-1], levels[-1][0], tuple(nodes), prefixes)


def _prefix_parts(levels: Sequence[Sequence[bytes]], offset: int) -> tuple[bytes, ...]:
    """The perfect subtrees of the block's first `offset` leaves: one per set bit of offset, largest first."""
    parts, done = [], 0
    for height in range(len(levels) - 2, -1, -1):
        if offset >> height & 1:
            parts.append(levels[height][done >> height])
            done += 1 << height
    return tuple(parts)


class Verification:
    """One verification pass in seq order: rows are fed (`feed`), or blocks hashed elsewhere are
    folded in (`add_block`); `result` then checks what only the end can tell."""

    __slots__ = ("cache_fault", "cached", "checkpoints", "compare", "good_size", "log_block", "node_level", "prev",
                 "seen_nodes", "size", "stack", "target_sizes", "targets")

    def __init__(
        self,
        checkpoints: Sequence[Checkpoint] = (),
        nodes: Mapping[tuple[int, int], str] | None = None,
        *,
        node_level: int = NODE_LEVEL,
        start: Start = Start(),
        log_block: int = LOG_BLOCK,
    ) -> None:
        self.log_block = log_block
        self.size = start.size
        self.prev = start.prev_hash
        self.stack = list(start.frontier)
        self.compare = nodes is not None
        self.cached = dict(nodes or {})
        self.node_level = node_level
        self.seen_nodes = 0
        self.cache_fault: tuple[int, int] | None = None
        self.checkpoints = len(checkpoints)
        self.targets: dict[int, list[Checkpoint]] = {}
        for cp in checkpoints:
            self.targets.setdefault(cp.tree_size, []).append(cp)
        self.target_sizes = sorted(self.targets)
        self.good_size = start.size

    def node_seen(self, key: tuple[int, int], digest: bytes) -> None:
        if self.compare and key[0] >= self.node_level:
            if self.cached.pop(key, None) != digest.hex() and self.cache_fault is None:
                self.cache_fault = key  # reported last: a bad entry or checkpoint says more
            self.seen_nodes += 1

    def reached(self, size: int, inside: Sequence[bytes] = ()) -> None:
        """`size` entries verified; `inside` are the parts of them past the frontier (see Block.prefixes)."""
        if size in self.targets:
            _check_roots(self.targets[size], fold([*self.stack, *inside]).hex(), self.good_size)
            self.good_size = size

    def add_block(self, block: Block) -> bool:
        """Fold in a block that verified in bulk; False (nothing changed) when it does not follow on."""
        if block.start != self.size or block.prev_hash != self.prev:
            return False
        for size, parts in block.prefixes:
            self.reached(size, parts)
        for level, index, digest in block.nodes:
            self.node_seen((level, index), digest)
        _push(self, block.root, self.log_block, block.start)
        self.size, self.prev = block.start + (1 << self.log_block), block.head_hash
        self.reached(self.size)
        return True

    def feed(self, rows: Iterable[Row]) -> None:
        """Verify rows that follow on from where the pass stands; raises at the first bad entry."""
        block = 1 << self.log_block
        it = iter(rows)
        while part := list(islice(it, block - self.size % block)):  # realign after a partial start
            if not self._fast(part):
                _slow(self, part)

    def _fast(self, part: list[Row]) -> bool:
        if self.size % (1 << self.log_block):
            return False
        end = self.size + (1 << self.log_block)
        hashed = hash_block(part, self.size, self.log_block, self.node_level if self.compare else None,
                            sizes_inside(self.target_sizes, self.size, end))
        return hashed is not None and self.add_block(hashed)

    def result(self, workers: int = 1) -> Verified:
        """What only the end can tell: checkpoints or cached subtrees beyond it, then an altered cache."""
        _check_tail(self.size, self.targets, self.cached)
        if self.cache_fault is not None:
            level, index = self.cache_fault
            first, last = (index << level) + 1, (index + 1) << level
            raise _fail(
                f"ledger subtree cache differs for entries {first}..{last}: ledger_nodes was altered or deleted",
                f"台帳の部分木キャッシュ(エントリ {first}〜{last})が一致しません: "
                "ledger_nodes が改ざんまたは削除されています",
            )
        return Verified(self.size, self.prev, fold(self.stack).hex(), self.checkpoints, self.seen_nodes, workers)


def _push(p: Verification, digest: bytes, height: int, start: int) -> None:
    """Add a perfect subtree of 2**height leaves starting at leaf `start` to the right border."""
    k, stack = start >> height, p.stack
    while k & 1:
        digest = hashlib.sha256(NODE_PREFIX + stack.pop() + digest).digest()
        k >>= 1
        height += 1
        p.node_seen((height, start >> height), digest)
    stack.append(digest)


def _slow(p: Verification, part: list[Row]) -> None:
    """Entry by entry: raises naming the first bad one."""
    sha, node = hashlib.sha256, NODE_PREFIX
    stack, prev, expect = p.stack, p.prev, p.size + 1
    for row in part:
        seq, tm, kind, actor, payload, stored_prev, stored = row
        d = sha(f"\x00{seq}\n{tm}\n{kind}\n{actor}\n{payload}\n{prev}".encode()).digest()
        hx = d.hex()
        if seq != expect or stored_prev != prev or hx != stored:
            raise entry_fault(row, expect, prev)
        index = expect - 1
        k, height = index, 0
        while k & 1:
            d = sha(node + stack.pop() + d).digest()
            k >>= 1
            height += 1
            p.node_seen((height, index >> height), d)
        stack.append(d)
        p.reached(expect)
        prev = hx
        expect += 1
    p.size, p.prev = expect - 1, prev


def verify_rows(
    rows: Iterable[Row],
    *,
    checkpoints: Sequence[Checkpoint] = (),
    nodes: Mapping[tuple[int, int], str] | None = None,
    node_level: int = NODE_LEVEL,
    start: Start = Start(),
    log_block: int = LOG_BLOCK,
) -> Verified:
    """Recompute every hash, link, cached subtree and checkpoint root in one pass over rows in seq order.

    `nodes` is the subtree cache to compare with (None: do not compare). Raises IntegrityError naming
    the first bad entry; a cache that differs is reported last, as it says least. `log_block` sets the
    bulk path's block (2**log_block rows; tests make it small).
    """
    p = Verification(checkpoints, nodes, node_level=node_level, start=start, log_block=log_block)
    p.feed(rows)
    return p.result()


def _check_roots(cps: Sequence[Checkpoint], root_hex: str, good_size: int) -> None:
    for cp in cps:
        if cp.root_hash != root_hex:
            raise _fail(
                f"ledger entries {good_size + 1}..{cp.tree_size} were rewritten: they do not match the "
                f"checkpoint of tree size {cp.tree_size} ({cp.source}); the first bad entry is among them",
                f"台帳のエントリ {good_size + 1}〜{cp.tree_size} が書き換えられています: "
                f"ツリーサイズ {cp.tree_size} のチェックポイント({cp.source})と一致しません",
            )


def _check_tail(
    size: int, targets: Mapping[int, Sequence[Checkpoint]], leftover: Mapping[tuple[int, int], str]
) -> None:
    beyond = [cp for size_, cps in targets.items() if size_ > size for cp in cps]
    if beyond:
        cp = max(beyond, key=lambda c: c.tree_size)
        raise _fail(
            f"ledger entry {size + 1} is missing (truncated): the ledger ends at entry {size} but the "
            f"checkpoint ({cp.source}) covers {cp.tree_size} entries",
            f"台帳のエントリ {size + 1} 以降がありません(切り詰め): 台帳は {size} で終わっていますが、"
            f"チェックポイント({cp.source})は {cp.tree_size} 件を含みます",
        )
    if leftover:
        level, index = max(leftover, key=lambda key: (key[1] + 1) << key[0])
        covered = (index + 1) << level
        raise _fail(
            f"ledger entry {size + 1} is missing (truncated): the subtree cache covers {covered} entries "
            f"but the ledger ends at entry {size}",
            f"台帳のエントリ {size + 1} 以降がありません(切り詰め): 部分木キャッシュは {covered} 件を含みますが、"
            f"台帳は {size} で終わっています",
        )


def segments(size: int, workers: int, log_block: int) -> list[tuple[int, int]]:
    """The whole blocks of `size` entries cut into at most `workers` contiguous runs, as even as can be.

    Each run is (start, end): entries start+1 .. end, both block boundaries. The partial block at the
    end belongs to none.
    """
    blocks = size >> log_block
    n = max(0, min(workers, blocks))
    return [((blocks * k // n) << log_block, (blocks * (k + 1) // n) << log_block) for k in range(n)]
