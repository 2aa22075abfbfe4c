"""What the ledger vouches for, checked against the tables that hold it: records, scans and their
findings, answered sheets, seals. A row edited, inserted or deleted behind the ledger's back is an
integrity failure naming the row and its entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from checksheet.errors import IntegrityError
from checksheet.model import Finding
from checksheet.store import Store
from checksheet.store.models import LedgerEntryRow, RecordRow, ScanRow, SheetRow
from checksheet.store.scans import findings_of

_BATCH = 500


def findings_digest(findings: Sequence[Finding]) -> str:
    """SHA-256 over the findings in canonical JSON, in any order: what the ledger records for a scan."""
    lines = sorted(json.dumps(f.to_json(), sort_keys=True, ensure_ascii=False) for f in findings)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _fail(en: str, ja: str) -> IntegrityError:
    return IntegrityError(en, ja=ja)


def _payloads(s: Session, seqs: Iterable[int]) -> dict[int, tuple[str, dict[str, Any]]]:
    wanted = sorted(set(seqs))
    out: dict[int, tuple[str, dict[str, Any]]] = {}
    for i in range(0, len(wanted), _BATCH):
        rows = s.execute(select(LedgerEntryRow.seq, LedgerEntryRow.kind, LedgerEntryRow.payload)
                         .where(LedgerEntryRow.seq.in_(wanted[i:i + _BATCH])))
        out.update({int(seq): (kind, json.loads(payload)) for seq, kind, payload in rows})
    return out


def _kind_starts(s: Session, prefix: str) -> ColumnElement[bool]:
    if s.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE ignores case, so it cannot use the kind index: each check read the whole ledger.
        # Under SQLite's binary collation this range holds exactly the kinds that start with the prefix.
        return and_(LedgerEntryRow.kind >= prefix, LedgerEntryRow.kind < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return LedgerEntryRow.kind.startswith(prefix)


def _entries(s: Session, kind_prefix: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    rows = s.execute(select(LedgerEntryRow.seq, LedgerEntryRow.kind, LedgerEntryRow.payload)
                     .where(_kind_starts(s, kind_prefix)).order_by(LedgerEntryRow.seq))
    for seq, kind, payload in rows:
        yield int(seq), str(kind), json.loads(payload)


def check_records(s: Session) -> int:
    """Every record is on the ledger as it stands now, and every recorded one still exists."""
    rows = list(s.scalars(select(RecordRow).order_by(RecordRow.created_at, RecordRow.id)))
    entries = _payloads(s, (r.ledger_seq for r in rows if r.ledger_seq is not None))
    for r in rows:
        got = entries.get(r.ledger_seq) if r.ledger_seq is not None else None
        if got is None:
            raise _fail(f"record {r.id} ({r.kind}) is not on the ledger: it was inserted behind its back",
                        f"記録 {r.id}({r.kind})が台帳にありません: 台帳を通さずに追加されています")
        kind, payload = got
        same = (kind in (f"record.{r.kind}", "record.update") and payload.get("record_id") == r.id
                and payload.get("data") == r.data and payload.get("control_ids") == list(r.control_ids)
                and payload.get("occurred_on") == r.occurred_on.isoformat())
        if not same:
            raise _fail(f"record {r.id} ({r.kind}) was altered: it differs from ledger entry {r.ledger_seq}",
                        f"記録 {r.id}({r.kind})が改ざんされています: 台帳エントリ {r.ledger_seq} と一致しません")
    kept = {r.id for r in rows}
    for seq, kind, payload in _entries(s, "record."):
        if kind != "record.update" and payload.get("record_id") not in kept:
            raise _fail(f"record {payload.get('record_id')} was deleted (ledger entry {seq})",
                        f"記録 {payload.get('record_id')} が削除されています(台帳エントリ {seq})")
    return len(rows)


def check_scans(s: Session, store: Store) -> int:
    """Every scan is on the ledger, and its stored findings still hash to the digest recorded there."""
    recorded = {int(p["scan_id"]): (seq, p) for seq, _, p in _entries(s, "scan") if "scan_id" in p}
    scans = list(s.execute(select(ScanRow.id, ScanRow.provider, ScanRow.digest).order_by(ScanRow.id)))
    for scan_id, provider, digest in scans:
        if scan_id not in recorded:
            raise _fail(f"scan {scan_id} ({provider}) is not on the ledger: it was inserted, or interrupted before "
                        "it was recorded (scan again)",
                        f"スキャン {scan_id}({provider})が台帳にありません: 台帳を通さずに追加されたか、"
                        "記録前に中断されています(再スキャンしてください)")
        seq, payload = recorded.pop(scan_id)
        if digest != payload.get("digest") or findings_digest(findings_of(store, [scan_id])) != payload.get("digest"):
            raise _fail(f"scan {scan_id} ({provider}) was altered: its findings no longer match the digest on "
                        f"ledger entry {seq}",
                        f"スキャン {scan_id}({provider})が改ざんされています: 検出結果が台帳エントリ {seq} の"
                        "ダイジェストと一致しません")
    if recorded:
        scan_id, (seq, payload) = min(recorded.items())
        raise _fail(f"scan {scan_id} ({payload.get('provider')}) was deleted (ledger entry {seq})",
                    f"スキャン {scan_id}({payload.get('provider')})が削除されています(台帳エントリ {seq})")
    return len(scans)


_SHEET_FIELDS = ("customer", "filename", "input_sha256", "output_sha256", "questions", "answered")


def check_sheets(s: Session) -> int:
    """Answered sheets that reached the ledger still hold what was recorded (a sheet whose entry was
    never written, after a crash, is left alone: see questionnaire.service)."""
    rows = list(s.scalars(select(SheetRow).where(SheetRow.ledger_seq.is_not(None)).order_by(SheetRow.id)))
    entries = _payloads(s, (int(r.ledger_seq) for r in rows if r.ledger_seq is not None))
    for r in rows:
        kind, payload = entries.get(int(r.ledger_seq or 0), ("", {}))
        if kind != "sheet.answered" or payload.get("sheet_id") != r.id or any(
            payload.get(f) != getattr(r, f) for f in _SHEET_FIELDS
        ):
            raise _fail(
                f"answered sheet {r.id} ({r.filename}) was altered: it differs from ledger entry {r.ledger_seq}",
                f"回答済みシート {r.id}({r.filename})が改ざんされています: 台帳エントリ {r.ledger_seq} と一致しません",
            )
    return len(rows)


def crosscheck(store: Store) -> int:
    """All of the above; the number of rows checked."""
    with store.session() as s:
        return check_records(s) + check_scans(s, store) + check_sheets(s)
