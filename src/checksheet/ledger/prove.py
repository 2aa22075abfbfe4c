"""Inclusion proofs from the subtree cache: a few indexed reads instead of a pass over the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, or_, select

from checksheet.errors import IntegrityError, UsageError
from checksheet.ledger.append import head, leaf_hashes
from checksheet.ledger.chain import NODE_LEVEL, Entry, entry_hash, time_text
from checksheet.ledger.merkle import fold, perfect_parts, proof_spans, root, root_from_proof
from checksheet.ledger.signing import SignedCheckpoint
from checksheet.store import Store
from checksheet.store.models import LedgerEntryRow, LedgerNodeRow

BLOCK = 1 << NODE_LEVEL


@cache
def _nodes(count: int) -> Select[int, int, str]:
    """Point lookups of `count` cached subtrees, one statement per count (a row-value IN would scan)."""
    return select(LedgerNodeRow.level, LedgerNodeRow.idx, LedgerNodeRow.hash).where(or_(*(
        (LedgerNodeRow.level == bindparam(f"l{i}")) & (LedgerNodeRow.idx == bindparam(f"i{i}")) for i in range(count)
    )))


class Subtrees:
    """MTH(D[start:end]) for the spans of proofs within one tree, read once and remembered."""

    def __init__(self, conn: Connection, size: int) -> None:
        self._conn = conn
        self._size = size
        self._memo: dict[tuple[int, int], bytes] = {}
        self._blocks: dict[int, list[bytes]] = {}

    def prefetch(self, spans: Iterable[tuple[int, int]]) -> None:
        """Read the cached subtrees and leaf blocks the spans need: a query each, with cached statements."""
        keys: set[tuple[int, int]] = set()
        blocks: set[int] = set()
        for start, end in spans:
            for a, b in perfect_parts(start, end):
                level = (b - a).bit_length() - 1
                if (a, b) in self._memo:
                    continue
                if level >= NODE_LEVEL:
                    keys.add((level, a >> level))
                elif a // BLOCK not in self._blocks:
                    blocks.add(a // BLOCK)
        if keys:
            params = {f"{name}{i}": v for i, key in enumerate(sorted(keys)) for name, v in zip("li", key, strict=True)}
            for level, idx, h in self._conn.execute(_nodes(len(keys)), params):
                self._memo[(int(idx) << int(level), (int(idx) + 1) << int(level))] = bytes.fromhex(h)
        for number in blocks:
            self._block(number)

    def _block(self, number: int) -> list[bytes]:
        if number not in self._blocks:
            # The newest block of the tree may be partly filled.
            last = min((number + 1) * BLOCK, self._size)
            self._blocks[number] = leaf_hashes(self._conn, number * BLOCK + 1, last)
        return self._blocks[number]

    def _perfect(self, start: int, end: int) -> bytes:
        if (start, end) in self._memo:
            return self._memo[(start, end)]
        if end - start <= BLOCK:
            base = (start // BLOCK) * BLOCK
            leaves = self._block(start // BLOCK)[start - base : end - base]
            if len(leaves) != end - start:
                raise IntegrityError(
                    f"ledger entries {start + 1}..{end} are missing: run `checksheet ledger verify`",
                    ja=f"台帳のエントリ {start + 1}〜{end} がありません: `checksheet ledger verify` を実行してください",
                )
            value = root(leaves)
        else:  # a cache row went missing: rebuild from its halves (verify reports the gap)
            half = (end - start) // 2
            value = fold([self._perfect(start, start + half), self._perfect(start + half, end)])
        self._memo[(start, end)] = value
        return value

    def mth(self, start: int, end: int) -> bytes:
        return fold([self._perfect(a, b) for a, b in perfect_parts(start, end)])


@dataclass(frozen=True, slots=True)
class Proof:
    entry: Entry
    tree_size: int
    root_hash: str
    hashes: tuple[str, ...]
    checkpoint: SignedCheckpoint | None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.entry.seq, "leaf_index": self.entry.seq - 1, "leaf_hash": self.entry.hash,
            "tree_size": self.tree_size, "root_hash": self.root_hash, "hashes": list(self.hashes),
            "checkpoint": self.checkpoint.to_json() if self.checkpoint else None,
            "entry": self.entry.to_json(),
        }


ENTRY_COLUMNS = (
    LedgerEntryRow.seq, LedgerEntryRow.time, LedgerEntryRow.kind, LedgerEntryRow.actor,
    LedgerEntryRow.payload, LedgerEntryRow.prev_hash, LedgerEntryRow.hash,
)


_ENTRY = select(*ENTRY_COLUMNS).where(LedgerEntryRow.seq == bindparam("seq"))


def _checked(entry: Entry) -> Entry:
    recomputed = entry_hash(entry.seq, time_text(entry.time), entry.kind, entry.actor, entry.payload, entry.prev_hash)
    if recomputed != entry.hash:
        raise IntegrityError(f"ledger entry {entry.seq} was altered: its content does not match its hash",
                             ja=f"台帳のエントリ {entry.seq} が改ざんされています: 内容とハッシュが一致しません")
    return entry


def _hashes(trees: Subtrees, entry: Entry, size: int, root_hex: str) -> list[str]:
    """The proof's hashes, folded back to the root before they are handed out."""
    spans = proof_spans(entry.seq - 1, size)
    trees.prefetch(spans)
    hashes = [trees.mth(a, b) for a, b in spans]
    if root_from_proof(bytes.fromhex(entry.hash), entry.seq - 1, size, hashes) != bytes.fromhex(root_hex):
        raise IntegrityError(
            f"ledger entry {entry.seq} is not in the tree of size {size}: run `checksheet ledger verify`",
            ja=f"台帳のエントリ {entry.seq} はサイズ {size} のツリーに含まれていません: "
            "`checksheet ledger verify` を実行してください",
        )
    return [h.hex() for h in hashes]


