"""The hash chain: how an entry is serialised and hashed, and the one-pass verifier. Pure.

An entry's bytes are UTF-8 of six lines joined by "\\n":

    seq, time (UTC, "YYYY-MM-DD HH:MM:SS.ffffff"), kind, actor, payload (canonical JSON), prev_hash

Its hash is the RFC 9162 leaf hash of those bytes, SHA-256(0x00 || bytes), so one digest both
chains the entry to its predecessor (prev_hash is inside) and is its leaf in the Merkle tree.
kind and actor may not contain a newline and canonical JSON never does, so the split is unambiguous.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger.merkle import NODE_PREFIX, fold

#: prev_hash of the first entry.
GENESIS = "0" * 64
#: Subtrees of 2**NODE_LEVEL leaves and up are kept in ledger_nodes so that proofs need no full scan.
NODE_LEVEL = 6
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
MAX_KIND = 64
MAX_ACTOR = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: A stored entry as the verifier reads it: seq, time text, kind, actor, payload, prev_hash, hash.
Row = tuple[int, str, str, str, str, str, str]


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept, no NaN: the same value always gives the same text."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError) as err:
        raise InputError(f"ledger data is not plain JSON: {err}",
                         ja=f"台帳のデータが JSON として不正です: {err}") from err
    return text


def time_text(when: datetime) -> str:
    """UTC with microseconds (TIME_FORMAT); a naive time is taken as UTC (SQLite returns them)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat(" ", "microseconds")


def check_label(name: str, value: str, limit: int) -> None:
    if not value or len(value) > limit or _CONTROL.search(value):
        raise InputError(
            f"ledger {name} must be 1..{limit} characters without control characters: {value!r}",
            ja=f"台帳の {name} は制御文字を含まない 1〜{limit} 文字にしてください: {value!r}",
        )


def entry_bytes(seq: int, time: str, kind: str, actor: str, payload: str, prev_hash: str) -> bytes:
    return f"{seq}\n{time}\n{kind}\n{actor}\n{payload}\n{prev_hash}".encode()


def entry_hash(seq: int, time: str, kind: str, actor: str, payload: str, prev_hash: str) -> str:
    return hashlib.sha256(b"\x00" + entry_bytes(seq, time, kind, actor, payload, prev_hash)).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: datetime
    kind: str
    actor: str
    payload: str
    prev_hash: str
    hash: str

    @property
    def data(self) -> Any:
        return json.loads(self.payload)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "time": time_text(self.time), "kind": self.kind, "actor": self.actor,
            "payload": self.payload, "data": self.data, "prev_hash": self.prev_hash, "hash": self.hash,
        }


def chain(start_seq: int, prev_hash: str, items: Iterable[tuple[datetime, str, str, str]]) -> list[Entry]:
    """Number and hash new entries (time, kind, actor, canonical payload) after `prev_hash`."""
    out = []
    seq, prev = start_seq, prev_hash
    last_when, last_text = None, ""
    for when, kind, actor, payload in items:
        if when is not last_when:  # a batch usually shares one time
            last_when, last_text = when, time_text(when)
        h = entry_hash(seq, last_text, kind, actor, payload, prev)
        out.append(Entry(seq, when, kind, actor, payload, prev, h))
        seq, prev = seq + 1, h
    return out


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


def _fail(message: str, ja: str) -> IntegrityError:
    return IntegrityError(message, ja=ja)


def _entry_fault(row: Row, expect: int, prev: str) -> IntegrityError:
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


@dataclass(frozen=True, slots=True)
class Start:
    """Where a verification pass begins: after `size` entries whose last hash is `prev_hash`."""

    size: int = 0
    prev_hash: str = GENESIS
    frontier: tuple[bytes, ...] = ()


def verify_rows(
    rows: Iterable[Row],
    *,
    checkpoints: Sequence[Checkpoint] = (),
    nodes: Mapping[tuple[int, int], str] | None = None,
    node_level: int = NODE_LEVEL,
    start: Start = Start(),
) -> Verified:
    """Recompute every hash, link, cached subtree and checkpoint root in one pass over rows in seq order.

    `nodes` is the subtree cache to compare with (None: do not compare). Raises IntegrityError naming
    the first bad entry. Written as one flat loop because it runs once per entry, millions of times.
    """
    sha = hashlib.sha256
    node = NODE_PREFIX
    compare = nodes is not None
    cached = dict(nodes or {})
    seen_nodes = 0
    cache_fault: tuple[int, int] | None = None
    targets: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        targets.setdefault(cp.tree_size, []).append(cp)
    good_size = start.size
    stack: list[bytes] = list(start.frontier)
    push, pop = stack.append, stack.pop
    prev = start.prev_hash
    expect = start.size + 1
    for row in rows:
        seq, tm, kind, actor, payload, stored_prev, stored = row
        d = sha(f"\x00{seq}\n{tm}\n{kind}\n{actor}\n{payload}\n{prev}".encode()).digest()
        hx = d.hex()
        if seq != expect or stored_prev != prev or hx != stored:
            raise _entry_fault(row, expect, prev)
        index = expect - 1
        k, level = index, 0
        while k & 1:
            d = sha(node + pop() + d).digest()
            k >>= 1
            level += 1
            if compare and level >= node_level:
                key = (level, index >> level)
                if cached.pop(key, None) != d.hex() and cache_fault is None:
                    cache_fault = key  # reported last: a bad entry or checkpoint says more
                seen_nodes += 1
        push(d)
        if expect in targets:
            _check_roots(targets[expect], fold(stack).hex(), good_size)
            good_size = expect
        prev = hx
        expect += 1
    size = expect - 1
    _check_tail(size, targets, cached)
    if cache_fault is not None:
        level, index = cache_fault
        first, last = (index << level) + 1, (index + 1) << level
        raise _fail(
            f"ledger subtree cache differs for entries {first}..{last}: ledger_nodes was altered or deleted",
            f"台帳の部分木キャッシュ(エントリ {first}〜{last})が一致しません: "
            "ledger_nodes が改ざんまたは削除されています",
        )
    return Verified(size, prev, fold(stack).hex(), len(checkpoints), seen_nodes)


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
