"""The answer library (reviewed answers) and the record of answered sheets. Returns plain dataclasses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select

from checksheet.store.db import Store
from checksheet.store.models import AnswerRow, SheetRow


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    question: str
    question_key: str
    lang: str
    control_ids: tuple[str, ...]
    answer: str
    explanation: str
    reviewed_by: str
    reviewed_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class SheetRecord:
    id: int
    customer: str
    filename: str
    input_sha256: str
    output_sha256: str
    answered_at: datetime
    questions: int
    answered: int
    ledger_seq: int | None


def _entry(row: AnswerRow) -> LibraryEntry:
    return LibraryEntry(
        question=row.question,
        question_key=row.question_key,
        lang=row.lang,
        control_ids=tuple(row.control_ids),
        answer=row.answer,
        explanation=row.explanation,
        reviewed_by=row.reviewed_by,
        reviewed_at=_aware(row.reviewed_at),
        source=row.source,
    )


def save_reviewed(store: Store, entries: Sequence[LibraryEntry]) -> int:
    """Store reviewed answers; a newer review of the same question replaces the older one."""
    if not entries:
        return 0
    keys = {e.question_key for e in entries}
    with store.session() as s:
        s.execute(delete(AnswerRow).where(AnswerRow.question_key.in_(keys)))
        latest = {e.question_key: e for e in entries}  # the last correction in a file wins
        s.add_all(
            AnswerRow(
                question=e.question,
                question_key=e.question_key,
                lang=e.lang,
                control_ids=list(e.control_ids),
                answer=e.answer,
                explanation=e.explanation,
                reviewed_by=e.reviewed_by,
                reviewed_at=e.reviewed_at,
                source=e.source,
            )
            for e in latest.values()
        )
    return len(latest)


def library(store: Store) -> list[LibraryEntry]:
    with store.session() as s:
        return [_entry(r) for r in s.scalars(select(AnswerRow).order_by(AnswerRow.id))]


def record_sheet(
    store: Store,
    *,
    customer: str,
    filename: str,
    input_sha256: str,
    output_sha256: str,
    questions: int,
    answered: int,
    answered_at: datetime | None = None,
) -> SheetRecord:
    """Remember that a sheet was answered and sent: who for, when, and the hashes of both files."""
    with store.session() as s:
        row = SheetRow(
            customer=customer,
            filename=filename,
            input_sha256=input_sha256,
            output_sha256=output_sha256,
            answered_at=answered_at or datetime.now(UTC),
            questions=questions,
            answered=answered,
        )
        s.add(row)
        s.flush()
        return _sheet(row)


def set_sheet_ledger_seq(store: Store, sheet_id: int, seq: int) -> None:
    with store.session() as s:
        row = s.get(SheetRow, sheet_id)
        if row is not None:
            row.ledger_seq = seq


def _sheet(row: SheetRow) -> SheetRecord:
    return SheetRecord(
        id=row.id,
        customer=row.customer,
        filename=row.filename,
        input_sha256=row.input_sha256,
        output_sha256=row.output_sha256,
        answered_at=_aware(row.answered_at),
        questions=row.questions,
        answered=row.answered,
        ledger_seq=row.ledger_seq,
    )


def sheets(store: Store) -> list[SheetRecord]:
    with store.session() as s:
        return [_sheet(r) for r in s.scalars(select(SheetRow).order_by(SheetRow.id))]