def _tree(conn: Connection, seq: int, checkpoint: SignedCheckpoint | None) -> tuple[int, str, Subtrees]:
    """The tree to prove against: the checkpoint when it covers seq, else the whole current ledger."""
    if checkpoint is not None and checkpoint.tree_size >= seq:
        return checkpoint.tree_size, checkpoint.root_hash, Subtrees(conn, checkpoint.tree_size)
    size, _ = head(conn)
    trees = Subtrees(conn, size)
    if not 1 <= seq <= size:
        raise UsageError(f"no ledger entry {seq} (the ledger has {size})",
                         ja=f"台帳のエントリ {seq} はありません(全 {size} 件)")
    trees.prefetch([(0, size), *proof_spans(seq - 1, size)])
    return size, trees.mth(0, size).hex(), trees


def _entry_row(conn: Connection, seq: int) -> Entry:
    row = conn.execute(_ENTRY, {"seq": seq}).first()
    if row is None:
        raise UsageError(f"no ledger entry {seq}", ja=f"台帳のエントリ {seq} はありません")
    return _checked(Entry(*row))


def prove(store: Store, seq: int, checkpoint: SignedCheckpoint | None = None) -> Proof:
    """The inclusion proof of entry `seq` in the checkpoint's tree when it covers seq, else the current one."""
    with store.engine.connect() as conn:
        entry = _entry_row(conn, seq)
        cp = checkpoint if checkpoint is not None and checkpoint.tree_size >= seq else None
        size, root_hex, trees = _tree(conn, seq, cp)
        return Proof(entry, size, root_hex, tuple(_hashes(trees, entry, size, root_hex)), cp)


def export_entries(store: Store, since: int, checkpoint: SignedCheckpoint | None = None) -> Iterator[dict[str, Any]]:
    """Entries from seq `since` on, each with its inclusion proof in one tree: the checkpoint's when it
    covers the whole ledger, else the current tree."""
    with store.engine.connect() as conn:
        size, _ = head(conn)
        if size < max(since, 1):
            return
        cp = checkpoint if checkpoint is not None and checkpoint.tree_size >= size else None
        tree_size, root_hex, trees = _tree(conn, size, cp)
        stmt = select(*ENTRY_COLUMNS).where(LedgerEntryRow.seq.between(max(since, 1), tree_size))
        rows = conn.execute(stmt.order_by(LedgerEntryRow.seq).execution_options(yield_per=2_000))
        for row in rows:
            entry = _checked(Entry(*row))
            yield {**entry.to_json(), "tree_size": tree_size, "root_hash": root_hex,
                   "proof": _hashes(trees, entry, tree_size, root_hex)}
