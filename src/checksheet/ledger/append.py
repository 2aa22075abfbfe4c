"""Appending: number, chain and insert entries in one transaction, keeping the subtree cache current."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text
from sqlalchemy.orm import Session

from checksheet.errors import InputError
from checksheet.ledger.chain import (
    GENESIS,
    MAX_ACTOR,
    MAX_KIND,
    NODE_LEVEL,
    Entry,
    canonical_json,
    chain,
    check_label,
    time_text,
)
from checksheet.ledger.merkle import Frontier, perfect_parts, root
from checksheet.store import Store
from checksheet.store.models import LedgerEntryRow, LedgerNodeRow

#: Any constant: PostgreSQL serialises appenders on this advisory lock.
_PG_LOCK = 0x6C656467  # "ledg"


@dataclass(frozen=True, slots=True)
class NewEntry:
    kind: str
    actor: str
    data: Any
    time: datetime | None = None


def _lock(session: Session) -> None:
    """Serialise appenders so that two writers never read the same head."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    else:
        # Any write statement takes SQLite's RESERVED lock for the rest of the transaction.
        session.execute(delete(LedgerNodeRow).where(LedgerNodeRow.level < 0))


_LEAVES = (
    select(LedgerEntryRow.hash)
    .where(LedgerEntryRow.seq.between(bindparam("first"), bindparam("last")))
    .order_by(LedgerEntryRow.seq)
)


def head(session: Session | Connection) -> tuple[int, str]:
    """(seq, hash) of the newest entry; (0, GENESIS) for an empty ledger."""
    row = session.execute(
        select(LedgerEntryRow.seq, LedgerEntryRow.hash).order_by(LedgerEntryRow.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def leaf_hashes(session: Session | Connection, first: int, last: int) -> list[bytes]:
    """Stored hashes of entries first..last (1-based seq) as bytes."""
    return [bytes.fromhex(h) for h in session.execute(_LEAVES, {"first": first, "last": last}).scalars()]


def frontier(session: Session, size: int) -> Frontier:
    """The right border of the tree of `size` entries, from cached subtrees and the trailing leaves."""
    parts = perfect_parts(0, size)
    wanted = [(end - start).bit_length() - 1 for start, end in parts]
    keys = [(level, start >> level) for (start, _), level in zip(parts, wanted, strict=True) if level >= NODE_LEVEL]
    cached: dict[tuple[int, int], str] = {}
    if keys:
        rows = session.execute(
            select(LedgerNodeRow.level, LedgerNodeRow.idx, LedgerNodeRow.hash).where(
                LedgerNodeRow.level.in_({k[0] for k in keys})
                & LedgerNodeRow.idx.in_({k[1] for k in keys})
            )
        )
        cached = {(int(r[0]), int(r[1])): str(r[2]) for r in rows}
    hashes = []
    for (start, end), level in zip(parts, wanted, strict=True):
        key = (level, start >> level)
        if key in cached:
            hashes.append(bytes.fromhex(cached[key]))
        else:  # small trailing subtrees, or a cache row that went missing (verify reports that)
            hashes.append(root(leaf_hashes(session, start + 1, end)))
    return Frontier(size, hashes)


_INSERT = "INSERT INTO ledger_entries (seq, time, kind, actor, payload, prev_hash, hash) VALUES ({},{},{},{},{},{},{})"


def _insert(conn: Connection, entries: Sequence[Entry]) -> None:
    """One executemany straight to the driver: per-row parameter processing would halve the rate."""
    if conn.dialect.name == "sqlite":
        # The text SQLAlchemy's SQLite DateTime stores, so reads see exactly what was hashed.
        sql = _INSERT.format(*"???????")
        rows: list[tuple[Any, ...]] = [
            (e.seq, time_text(e.time), e.kind, e.actor, e.payload, e.prev_hash, e.hash) for e in entries
        ]
    else:
        sql = _INSERT.format(*["%s"] * 7)
        rows = [(e.seq, e.time, e.kind, e.actor, e.payload, e.prev_hash, e.hash) for e in entries]
    conn.exec_driver_sql(sql, rows)


def append_entries(session: Session, items: Sequence[NewEntry], now: datetime | None = None) -> list[Entry]:
    """Append within the caller's transaction (so a record and its ledger entry commit together)."""
    if not items:
        return []
    when = now or datetime.now(UTC)
    prepared = []
    for item in items:
        check_label("kind", item.kind, MAX_KIND)
        check_label("actor", item.actor, MAX_ACTOR)
        prepared.append((item.time or when, item.kind, item.actor, canonical_json(item.data)))
    _lock(session)
    seq, prev = head(session)
    entries = chain(seq + 1, prev, prepared)
    _insert(session.connection(), entries)
    tree = frontier(session, seq)
    nodes = tree.extend((bytes.fromhex(e.hash) for e in entries), min_level=NODE_LEVEL)
    if nodes:
        session.execute(insert(LedgerNodeRow), [{"level": lv, "idx": ix, "hash": h.hex()} for lv, ix, h in nodes])
    return entries


def _event_time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as err:
        raise InputError(f"{where}: time {value!r} is not ISO 8601",
                         ja=f"{where}: 時刻 {value!r} が ISO 8601 ではありません") from err
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_events(text: str, source: str) -> list[NewEntry]:
    """JSON lines of audit events (kind, actor, data, optional ISO time), all checked before any is appended."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{where}: not JSON: {err.msg}", ja=f"{where}: JSON ではありません: {err.msg}") from err
        if not isinstance(obj, dict) or not {"kind", "actor", "data"} <= obj.keys():
            raise InputError(f"{where}: each line needs kind, actor and data (time optional)",
                             ja=f"{where}: 各行に kind・actor・data が必要です(time は任意)")
        kind, actor = str(obj["kind"]), str(obj["actor"])
        check_label("kind", kind, MAX_KIND)
        check_label("actor", actor, MAX_ACTOR)
        canonical_json(obj["data"])
        items.append(NewEntry(kind, actor, obj["data"], _event_time(obj.get("time"), where)))
    return items


def append(store: Store, kind: str, actor: str, data: Any, *, time: datetime | None = None) -> Entry:
    with store.session() as s:
        return append_entries(s, [NewEntry(kind, actor, data, time)])[0]


def append_many(store: Store, items: Iterable[NewEntry], *, batch: int = 10_000) -> tuple[int, int]:
    """Append in transactions of `batch` entries; returns (first seq, last seq), (0, 0) when none."""
    first = last = 0
    chunk: list[NewEntry] = []

    def flush() -> None:
        nonlocal first, last
        with store.session() as s:
            done = append_entries(s, chunk)
        first = first or done[0].seq
        last = done[-1].seq
        chunk.clear()

    for item in items:
        chunk.append(item)
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    return first, last
