"""`ledger verify`: recompute the chain, the subtree cache and every signed checkpoint from the store.

A large ledger is hashed by several processes at once: its whole blocks (verifier.LOG_BLOCK) are cut
into one contiguous segment per worker, each worker reads its segment over its own connection and
checks it in bulk (verifier.hash_block), and this process folds the blocks into the tree in order,
checking the links between them, the cached subtrees and every checkpoint root. From the first block
that does not verify in bulk on, and for the partial block at the end, this process walks the rows
itself, entry by entry where needed, so the first bad entry is named exactly as by one process alone.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from multiprocessing.connection import Connection as PipeEnd
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, String, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from checksheet.errors import IntegrityError, UsageError
from checksheet.ledger import signing
from checksheet.ledger.chain import Row, time_text
from checksheet.ledger.crosscheck import crosscheck
from checksheet.ledger.signing import SignedCheckpoint
from checksheet.ledger.verifier import (
    LOG_BLOCK,
    Block,
    Checkpoint,
    Verification,
    Verified,
    hash_block,
    segments,
    sizes_inside,
)
from checksheet.store import Store
from checksheet.store.models import CheckpointRow, LedgerEntryRow, LedgerNodeRow

#: Rows fetched at a time. SQLite: a batch whose rows stay in the CPU cache reads fastest (20,000 rows at
#: a time took half as long again as 1,000, measured). PostgreSQL: each batch is a round trip.
SQLITE_BATCH = 1 << LOG_BLOCK
SERVER_BATCH = 20_000
#: Fewer entries than this (in whole blocks) are verified by this process alone: starting workers and
#: opening their connections would cost more than they save.
PARALLEL_FROM = 200_000
#: At most this many worker processes, so that a large server does not open a connection per core.
MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    id: int
    signed: SignedCheckpoint


def time_column(conn: Connection) -> ColumnElement[str]:
    """The entry time as the chain hashes it, rendered by the database itself (no per-row parsing)."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", LedgerEntryRow.time), "YYYY-MM-DD HH24:MI:SS.US")
    # SQLite keeps SQLAlchemy's storage text, "YYYY-MM-DD HH:MM:SS.ffffff": exactly the hashed form.
    return type_coerce(LedgerEntryRow.time, String)


def stream_parts(
    conn: Connection, first: int | None = None, last: int | None = None, size: int | None = None
) -> Generator[Sequence[Row], None, None]:
    """Rows in seq order, numbered first..last (None: no bound), `size` at a time (default: the dialect's batch).

    Whatever numbers the rows hold, so strays are seen too. On SQLite seq is the rowid (migration
    0003), so this is a straight walk of the table.
    """
    stmt = select(
        LedgerEntryRow.seq, time_column(conn), LedgerEntryRow.kind, LedgerEntryRow.actor,
        LedgerEntryRow.payload, LedgerEntryRow.prev_hash, LedgerEntryRow.hash,
    ).order_by(LedgerEntryRow.seq)
    if first is not None:
        stmt = stmt.where(LedgerEntryRow.seq >= first)
    if last is not None:
        stmt = stmt.where(LedgerEntryRow.seq <= last)
    if conn.dialect.name == "sqlite":
        size = size or SQLITE_BATCH
        # Straight from the driver's cursor: SQLAlchemy's per-row result handling would double the cost,
        # and these columns need no conversion (the time is read as the stored text).
        compiled = stmt.compile(dialect=conn.dialect)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(str(compiled), [compiled.params[name] for name in compiled.positiontup or ()])
        try:
            while part := cursor.fetchmany(size):
                yield part
        finally:
            cursor.close()
        return
    # Statement-level: Connection.execution_options would change the (session's) connection for good.
    size = size or SERVER_BATCH
    result = conn.execute(stmt.execution_options(yield_per=size))
    for part in result.partitions(size):
        yield part  # Row objects: they unpack and index like the tuples SQLite gives


