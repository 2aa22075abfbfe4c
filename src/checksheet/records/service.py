"""Keeping records: each one and its files stored, and chained into the ledger, in one transaction.

Files (reports, policies, runbooks) are stored by content (SHA-256); the ledger entry carries the
hash, so a swapped file is caught by `ledger verify` through the record's entry.
"""

from __future__ import annotations

import hashlib
import mimetypes
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from checksheet import catalog
from checksheet.errors import InputError, UsageError
from checksheet.ledger import NewEntry, append_entries
from checksheet.model import RecordKind
from checksheet.records.schemas import AssessmentIn, AttestationIn, EvidenceIn, RecordIn
from checksheet.store import Store
from checksheet.store.models import BlobRow, RecordRow

MAX_FILE = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    kind: RecordKind
    occurred_on: date
    created_at: datetime
    actor: str
    control_ids: tuple[str, ...]
    data: Mapping[str, Any]
    ledger_seq: int | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind.value, "occurred_on": self.occurred_on.isoformat(),
                "created_at": self.created_at.isoformat(), "actor": self.actor, "control_ids": list(self.control_ids),
                "data": dict(self.data), "ledger_seq": self.ledger_seq}


@dataclass(frozen=True, slots=True)
class _Blob:
    sha256: str
    content: bytes
    filename: str
    media_type: str

    def ref(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "filename": self.filename, "size": len(self.content),
                "media_type": self.media_type}


@dataclass(frozen=True, slots=True)
class _Prepared:
    id: str
    kind: RecordKind
    occurred_on: date
    control_ids: tuple[str, ...]
    data: dict[str, Any]
    blobs: tuple[_Blob, ...]


def read_file(path: Path) -> _Blob:
    try:
        if path.stat().st_size > MAX_FILE:
            limit = MAX_FILE // 2**20
            raise InputError(f"{path}: larger than {limit} MiB", ja=f"{path}: {limit} MiB を超えています")
        content = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}", ja=f"{path} を読み込めません: {err.strerror}") from err
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return _Blob(hashlib.sha256(content).hexdigest(), content, path.name, media)


def _controls(given: Sequence[str], kind: RecordKind) -> tuple[str, ...]:
    """The record's controls: those given (which must exist), else the controls that ask for this kind."""
    known = catalog.catalog()
    unknown = [c for c in given if c not in known]
    if unknown:
        raise InputError(f"unknown control {', '.join(unknown)}", ja=f"コントロール {', '.join(unknown)} はありません")
    if given:
        return tuple(given)
    return tuple(c.id for c in known.values() if kind in c.evidence.records)


def _file(name: str, base: Path) -> _Blob | None:
    if not name.strip():
        return None
    path = Path(name).expanduser()
    return read_file(path if path.is_absolute() else base / path)


def prepare(item: RecordIn, base: Path) -> _Prepared:
    """Everything checked and every file read before anything is written."""
    exclude = {"kind", "control_ids", "report_file", "evidence_file", "file"}
    data: dict[str, Any] = item.model_dump(mode="json", exclude=exclude)
    blobs: list[_Blob] = []
    if isinstance(item, AssessmentIn):
        report = _file(item.report_file, base)
        data["report"] = report.ref() if report else None
        blobs += [report] if report else []
    elif isinstance(item, AttestationIn):
        evidence = _file(item.evidence_file, base)
        data["evidence"] = evidence.ref() if evidence else None
        blobs += [evidence] if evidence else []
    elif isinstance(item, EvidenceIn):
        stored = _file(item.file, base)
        assert stored is not None  # the schema requires a file name
        data.update(stored.ref())
        blobs.append(stored)
    return _Prepared(str(uuid.uuid4()), item.kind, item.occurred_on, _controls(item.control_ids, item.kind), data,
                     tuple(blobs))


def add_records(store: Store, items: Sequence[RecordIn], actor: str, base: Path | None = None) -> list[Record]:
    """Add records all or nothing: with their files and a ledger entry each, in one transaction."""
    return _store(store, [prepare(item, base or Path.cwd()) for item in items], actor)


def add_kept(store: Store, kind: RecordKind, occurred_on: date, data: Mapping[str, Any], actor: str,
             control_ids: Sequence[str] = ()) -> Record:
    """A record of a kind without a schema here (account reviews, patch SLAs), ledgered like the rest.

    Records written any other way fail `ledger verify`: the ledger vouches for every record.
    """
    [record] = _store(store, [_Prepared(str(uuid.uuid4()), kind, occurred_on, _controls(control_ids, kind),
                                        dict(data), ())], actor)
    return record


