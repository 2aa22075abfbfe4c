"""The answer library: answers a person reviewed are stored and reused for the same question next time.

A question is recognised by its key (the text after NFKC, lower-cased, without blanks and
punctuation), so line breaks and full-width letters do not matter. The approved wording
is reused only while the control's current status still gives the same answer; otherwise
the row goes back to a person.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from checksheet.errors import InputError
from checksheet.questionnaire.answer import Answer, Disposition, category_of
from checksheet.questionnaire.layout import REVIEW_HEADER, REVIEW_SHEET, Question, SheetLayout, detect_book
from checksheet.questionnaire.match import LibraryQuestion
from checksheet.questionnaire.read import Book, Sheet, read_book
from checksheet.questionnaire.tokens import detect_lang, normalise
from checksheet.questionnaire.vocab import is_placeholder
from checksheet.store import Store
from checksheet.store.answers import LibraryEntry, library, save_reviewed

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def question_key(text: str) -> str:
    return hashlib.sha256(_NOISE.sub("", normalise(text).lower()).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Library:
    entries: Mapping[str, LibraryEntry]

    @classmethod
    def load(cls, store: Store) -> Library:
        return cls({e.question_key: e for e in library(store)})

    def questions(self) -> list[LibraryQuestion]:
        """Reviewed questions as extra phrasings of their controls, for the matcher."""
        return [LibraryQuestion(e.question, e.control_ids) for e in self.entries.values() if e.control_ids]

    def get(self, text: str) -> LibraryEntry | None:
        return self.entries.get(question_key(text))


def reuse(entry: LibraryEntry, current: Answer | None, question: Question) -> Answer:
    """The approved answer, when the evidence still agrees with it; otherwise `current` flagged for review."""
    lang = current.lang if current else detect_lang(question.text)
    approved = category_of(entry.answer) if entry.answer else None
    base = Answer(
        question,
        entry.control_ids,
        1.0,
        entry.answer,
        entry.explanation,
        Disposition.LIBRARY,
        current.state if current else None,
        current.evidence if current else (),
        lang,
        current.candidates if current else (),
        "",
        approved,
    )
    if not entry.control_ids or current is None:
        return base  # a company fact (資本金, 所在地): no control, the reviewed text is the answer
    if current.category is not None and current.category is approved:
        return replace(base, answer=current.answer or entry.answer)
    note = (
        "承認済みの回答と現在の管理策の状態が異なるため、確認が必要です"
        if lang == "ja"
        else "the approved answer no longer agrees with the control's current status; review it"
    )
    return replace(current, status=Disposition.REVIEW, note=note)


@dataclass(frozen=True, slots=True)
class ImportResult:
    stored: int
    skipped: int


def _review_rows(book: Book) -> list[tuple[str, int, str, tuple[str, ...]]]:
    """(sheet, row, question, control ids) from the review sheet checksheet added, as the person left it."""
    names = {REVIEW_SHEET.ja, REVIEW_SHEET.en}
    headers = {tuple(REVIEW_HEADER.ja.split("|")), tuple(REVIEW_HEADER.en.split("|"))}
    for sheet in book.sheets:
        if sheet.name.rstrip("_") in names and sheet.cells and tuple(sheet.cells[0][:11]) in headers:
            rows = []
            for line in sheet.cells[1:]:
                if len(line) >= 7 and line[0] and line[1].isdigit():
                    rows.append((line[0], int(line[1]), line[3], tuple(line[6].split())))
            return rows
    return []


def _reviewed_cells(sheet: Sheet, lay: SheetLayout, row: int) -> tuple[str, str]:
    """The answer and remarks a person left on a row; in a "該当欄に○" table, the word of the marked column."""
    if lay.choice_cols:
        answer = next((word for col, word in lay.choice_cols if sheet.value(row, col)), "")
    else:
        answer = sheet.value(row, lay.answer_col) if lay.answer_col else ""
    remark = sheet.value(row, lay.remarks_col) if lay.remarks_col else ""
    return ("" if is_placeholder(answer) else answer), ("" if is_placeholder(remark) else remark)


def import_reviewed(store: Store, path: Path, reviewer: str, controls: Sequence[str]) -> ImportResult:
    """Learn from a sheet a person corrected: every answered row becomes the approved answer."""
    book = read_book(path)
    # tables side by side share rows: a row is told apart by its question text
    by_row: dict[tuple[str, int], list[tuple[Question, SheetLayout]]] = {}
    for lay in detect_book(book):
        for q in lay.questions:
            by_row.setdefault((q.sheet, q.row), []).append((q, lay))
    review = _review_rows(book)
    if not review:
        raise InputError(
            f"{path.name}: no review sheet ({REVIEW_SHEET.en} / {REVIEW_SHEET.ja}); import a sheet answered by "
            "checksheet and corrected by a person",
            ja=f"{path.name}: 確認用シート（{REVIEW_SHEET.ja}）がありません。checksheet が回答し、担当者が修正した"
            "ファイルを指定してください",
        )
    known = set(controls)
    entries, skipped = [], 0
    now = datetime.now(UTC)
    for sheet_name, row, text, control_ids in review:
        found = by_row.get((sheet_name, row), [])
        same = [f for f in found if normalise(f[0].text) == normalise(text.removeprefix("'"))]
        if len(same or found) != 1:
            skipped += 1
            continue
        q, lay = (same or found)[0]
        answer, remark = _reviewed_cells(book.sheet(sheet_name), lay, row)
        if not (answer or remark):
            skipped += 1
            continue
        ids = tuple(c for c in control_ids if c in known)
        entries.append(
            LibraryEntry(
                question=q.text,
                question_key=question_key(q.text),
                lang=detect_lang(q.text),
                control_ids=ids,
                answer=answer.lstrip("'"),
                explanation=remark.lstrip("'"),
                reviewed_by=reviewer,
                reviewed_at=now,
                source=f"{path.name}#{sheet_name}!{row}",
            )
        )
    return ImportResult(save_reviewed(store, entries), skipped)