def stream_rows(conn: Connection, first: int | None = None, last: int | None = None) -> Generator[Row, None, None]:
    """Every row in seq order (from `first` on, up to `last`): whatever numbers it holds, so strays are seen too."""
    with closing(stream_parts(conn, first, last)) as parts:
        for part in parts:
            yield from part


def _head(conn: Connection) -> int:
    return int(conn.execute(select(func.max(LedgerEntryRow.seq))).scalar() or 0)


def stored_checkpoints(conn: Connection) -> list[StoredCheckpoint]:
    rows = conn.execute(select(CheckpointRow).order_by(CheckpointRow.tree_size, CheckpointRow.id))
    return [
        StoredCheckpoint(
            r.id, SignedCheckpoint(int(r.tree_size), r.root_hash, time_text(r.time), r.key_id, r.signature)
        )
        for r in rows
    ]


def checked(cps: Sequence[tuple[str, SignedCheckpoint]], key: Ed25519PublicKey | None) -> list[Checkpoint]:
    """Checkpoints whose signatures verify, as roots to hold the ledger to; a bad one is an integrity failure."""
    if cps and key is None:
        raise UsageError(
            "cannot check signed checkpoints without the public key: pass --public-key or run in the project",
            ja="公開鍵がないため署名付きチェックポイントを検証できません: --public-key を指定してください",
        )
    out = []
    for source, cp in cps:
        assert key is not None
        if not signing.signature_valid(key, cp):
            raise IntegrityError(
                f"the checkpoint of tree size {cp.tree_size} ({source}) has an invalid signature or unknown key",
                ja=f"ツリーサイズ {cp.tree_size} のチェックポイント({source})の署名が不正、または鍵が異なります",
            )
        out.append(Checkpoint(cp.tree_size, cp.root_hash, source))
    return out


def worker_count() -> int:
    """The CPUs this process may use, at most MAX_WORKERS; 1 where processes cannot be forked."""
    if sys.platform != "linux":  # "fork" is safe on Linux only; spawning would re-import everything per worker
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def _shared_database(store: Store) -> bool:
    """Whether another process opening the store's URL sees the same data (not an in-memory SQLite)."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite":
        return True
    return url.database not in (None, "", ":memory:") and url.query.get("mode") != "memory"


@dataclass(frozen=True, slots=True)
class Segment:
    """One worker's share: the whole blocks of entries start+1 .. end."""

    url: str
    start: int
    end: int
    log_block: int
    node_level: int | None  #: None: the cache is not compared
    sizes: tuple[int, ...]  #: every checkpoint's tree size, sorted


def hash_segment(seg: Segment) -> list[Block | None]:
    """In a worker process: the segment's blocks in order, ending early with None at one that does not verify."""
    store = Store(seg.url)  # its own engine: no database connection may cross a fork
    block = 1 << seg.log_block
    out: list[Block | None] = []
    # Nothing here makes reference cycles: the collector would only keep walking the rows and whatever the
    # worker inherited (about 3% of its time, measured on 1M entries).
    gc.disable()
    try:
        with store.engine.connect() as conn:
            # The first segment has no lower bound, so that rows numbered below 1 are read (and fail it).
            parts = stream_parts(conn, seg.start + 1 if seg.start else None, seg.end, block)
            with closing(parts):
                start = seg.start
                for part in parts:
                    hashed = hash_block(part, start, seg.log_block, seg.node_level,
                                        sizes_inside(seg.sizes, start, start + block))
                    out.append(hashed)
                    if hashed is None:
                        break  # the parent walks on from here entry by entry; nothing after it counts
                    start += block
    finally:
        store.dispose()
        gc.enable()
    return out


