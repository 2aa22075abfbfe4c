"""`ledger verify`: recompute the chain, the subtree cache and every signed checkpoint from the store."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, String, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from checksheet.errors import IntegrityError, UsageError
from checksheet.ledger import signing
from checksheet.ledger.chain import Row, time_text
from checksheet.ledger.crosscheck import crosscheck
from checksheet.ledger.signing import SignedCheckpoint
from checksheet.ledger.verifier import Checkpoint, Verified, verify_rows
from checksheet.store import Store
from checksheet.store.models import CheckpointRow, LedgerEntryRow, LedgerNodeRow

STREAM_BATCH = 20_000


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


def stream_rows(conn: Connection, first: int | None = None) -> Generator[Row, None, None]:
    """Every row in seq order (from `first` on): whatever numbers it holds, so strays are seen too."""
    stmt = select(
        LedgerEntryRow.seq, time_column(conn), LedgerEntryRow.kind, LedgerEntryRow.actor,
        LedgerEntryRow.payload, LedgerEntryRow.prev_hash, LedgerEntryRow.hash,
    ).order_by(LedgerEntryRow.seq)
    if first is not None:
        stmt = stmt.where(LedgerEntryRow.seq >= first)
    if conn.dialect.name == "sqlite":
        # Straight from the driver's cursor: SQLAlchemy's per-row result handling would double the cost,
        # and these columns need no conversion (the time is read as the stored text).
        compiled = stmt.compile(dialect=conn.dialect)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.arraysize = STREAM_BATCH
        cursor.execute(str(compiled), [compiled.params[name] for name in compiled.positiontup or ()])
        try:
            yield from cursor
        finally:
            cursor.close()
        return
    # Statement-level: Connection.execution_options would change the (session's) connection for good.
    result = conn.execute(stmt.execution_options(yield_per=STREAM_BATCH))
    for part in result.partitions():
        yield from part


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


def verify(
    store: Store,
    key: Ed25519PublicKey | None,
    exported: Sequence[tuple[str, SignedCheckpoint]] = (),
    *,
    tables: bool = True,
) -> Verified:
    """Recompute everything; raise IntegrityError naming the first bad entry.

    With `tables`, also hold records, scans (with their findings) and answered sheets to their entries.
    """
    with store.engine.connect() as conn:
        stored = [(f"stored checkpoint #{c.id}", c.signed) for c in stored_checkpoints(conn)]
        holds = checked([*stored, *exported], key)
        nodes = {
            (int(lv), int(ix)): str(h)
            for lv, ix, h in conn.execute(select(LedgerNodeRow.level, LedgerNodeRow.idx, LedgerNodeRow.hash))
        }
        with closing(stream_rows(conn)) as rows:  # closed while the connection is still open
            result = verify_rows(rows, checkpoints=holds, nodes=nodes)
    if tables:
        crosscheck(store)
    return result
