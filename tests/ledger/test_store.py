"""The ledger over a real store, SQLite and PostgreSQL: appends verify clean, direct SQL tampering is
named, checkpoints hold the ledger to its signed past, proofs fold back to the signed root."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger import NewEntry, append, append_many, chain, checkpoint, export, merkle, prove, signing, verify
from checksheet.ledger.append import parse_events
from checksheet.store import Store, open_store
from checksheet.store.models import LedgerEntryRow

KEY = signing.generate()
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))


def fill(store: Store, n: int, start: int = 0) -> None:
    append_many(store, (NewEntry(f"app.event{i % 4}", f"user{i % 3}", {"i": i, "msg": "ログイン"},
                                 T0 + timedelta(microseconds=i * 1001)) for i in range(start, start + n)), batch=40)


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def named(err: IntegrityError) -> int:
    match = re.search(r"entr(?:y|ies) (\d+)", str(err))
    assert match, str(err)
    return int(match.group(1))


#: How verify shares the entries among processes: this one alone, and two workers forced on a small ledger,
#: with blocks of 8 entries (cached subtrees folded here) and of 64 (the workers hash the cached level).
MODES: dict[str, dict[str, Any]] = {
    "one process": {},
    "2 workers, blocks of 8": {"workers": 2, "log_block": 3, "parallel_from": 0},
    "2 workers, blocks of 64": {"workers": 2, "log_block": 6, "parallel_from": 0},
}


@pytest.fixture
def ledger(store: Store) -> Store:
    """150 entries, signed at 64 and at 150: two subtree levels cached, two checkpoints."""
    fill(store, 64)
    checkpoint.create(store, KEY)
    fill(store, 86, start=64)
    checkpoint.create(store, KEY)
    return store


@pytest.mark.parametrize("mode", MODES)
def test_untouched_ledger_verifies_and_the_database_renders_the_hashed_time(ledger: Store, mode: str) -> None:
    result = verify.verify(ledger, KEY.public_key(), **MODES[mode])
    assert (result.size, result.checkpoints, result.nodes) == (150, 2, 3)
    assert result.workers == MODES[mode].get("workers", 1)
    assert result.root_hash == merkle.root(bytes.fromhex(e) for e in _hashes(ledger)).hex()
    with ledger.engine.connect() as conn:
        rendered = {row[0]: row[1] for row in verify.stream_rows(conn)}
    assert rendered[1] == chain.time_text(T0) == "2026-03-01 00:30:00.000000"
    assert rendered[150] == chain.time_text(T0 + timedelta(microseconds=149 * 1001))


TAMPERING: dict[str, tuple[str, int]] = {
    "payload edited": ("UPDATE ledger_entries SET payload = replace(payload, '41', '40') WHERE seq = 42", 42),
    "actor edited": ("UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 7", 7),
    "kind edited": ("UPDATE ledger_entries SET kind = 'app.nothing' WHERE seq = 150", 150),
    "hash edited": ("UPDATE ledger_entries SET hash = prev_hash WHERE seq = 90", 90),
    "prev_hash edited": ("UPDATE ledger_entries SET prev_hash = hash WHERE seq = 3", 3),
    "entry deleted": ("DELETE FROM ledger_entries WHERE seq = 50", 50),
    "first entry deleted": ("DELETE FROM ledger_entries WHERE seq = 1", 1),
    "tail truncated": ("DELETE FROM ledger_entries WHERE seq > 120", 121),
    "renumbered": ("UPDATE ledger_entries SET seq = seq + 1000 WHERE seq = 30", 30),
    "entry inserted at the end": (
        "INSERT INTO ledger_entries (seq, time, kind, actor, payload, prev_hash, hash) "
        "SELECT 151, time, kind, actor, payload, hash, prev_hash FROM ledger_entries WHERE seq = 150", 151),
    "entry inserted before the first": (
        "INSERT INTO ledger_entries (seq, time, kind, actor, payload, prev_hash, hash) "
        "SELECT 0, time, kind, actor, payload, prev_hash, hash FROM ledger_entries WHERE seq = 1", 1),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_direct_sql_tampering_is_named(ledger: Store, case: str, mode: str) -> None:
    statement, seq = TAMPERING[case]
    sql(ledger, statement)
    with pytest.raises(IntegrityError) as err:
        verify.verify(ledger, KEY.public_key(), **MODES[mode])
    assert named(err.value) == seq, str(err.value)
    assert err.value.exit_code == 3


@pytest.mark.parametrize("mode", MODES)
def test_a_time_shift_is_named(ledger: Store, mode: str) -> None:
    sql(ledger, "UPDATE ledger_entries SET time = :t WHERE seq = 77", t=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(IntegrityError) as err:
        verify.verify(ledger, KEY.public_key(), **MODES[mode])
    assert named(err.value) == 77


@pytest.mark.parametrize("mode", MODES)
def test_reordered_entries_are_named(ledger: Store, mode: str) -> None:
    sql(ledger, "UPDATE ledger_entries SET seq = -1 WHERE seq = 10")
    sql(ledger, "UPDATE ledger_entries SET seq = 10 WHERE seq = 11")
    sql(ledger, "UPDATE ledger_entries SET seq = 11 WHERE seq = -1")
    with pytest.raises(IntegrityError) as err:
        verify.verify(ledger, KEY.public_key(), **MODES[mode])
    assert named(err.value) == 10


@pytest.mark.parametrize("mode", MODES)
def test_an_altered_or_deleted_subtree_cache_row_is_reported(ledger: Store, mode: str) -> None:
    sql(ledger, "UPDATE ledger_nodes SET hash = :h WHERE level = 6 AND idx = 1", h="ab" * 32)
    with pytest.raises(IntegrityError, match=r"entries 65\.\.128"):
        verify.verify(ledger, KEY.public_key(), **MODES[mode])
    sql(ledger, "DELETE FROM ledger_nodes WHERE level = 6 AND idx = 0")
    with pytest.raises(IntegrityError, match=r"entries 1\.\.64"):
        verify.verify(ledger, KEY.public_key(), **MODES[mode])


def test_an_altered_checkpoint_fails_its_signature(ledger: Store) -> None:
    sql(ledger, "UPDATE ledger_checkpoints SET root_hash = :h WHERE tree_size = 64", h="00" * 32)
    with pytest.raises(IntegrityError, match=r"tree size 64.*invalid signature"):
        verify.verify(ledger, KEY.public_key())


def test_a_checkpoint_signed_by_another_key_does_not_count(ledger: Store) -> None:
    with pytest.raises(IntegrityError, match="unknown key"):
        verify.verify(ledger, signing.generate().public_key())


def forge_tail(store: Store, from_seq: int) -> None:
    """What an attacker with the database but not the key can do: rewrite entries from `from_seq` on
    with fresh hashes, rebuild the cache and drop the checkpoints the key signed."""
    with store.engine.begin() as conn:
        prev = conn.execute(text("SELECT hash FROM ledger_entries WHERE seq = :s"), {"s": from_seq - 1}).scalar_one()
        n = conn.execute(text("SELECT max(seq) FROM ledger_entries")).scalar_one()
        conn.execute(text("DELETE FROM ledger_entries WHERE seq >= :s"), {"s": from_seq})
        conn.execute(text("DELETE FROM ledger_nodes"))
        conn.execute(text("DELETE FROM ledger_checkpoints"))
    forged = chain.chain(from_seq, prev, [(T0.astimezone(UTC), "app.event0", "mallory", "{}")] * (n - from_seq + 1))
    with store.engine.begin() as conn:
        conn.execute(insert(LedgerEntryRow),
                     [{"seq": e.seq, "time": e.time, "kind": e.kind, "actor": e.actor, "payload": e.payload,
                       "prev_hash": e.prev_hash, "hash": e.hash} for e in forged])
        stored = conn.execute(text("SELECT hash FROM ledger_entries ORDER BY seq")).scalars()
        hashes = [bytes.fromhex(h) for h in stored]
        for level, idx, h in merkle.Frontier().extend(hashes, min_level=chain.NODE_LEVEL):
            conn.execute(text("INSERT INTO ledger_nodes (level, idx, hash) VALUES (:l, :i, :h)"),
                         {"l": level, "i": idx, "h": h.hex()})


@pytest.mark.parametrize("mode", MODES)
def test_a_rewritten_history_is_caught_by_exported_checkpoints(ledger: Store, tmp_path: Path, mode: str) -> None:
    stored = [c.signed for c in _stored(ledger)]
    export.export(str(tmp_path / "cps"), stored)
    forge_tail(ledger, 100)
    verify.verify(ledger, KEY.public_key(), **MODES[mode])  # consistent on its own: why checkpoints leave the database
    with pytest.raises(IntegrityError, match=r"entries 65\.\.150 were rewritten"):
        verify.verify(ledger, KEY.public_key(), export.load(str(tmp_path / "cps")), **MODES[mode])
    # Re-signing the forgery leaves the folder holding a different checkpoint of the same size.
    made = checkpoint.create(ledger, KEY)
    assert made is not None
    with pytest.raises(IntegrityError, match="already holds a different checkpoint of tree size 150"):
        export.export(str(tmp_path / "cps"), [made.signed])


@pytest.mark.parametrize("mode", MODES)
def test_exported_checkpoints_reveal_truncation(ledger: Store, tmp_path: Path, mode: str) -> None:
    export.export(str(tmp_path), [c.signed for c in _stored(ledger)])
    sql(ledger, "DELETE FROM ledger_entries WHERE seq > 100")
    sql(ledger, "DELETE FROM ledger_nodes")
    sql(ledger, "DELETE FROM ledger_checkpoints")
    with pytest.raises(IntegrityError) as err:
        verify.verify(ledger, KEY.public_key(), export.load(str(tmp_path)), **MODES[mode])
    assert named(err.value) == 101


def test_a_damaged_exported_checkpoint_is_an_integrity_failure(ledger: Store, tmp_path: Path) -> None:
    export.export(str(tmp_path), [c.signed for c in _stored(ledger)])
    (tmp_path / "checkpoint-000000000064.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IntegrityError, match=r"checkpoint-000000000064\.json is damaged"):
        export.load(str(tmp_path))


def test_checkpoint_refuses_to_sign_a_ledger_that_does_not_extend_the_last(ledger: Store) -> None:
    fill(ledger, 5, start=150)
    sql(ledger, "UPDATE ledger_nodes SET hash = :h WHERE level = 7", h="cd" * 32)
    with pytest.raises(IntegrityError, match=r"entries 1\.\.150 no longer match"):
        checkpoint.create(ledger, KEY)


def test_checkpoint_refuses_to_sign_entries_altered_since_the_last(ledger: Store) -> None:
    fill(ledger, 5, start=150)
    sql(ledger, "UPDATE ledger_entries SET payload = replace(payload, '152', '0') WHERE seq = 153")
    with pytest.raises(IntegrityError) as err:
        checkpoint.create(ledger, KEY)
    assert named(err.value) == 153


def test_checkpoints_are_periodic_and_not_repeated(ledger: Store) -> None:
    assert checkpoint.create(ledger, KEY).created is False  # type: ignore[union-attr]
    assert not checkpoint.due(ledger)
    append(ledger, "app.x", "u", {})
    assert not checkpoint.due(ledger)  # one entry, signed an instant ago
    assert checkpoint.due(ledger, every=1)
    assert checkpoint.due(ledger, datetime.now(UTC) + timedelta(hours=2))


@pytest.mark.parametrize("seq", [1, 2, 63, 64, 65, 100, 128, 129, 150])
def test_inclusion_proofs_fold_to_the_signed_root(ledger: Store, seq: int) -> None:
    latest = checkpoint.latest(ledger)
    assert latest is not None
    proof = prove.prove(ledger, seq, latest.signed)
    assert proof.tree_size == 150 and proof.checkpoint == latest.signed
    assert merkle.verify_inclusion(bytes.fromhex(proof.entry.hash), seq - 1, 150,
                                   [bytes.fromhex(h) for h in proof.hashes], bytes.fromhex(latest.signed.root_hash))
    early = min(_stored(ledger), key=lambda c: c.signed.tree_size).signed
    in_early = prove.prove(ledger, seq, early)
    assert in_early.tree_size == (64 if seq <= 64 else 150)


def test_a_proof_beyond_the_newest_checkpoint_uses_the_current_tree(ledger: Store) -> None:
    fill(ledger, 3, start=150)
    latest = checkpoint.latest(ledger)
    proof = prove.prove(ledger, 153, latest.signed if latest else None)
    assert proof.tree_size == 153 and proof.checkpoint is None
    assert proof.root_hash == verify.verify(ledger, KEY.public_key()).root_hash


def test_a_proof_of_an_altered_entry_is_refused(ledger: Store) -> None:
    sql(ledger, "UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 12")
    with pytest.raises(IntegrityError, match="entry 12 was altered"):
        prove.prove(ledger, 12)


def test_export_streams_every_entry_with_a_proof_of_the_same_tree(ledger: Store) -> None:
    latest = checkpoint.latest(ledger)
    assert latest is not None
    lines = list(prove.export_entries(ledger, 140, latest.signed))
    assert [e["seq"] for e in lines] == list(range(140, 151))
    for e in lines:
        assert merkle.verify_inclusion(bytes.fromhex(e["hash"]), e["seq"] - 1, 150,
                                       [bytes.fromhex(h) for h in e["proof"]], bytes.fromhex(latest.signed.root_hash))
        assert chain.entry_hash(e["seq"], e["time"], e["kind"], e["actor"], e["payload"], e["prev_hash"]) == e["hash"]


def test_concurrent_appenders_never_share_a_sequence_number(store: Store) -> None:
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for i in range(15):
                append(store, "app.x", name, {"i": i})
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert verify.verify(store, None).size == 45


def test_bad_event_lines_are_refused_before_anything_is_appended(store: Store) -> None:
    good = '{"kind": "app.login", "actor": "alice", "time": "2026-03-01T09:00:00+09:00", "data": {"ok": true}}'
    assert parse_events(good, "-")[0].time == datetime(2026, 3, 1, tzinfo=UTC)
    for bad, why in [("{", "not JSON"), ('{"kind": "k", "actor": "a"}', "needs kind, actor and data"),
                     ('{"kind": "k\\n", "actor": "a", "data": 1}', "control characters"),
                     ('{"kind": "k", "actor": "a", "data": 1, "time": "yesterday"}', "not ISO 8601")]:
        with pytest.raises(InputError, match=why):
            parse_events(f"{good}\n{bad}\n", "events.jsonl")


def _stored(store: Store) -> list[verify.StoredCheckpoint]:
    with store.engine.connect() as conn:
        return verify.stored_checkpoints(conn)




def _hashes(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(text("SELECT hash FROM ledger_entries ORDER BY seq")).scalars())


@pytest.mark.parametrize("mode", MODES)
def test_checkpoints_that_end_inside_a_block_hold_the_ledger(store: Store, tmp_path: Path, mode: str) -> None:
    """Signed at 37, 100 and 150: with blocks of 8 or 64 entries, 37 ends inside a block of the first
    worker's segment and 100 inside one of the second's."""
    fill(store, 37)
    checkpoint.create(store, KEY)
    fill(store, 63, start=37)
    checkpoint.create(store, KEY)
    fill(store, 50, start=100)
    checkpoint.create(store, KEY)
    result = verify.verify(store, KEY.public_key(), **MODES[mode])
    assert (result.size, result.checkpoints) == (150, 3)
    export.export(str(tmp_path), [c.signed for c in _stored(store)])
    forge_tail(store, 95)  # consistent, so its blocks verify in bulk: only the roots at 37 and 100 can tell
    with pytest.raises(IntegrityError, match=r"entries 38\.\.100 were rewritten"):
        verify.verify(store, KEY.public_key(), export.load(str(tmp_path)), **MODES[mode])


def test_an_in_memory_database_is_verified_by_this_process_alone() -> None:
    """Workers open their own connections, and an in-memory SQLite is another, empty database to them."""
    memory = open_store("sqlite://")
    fill(memory, 40)
    result = verify.verify(memory, None, workers=2, log_block=3, parallel_from=0)
    assert (result.size, result.workers) == (40, 1)
    memory.dispose()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("when", ["before the cache is read", "after the cache is read"])
def test_entries_appended_while_verifying_are_left_to_the_next_run(
    ledger: Store, mode: str, when: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live audit sink keeps appending: its entries and cached subtrees are no alarm, only not yet verified."""
    appended: list[int] = []

    def append_now() -> None:
        if not appended:
            appended.append(1)
            fill(ledger, 200, start=150)  # commits entries with their new cached subtrees (64 and 128 wide)

    if when == "before the cache is read":
        real_head = verify._head

        def head_then_append(conn: Any) -> int:
            value = real_head(conn)
            append_now()
            return value

        monkeypatch.setattr(verify, "_head", head_then_append)
    else:
        real_rows = verify.stream_rows

        def append_then_rows(conn: Any, first: int | None = None, last: int | None = None) -> Any:
            append_now()
            return real_rows(conn, first, last)

        monkeypatch.setattr(verify, "stream_rows", append_then_rows)
    assert verify.verify(ledger, KEY.public_key(), **MODES[mode]).size == 150
    assert appended
    monkeypatch.undo()
    assert verify.verify(ledger, KEY.public_key(), **MODES[mode]).size == 350