def _hash_segment_into(seg: Segment, answer: PipeEnd) -> None:
    """A worker's whole life: hash its segment, send the blocks, exit. Any failure sends no blocks: the
    parent then reads that segment itself and reports what it finds there (with the real error)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the process group: the parent ends workers
    try:
        blocks = hash_segment(seg)
    except Exception:  # reported by the parent's own read of the segment
        blocks = []
    try:
        answer.send(blocks)
    finally:
        answer.close()


def _fold_segments(store: Store, p: Verification, tasks: Sequence[Segment]) -> None:
    """Hash the segments in worker processes and fold their blocks in order into `p`, stopping at the
    first that does not verify in bulk or does not follow on (the caller walks on from p.size).

    One process and one pipe per segment, nothing shared: ending the workers early (a fault, Ctrl-C)
    cannot leave a lock held, as ending a multiprocessing.Pool mid-task can.
    """
    # SQLite's rule: no open connection may be carried across fork(). The workers open their own.
    store.engine.dispose()
    fork = multiprocessing.get_context("fork")
    started: list[tuple[Segment, Any, PipeEnd]] = []
    try:
        for task in tasks:
            receive, send = fork.Pipe(duplex=False)
            worker = fork.Process(target=_hash_segment_into, args=(task, send), daemon=True)
            worker.start()
            send.close()  # this process keeps only the receiving end: EOF when the worker is gone
            started.append((task, worker, receive))
        for task, _, receive in started:
            try:
                blocks: list[Block | None] = receive.recv()
            except EOFError:  # the worker died without an answer
                return
            for block in blocks:
                if block is None or not p.add_block(block):
                    return
            if p.size != task.end:  # rows missing at the end of the segment, or a worker that failed
                return
    finally:
        for _, worker, receive in started:
            receive.close()
            if worker.is_alive():
                worker.terminate()
            worker.join()


def verify(
    store: Store,
    key: Ed25519PublicKey | None,
    exported: Sequence[tuple[str, SignedCheckpoint]] = (),
    *,
    tables: bool = True,
    workers: int | None = None,
    log_block: int = LOG_BLOCK,
    parallel_from: int = PARALLEL_FROM,
) -> Verified:
    """Recompute everything; raise IntegrityError naming the first bad entry.

    With `tables`, also hold records, scans (with their findings) and answered sheets to their entries.
    `workers` (default: worker_count()), `log_block` and `parallel_from` set how the entries are shared
    among processes; tests make them small.
    """
    # The ledger is a live audit sink: appends may commit while this runs. It verifies the entries that
    # existed when it began (`last`), which appends never change, and leaves later ones to the next run.
    # Read in this order, every checkpoint is within `last`; a cached subtree past it is a concurrent
    # append's only if its entries exist by the time the cache has been read (an append commits both).
    with store.engine.connect() as conn:
        stored = [(f"stored checkpoint #{c.id}", c.signed) for c in stored_checkpoints(conn)]
        holds = checked([*stored, *exported], key)
        last = _head(conn)
        nodes = {
            (int(lv), int(ix)): str(h)
            for lv, ix, h in conn.execute(select(LedgerNodeRow.level, LedgerNodeRow.idx, LedgerNodeRow.hash))
        }
        appended = _head(conn)
    # Subtrees covering entries that exist only since `last` are set aside; one beyond every entry stays,
    # to be reported as a truncation.
    nodes = {k: h for k, h in nodes.items() if not last < (k[1] + 1) << k[0] <= appended}
    p = Verification(holds, nodes, log_block=log_block)
    shares = segments(last, worker_count() if workers is None else workers, log_block)
    if len(shares) < 2 or shares[-1][1] < parallel_from or not _shared_database(store):
        shares = []
    if shares:
        node_level = p.node_level if p.compare else None
        _fold_segments(store, p, [Segment(store.url, a, b, log_block, node_level, tuple(p.target_sizes))
                                  for a, b in shares])
    with store.engine.connect() as conn, closing(stream_rows(conn, p.size + 1 if p.size else None, last)) as rows:
        p.feed(rows)  # the partial block at the end, or everything from the first block that failed in bulk
    result = p.result(workers=len(shares) or 1)
    if tables:
        crosscheck(store)
    return result
