"""`checksheet ledger ...` end to end on SQLite and PostgreSQL: exit 0 when intact, exit 3 with one
line naming the entry or file when not, exit 2 for bad input with nothing appended."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sqlalchemy import text

from checksheet.config import Settings
from checksheet.ledger import merkle
from checksheet.store import Store
from tests.cli_runner import Result


def one_line(result: Result) -> str:
    lines = [ln for ln in result.err.splitlines() if ln.strip()]
    assert len(lines) == 1, result.err
    return lines[0]


def test_init_creates_an_owner_only_key_that_is_never_printed(cli, project: Settings) -> None:  # type: ignore[no-untyped-def]
    key = project.state_dir / "ledger-ed25519.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = cli("init")
    assert "PRIVATE" not in again.out + again.err
    pem = key.read_bytes()
    assert cli("init").code == 0 and key.read_bytes() == pem  # kept, not replaced
    public = cli("ledger", "export-key")
    assert public.code == 0 and public.out.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in public.out


def test_append_verify_prove_export(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("ledger", "append", "--kind", "app.login", "--actor", "alice", "--data", '{"ip": "10.0.0.5"}').code == 0
    events = tmp_path / "events.jsonl"
    events.write_text("".join(
        json.dumps({"kind": "app.role_change", "actor": "admin", "time": "2026-03-01T09:00:00+09:00",
                    "data": {"user": f"u{i}", "role": "viewer"}}) + "\n" for i in range(20)), encoding="utf-8")
    appended = cli("ledger", "append", "--jsonl", str(events), "--format", "json")
    assert json.loads(appended.out) == {"first": 2, "last": 21, "count": 20}
    made = cli("ledger", "checkpoint", "--export", str(tmp_path / "cps"), "--format", "json")
    assert made.code == 0 and json.loads(made.out)["checkpoint"]["tree_size"] == 21
    verified = cli("ledger", "verify", "--against", str(tmp_path / "cps"), "--format", "json")
    assert verified.code == 0
    report = json.loads(verified.out)
    # Signed at the first append (the first checkpoint is always due) and on request; both exported too.
    assert report["ok"] and report["entries"] == 21 and report["checkpoints"] == 4
    proof = json.loads(cli("ledger", "prove", "7").out)
    assert proof["tree_size"] == 21 and proof["checkpoint"]["root_hash"] == report["root_hash"]
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 6, 21,
                                   [bytes.fromhex(h) for h in proof["hashes"]], bytes.fromhex(report["root_hash"]))
    lines = cli("ledger", "export", "--since", "19").out.splitlines()
    assert [json.loads(ln)["seq"] for ln in lines] == [19, 20, 21]
    assert json.loads(lines[0])["data"] == {"user": "u17", "role": "viewer"}


def test_tampering_exits_3_naming_the_entry(cli, store: Store) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        cli("ledger", "append", "--kind", "app.login", "--actor", "alice", "--data", json.dumps({"i": i}))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET actor = 'mallory' WHERE seq = 3"))
    result = cli("ledger", "verify")
    assert result.code == 3
    assert "ledger entry 3 was altered" in one_line(result)
    assert cli("ledger", "prove", "3").code == 3


def test_deleted_entries_exit_3(cli, store: Store) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        cli("ledger", "append", "--kind", "k", "--actor", "a", "--data", str(i))
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = 2"))
    result = cli("ledger", "verify")
    assert result.code == 3 and "entry 2 is missing" in one_line(result)


def test_bad_input_exits_2_with_one_line_and_appends_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = tmp_path / "events.jsonl"
    events.write_text('{"kind": "k", "actor": "a", "data": 1}\n{"kind": "k", "actor": "a"\n', encoding="utf-8")
    result = cli("ledger", "append", "--jsonl", str(events))
    assert result.code == 2 and "events.jsonl:2: not JSON" in one_line(result)
    bad = cli("ledger", "append", "--kind", "k", "--actor", "a", "--data", "{oops")
    assert bad.code == 2 and "--data is not JSON" in one_line(bad)
    assert cli("ledger", "append", "--kind", "k").code == 2
    assert json.loads(cli("ledger", "verify", "--format", "json").out)["entries"] == 0


def test_seal_and_verify_seal(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "audit.log"
    log.write_bytes(b"type=USER_AUTH msg=audit(1767225600.1:1): res=success\n" * 200)
    assert cli("ledger", "seal", "--chunk-size", "1024", str(log)).code == 0
    ok = cli("ledger", "verify-seal", str(log), "--format", "json")
    assert ok.code == 0 and json.loads(ok.out)[0]["state"] == "intact"
    with log.open("r+b") as fh:
        fh.seek(4000)
        fh.write(b"X")
    bad = cli("ledger", "verify-seal", "--format", "json")
    assert bad.code == 3
    assert json.loads(bad.out)[0]["chunk"] == 3
    assert "audit.log: changed since it was sealed: first difference in chunk 3" in one_line(bad)
    assert cli("ledger", "seal", str(log)).code == 3
    log.unlink()
    gone = cli("ledger", "verify-seal", str(log))
    assert gone.code == 3 and "was deleted" in one_line(gone)
    # The seals and their checkpoints are themselves in the ledger.
    assert cli("ledger", "verify").code == 0


def test_a_key_readable_by_others_is_refused(cli, project: Settings) -> None:  # type: ignore[no-untyped-def]
    key = project.state_dir / "ledger-ed25519.pem"
    key.chmod(0o644)
    result = cli("ledger", "checkpoint")
    assert result.code == 2 and "chmod 600" in one_line(result)
