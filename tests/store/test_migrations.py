"""Migrations keep what they move: a 0002 database with a ledger upgrades to the head, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from checksheet.ledger import NewEntry, append_many, checkpoint, signing, verify
from checksheet.store import Store
from checksheet.store.models import Base

KEY = signing.generate()


def stored_rows(store: Store) -> list[tuple[object, ...]]:
    """The ledger as stored: on SQLite each value's storage class and bytes, not what the driver makes of them."""
    if store.engine.dialect.name == "sqlite":
        cols = ", ".join(f"typeof({c}), hex({c})" for c in ("seq", "time", "kind", "actor", "payload", "prev_hash",
                                                            "hash"))
        query = f"SELECT {cols} FROM ledger_entries ORDER BY seq"
    else:
        query = "SELECT * FROM ledger_entries ORDER BY seq"
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(query))]


def seq_order_plan(store: Store) -> str:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT * FROM ledger_entries ORDER BY seq").all()
    return " ".join(str(row[-1]) for row in rows)


def test_a_0002_ledger_upgrades_row_for_row_and_still_verifies(store: Store) -> None:
    command.downgrade(store._alembic(), "0002")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    append_many(store, (NewEntry("app.login", f"user{i % 3}", {"i": i, "msg": "監査"}, t0 + timedelta(seconds=i))
                        for i in range(100)))
    checkpoint.create(store, KEY)
    sqlite = store.engine.dialect.name == "sqlite"
    if sqlite:  # 0002's BIGINT key is an index beside the rowid: reading in seq order goes through it
        assert "sqlite_autoindex_ledger_entries" in seq_order_plan(store)
    before = stored_rows(store)
    assert len(before) == 100

    store.upgrade()

    assert store.is_current()
    assert stored_rows(store) == before
    assert verify.verify(store, KEY.public_key()).size == 100
    if sqlite:  # seq is the rowid now: a straight walk of the table
        assert seq_order_plan(store) == "SCAN ledger_entries"
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
