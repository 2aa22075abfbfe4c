"""Sealing real log files: growth sealed incrementally, gzip rotations followed, and every kind of
tampering reported with the file and the first bad chunk."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from checksheet.errors import InputError, IntegrityError
from checksheet.ledger import seal, verify
from checksheet.ledger.seal import SealState
from checksheet.store import Store

CHUNK = 1024
AUDIT_LINE = (b'type=USER_LOGIN msg=audit(1767225600.123:42): pid=811 uid=0 auid=1000 ses=3 '
              b'msg=\'op=login id=1000 exe="/usr/sbin/sshd" hostname=10.0.0.5 addr=10.0.0.5 res=success\'\n')


def write_log(path: Path, lines: int, start: int = 0) -> None:
    with path.open("ab") as fh:
        for i in range(start, start + lines):
            fh.write(AUDIT_LINE.replace(b":42)", f":{i})".encode()))


def states(reports: list[seal.SealReport]) -> list[str]:
    return [r.state.value for r in reports]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "audit.log"
    write_log(path, 100)  # ~16 KiB: 16 chunks
    return path


def test_seal_then_verify_intact(store: Store, log: Path) -> None:
    [sealed] = seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    assert sealed.state is SealState.SEALED and sealed.sealed_bytes == log.stat().st_size
    assert states(seal.verify_paths(store, [log])) == ["intact"]
    assert states(seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)) == ["unchanged"]
    assert verify.verify(store, None).size == 1  # the seal is chained into the ledger


def test_growth_is_sealed_incrementally(store: Store, log: Path) -> None:
    first = log.stat().st_size
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    write_log(log, 30, start=100)
    [grown] = seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    assert grown.state is SealState.SEALED
    assert "growth" in grown.message.en and f"{first}..{log.stat().st_size}" in grown.message.en
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT \"offset\", size FROM seals ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(0, first), (first, log.stat().st_size - first)]
    write_log(log, 5, start=130)  # unsealed growth is not a fault
    assert states(seal.verify_paths(store, [log])) == ["intact"]


def test_an_edit_is_reported_with_its_chunk_and_blocks_sealing(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    data = bytearray(log.read_bytes())
    data[5 * CHUNK + 17] ^= 0x20  # one byte, in place (same inode)
    with log.open("r+b") as fh:
        fh.write(data)
    [report] = seal.verify_paths(store, [log])
    assert report.state is SealState.CHANGED and report.chunk == 5 and report.broken
    assert "chunk 5 (bytes 5120..6143)" in report.message.en
    with pytest.raises(IntegrityError, match="changed at chunk 5"):
        seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)


def test_an_edit_in_a_later_segment_is_counted_from_the_start(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    write_log(log, 40, start=100)
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    size = log.stat().st_size
    with log.open("r+b") as fh:
        fh.seek(size - 10)
        fh.write(b"X")
    [report] = seal.verify_paths(store, [log])
    assert report.state is SealState.CHANGED
    assert report.chunk is not None and report.chunk > 15


def test_truncation_is_reported(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    with log.open("r+b") as fh:
        fh.truncate(3 * CHUNK + 100)
    [report] = seal.verify_paths(store, [log])
    assert (report.state, report.chunk) == (SealState.TRUNCATED, 3)


def test_deletion_is_reported(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    log.unlink()
    [report] = seal.verify_paths(store, [log])
    assert report.state is SealState.DELETED and report.broken


def test_a_gzip_rotation_is_followed_and_a_new_generation_starts(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    with log.open("rb") as src, gzip.open(log.with_name("audit.log.1.gz"), "wb") as dst:
        shutil.copyfileobj(src, dst)
    log.unlink()
    write_log(log, 3, start=500)  # logrotate's fresh file
    assert states(seal.verify_paths(store, [log])) == ["rotated"]
    assert states(seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)) == ["sealed"]
    reports = seal.verify_paths(store, [log])
    assert states(reports) == ["rotated", "intact"]
    assert reports[0].location == str(log.with_name("audit.log.1.gz"))


def test_a_rotated_copy_changed_later_is_named(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    content = bytearray(log.read_bytes())
    content[7 * CHUNK] ^= 0x01
    with gzip.open(log.with_name("audit.log.1.gz"), "wb") as gz:
        gz.write(bytes(content))
    log.unlink()
    write_log(log, 3, start=500)
    [report] = seal.verify_paths(store, [log])
    assert (report.state, report.chunk) == (SealState.CHANGED, 7)
    assert "audit.log.1.gz" in report.message.en


def test_content_rotated_away_and_gone_is_reported(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    log.rename(log.with_name("elsewhere.bin"))  # not a sibling name: the sealed bytes are nowhere to be found
    write_log(log, 3, start=900)
    [report] = seal.verify_paths(store, [log])
    assert report.state is SealState.ROTATED_AWAY and report.broken


def test_a_gzip_file_is_sealed_on_its_content_and_corruption_is_caught(store: Store, tmp_path: Path) -> None:
    gz_path = tmp_path / "app-audit.log.3.gz"
    with gzip.open(gz_path, "wb") as gz:
        gz.write(AUDIT_LINE * 200)
    seal.seal_paths(store, [gz_path], "cron", chunk_size=CHUNK)
    assert states(seal.verify_paths(store, [gz_path])) == ["intact"]
    raw = bytearray(gz_path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    gz_path.write_bytes(bytes(raw))
    [report] = seal.verify_paths(store, [gz_path])
    assert report.broken and report.state in (SealState.CHANGED, SealState.TRUNCATED)


def test_a_seal_row_edited_to_match_a_forged_file_is_caught_by_the_ledger(store: Store, log: Path) -> None:
    seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE seals SET sha256 = :h"), {"h": "0" * 64})
    [report] = seal.verify_paths(store, [log])
    assert report.state is SealState.RECORD_ALTERED
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM seals"))
    [report] = seal.verify_paths(store, [log])
    assert report.state is SealState.RECORD_ALTERED and "deleted" in report.message.en


def test_verify_without_paths_covers_every_sealed_file(store: Store, tmp_path: Path, log: Path) -> None:
    other = tmp_path / "app.log"
    write_log(other, 10)
    seal.seal_paths(store, [log, other], "cron", chunk_size=CHUNK)
    other.unlink()
    assert sorted(states(seal.verify_paths(store))) == ["deleted", "intact"]


def test_sealing_a_missing_file_is_an_input_error_and_seals_nothing(store: Store, tmp_path: Path, log: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        seal.seal_paths(store, [log, tmp_path / "nope.log"], "cron")
    assert seal.verify_paths(store) == []


def test_the_file_identity_is_in_the_ledger(store: Store, log: Path) -> None:
    [sealed] = seal.seal_paths(store, [log], "cron", chunk_size=CHUNK)
    with store.engine.connect() as conn:
        payload = conn.execute(text("SELECT payload FROM ledger_entries WHERE seq = :s"),
                               {"s": sealed.ledger_seq}).scalar_one()
    assert f'"inode":{os.stat(log).st_ino}' in payload and '"chunk_size":1024' in payload