def _store(store: Store, prepared: Sequence[_Prepared], actor: str) -> list[Record]:
    now = datetime.now(UTC)
    with store.session() as s:
        entries = append_entries(s, [
            NewEntry(f"record.{p.kind.value}", actor, {"record_id": p.id, "occurred_on": p.occurred_on.isoformat(),
                                                       "control_ids": list(p.control_ids), "data": p.data})
            for p in prepared
        ])
        for blob in {b.sha256: b for p in prepared for b in p.blobs}.values():
            if s.get(BlobRow, blob.sha256) is None:
                s.add(BlobRow(sha256=blob.sha256, size=len(blob.content), media_type=blob.media_type,
                              content=blob.content, stored_at=now))
        for p, entry in zip(prepared, entries, strict=True):
            s.add(RecordRow(id=p.id, kind=p.kind.value, occurred_on=p.occurred_on, created_at=now, actor=actor,
                            control_ids=list(p.control_ids), data=p.data, ledger_seq=entry.seq))
    return [Record(p.id, p.kind, p.occurred_on, now, actor, p.control_ids, p.data, e.seq)
            for p, e in zip(prepared, entries, strict=True)]


def _record(r: RecordRow) -> Record:
    created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
    return Record(r.id, RecordKind(r.kind), r.occurred_on, created, r.actor, tuple(r.control_ids), dict(r.data),
                  r.ledger_seq)


def list_records(store: Store, kind: RecordKind) -> list[Record]:
    with store.session() as s:
        rows = s.scalars(select(RecordRow).where(RecordRow.kind == kind.value)
                         .order_by(RecordRow.occurred_on.desc(), RecordRow.created_at.desc()))
        return [_record(r) for r in rows]


def get_record(store: Store, ref: str, kind: RecordKind) -> Record:
    """A record by id or by a unique prefix of it (at least 6 characters)."""
    if len(ref) < 6:
        raise UsageError("give at least 6 characters of the record id", ja="レコード ID は 6 文字以上指定してください")
    with store.session() as s:
        rows = list(s.scalars(select(RecordRow).where(RecordRow.kind == kind.value, RecordRow.id.startswith(ref))))
        if len(rows) != 1:
            what, count_ja = ("no", "ありません") if not rows else (f"{len(rows)}", f" {len(rows)} 件あります")
            raise UsageError(f"{what} {kind.value} records match {ref!r}",
                             ja=f"{ref!r} に一致する {kind.value} の記録が{count_ja}")
        return _record(rows[0])


def blob(store: Store, sha256: str) -> bytes:
    with store.session() as s:
        row = s.get(BlobRow, sha256)
        if row is None:
            raise UsageError(f"no stored file {sha256}", ja=f"ファイル {sha256} は保存されていません")
        return bytes(row.content)


def close_finding(store: Store, ref: str, finding_id: str, *, status: str, on: date, actor: str) -> Record:
    """Mark an assessment finding fixed or accepted; the change is a ledger entry of its own."""
    if status not in ("fixed", "accepted"):
        raise UsageError(f"status must be fixed or accepted, not {status!r}",
                         ja=f"status は fixed か accepted を指定してください({status!r} は使えません)")
    record = get_record(store, ref, RecordKind.ASSESSMENT)
    findings = [dict(f) for f in record.data.get("findings", [])]
    target = next((f for f in findings if f.get("id") == finding_id), None)
    if target is None:
        raise UsageError(f"assessment {record.id[:8]} has no finding {finding_id!r}",
                         ja=f"診断 {record.id[:8]} に指摘 {finding_id!r} はありません")
    target.update(status=status, closed_on=on.isoformat())
    data = {**record.data, "findings": findings}
    with store.session() as s:
        [entry] = append_entries(s, [NewEntry("record.update", actor, {
            "record_id": record.id, "change": {"finding": finding_id, "status": status, "closed_on": on.isoformat()},
            "occurred_on": record.occurred_on.isoformat(), "control_ids": list(record.control_ids), "data": data})])
        row = s.get(RecordRow, record.id)
        assert row is not None
        row.data = data
        row.ledger_seq = entry.seq
    return Record(record.id, record.kind, record.occurred_on, record.created_at, record.actor, record.control_ids,
                  data, entry.seq)
