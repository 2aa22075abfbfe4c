"""The one-pass verifier: every hash, link, cached subtree and checkpoint root, recomputed. Pure.

Rows come in seq order. Blocks of 2**LOG_BLOCK rows that start on a multiple of it take a fast path:
hashes are computed over each row's stored prev_hash in one comprehension, then compared in bulk
(each recomputed hash equals the stored one, each stored prev_hash equals the stored hash before
it: the same guarantee as chaining one by one), and the block's subtree is built level by level.
Any block that does not fit, or holds a problem, is walked entry by entry, which names the first
bad entry precisely.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from checksheet.errors import IntegrityError
from checksheet.ledger.chain import GENESIS, NODE_LEVEL, Row, entry_hash
from checksheet.ledger.merkle import NODE_PREFIX, fold

LOG_BLOCK = 12


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


@dataclass(frozen=True, slots=True)
class Start:
    """Where a verification pass begins: after `size` entries whose last hash is `prev_hash`."""

    size: int = 0
    prev_hash: str = GENESIS
    frontier: tuple[bytes, ...] = ()


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


class _Pass:
    """The state of one verification pass (a mutable accumulator, private to verify_rows)."""

    __slots__ = ("cache_fault", "cached", "compare", "good_size", "log_block", "node_level", "prev", "seen_nodes",
                 "size", "stack", "target_sizes", "targets")

    def __init__(self, start: Start, checkpoints: Sequence[Checkpoint], nodes: Mapping[tuple[int, int], str] | None,
                 node_level: int, log_block: int) -> None:
        self.log_block = log_block
        self.size = start.size
        self.prev = start.prev_hash
        self.stack = list(start.frontier)
        self.compare = nodes is not None
        self.cached = dict(nodes or {})
        self.node_level = node_level
        self.seen_nodes = 0
        self.cache_fault: tuple[int, int] | None = None
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

    def reached(self, size: int) -> None:
        if size in self.targets:
            _check_roots(self.targets[size], fold(self.stack).hex(), self.good_size)
            self.good_size = size


def _fast(p: _Pass, part: list[Row]) -> bool:
    """A whole aligned block with no checkpoint inside it; False (nothing changed) when it does not verify."""
    block = 1 << p.log_block
    end = p.size + block
    if len(part) != block or p.size % block or bisect_right(p.target_sizes, p.size) < bisect_right(
        p.target_sizes, end - 1
    ):
        return False
    sha = hashlib.sha256
    digests = [sha(f"\x00{s}\n{t}\n{k}\n{a}\n{pl}\n{ph}".encode()).digest() for s, t, k, a, pl, ph, _ in part]
    hexes = [d.hex() for d in digests]
    if (hexes != [r[6] for r in part] or [r[5] for r in part] != [p.prev, *hexes[:-1]]
            or [r[0] for r in part] != list(range(p.size + 1, end + 1))):
        return False
    level, node = digests, NODE_PREFIX
    for height in range(1, p.log_block + 1):
        pairs = iter(level)
        level = [sha(node + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        if p.compare and height >= p.node_level:
            first = p.size >> height
            for i, h in enumerate(level):
                p.node_seen((height, first + i), h)
    _push(p, level[0], p.log_block, p.size)
    p.size, p.prev = end, hexes[-1]
    p.reached(end)
    return True


def _push(p: _Pass, digest: bytes, height: int, start: int) -> None:
    """Add a perfect subtree of 2**height leaves starting at leaf `start` to the right border."""
    k, stack = start >> height, p.stack
    while k & 1:
        digest = hashlib.sha256(NODE_PREFIX + stack.pop() + digest).digest()
        k >>= 1
        height += 1
        p.node_seen((height, start >> height), digest)
    stack.append(digest)


def _slow(p: _Pass, part: list[Row]) -> None:
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
    fast path's block (2**log_block rows; tests make it small).
    """
    p = _Pass(start, checkpoints, nodes, node_level, log_block)
    block = 1 << log_block
    it = iter(rows)
    while True:
        part = list(islice(it, block - p.size % block))  # realign on block boundaries after a partial start
        if not part:
            break
        if not _fast(p, part):
            _slow(p, part)
    _check_tail(p.size, p.targets, p.cached)
    if p.cache_fault is not None:
        level, index = p.cache_fault
        first, last = (index << level) + 1, (index + 1) << level
        raise _fail(
            f"ledger subtree cache differs for entries {first}..{last}: ledger_nodes was altered or deleted",
            f"台帳の部分木キャッシュ(エントリ {first}〜{last})が一致しません: "
            "ledger_nodes が改ざんまたは削除されています",
        )
    return Verified(p.size, p.prev, fold(p.stack).hex(), len(checkpoints), p.seen_nodes)


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
