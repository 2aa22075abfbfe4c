"""The answer library: a person's corrections are learned and reused, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from checksheet import catalog
from checksheet.errors import InputError
from checksheet.model import ControlState
from checksheet.questionnaire import service
from checksheet.questionnaire.library import import_reviewed, question_key
from checksheet.store import Store
from checksheet.store.answers import library
from tests.questionnaire.books import english_book, status

STATUSES = [status("LOG-01", ControlState.MET), status("ACC-04", ControlState.NOT_MET, 0, 2)]


def _corrected(store: Store, tmp_path: Path) -> Path:
    """Answer the English sheet, then correct it as a reviewer would."""
    src = english_book(tmp_path / "en.xlsx")
    result = service.answer_sheet(store, STATUSES, service.Request(path=src))
    wb = load_workbook(result.written.path)
    ws = wb["Questionnaire"]
    ws["E5"] = "MFA is enforced for all administrators; rollout to all staff completes in Q1."
    ws["E7"] = "1-2-3 Otemachi, Chiyoda-ku, Tokyo"
    review = wb["checksheet review"]
    assert review["G7"].value is None or review["G7"].value == "" or review["F7"].value == "review"
    wb.save(result.written.path)
    return result.written.path


def test_import_then_reuse(store: Store, tmp_path: Path) -> None:
    corrected = _corrected(store, tmp_path)
    imported = import_reviewed(store, corrected, "reviewer@example.com", tuple(catalog.catalog()))
    assert imported.stored >= 2
    entries = {e.question_key: e for e in library(store)}
    address = entries[question_key("What is your company's registered address?")]
    assert address.explanation == "1-2-3 Otemachi, Chiyoda-ku, Tokyo" and address.control_ids == ()
    assert address.reviewed_by == "reviewer@example.com" and address.source.startswith("en.answered.xlsx#")

    again = service.answer_sheet(store, STATUSES, service.Request(path=tmp_path / "en.xlsx", force=True))
    by_text = {a.question.text: a for a in again.answers}
    reused = by_text["What is your company's registered address?"]
    assert reused.status.value == "library" and reused.explanation == "1-2-3 Otemachi, Chiyoda-ku, Tokyo"
    mfa = by_text["Is multi-factor authentication required for privileged accounts?"]
    assert mfa.status.value == "library" and mfa.answer == "No" and "rollout" in mfa.explanation
    ws = load_workbook(again.written.path)["Questionnaire"]
    assert ws["E7"].value == "1-2-3 Otemachi, Chiyoda-ku, Tokyo"


def test_approved_answer_that_no_longer_agrees_goes_back_to_review(store: Store, tmp_path: Path) -> None:
    import_reviewed(store, _corrected(store, tmp_path), "r", tuple(catalog.catalog()))
    now_met = [status("LOG-01", ControlState.MET), status("ACC-04", ControlState.MET)]
    again = service.answer_sheet(store, now_met, service.Request(path=tmp_path / "en.xlsx", force=True))
    mfa = next(a for a in again.answers if a.question.text.startswith("Is multi-factor"))
    assert mfa.status.value == "review" and mfa.answer == "Yes" and mfa.note


def test_newer_review_replaces_older(store: Store, tmp_path: Path) -> None:
    corrected = _corrected(store, tmp_path)
    import_reviewed(store, corrected, "first", tuple(catalog.catalog()))
    import_reviewed(store, corrected, "second", tuple(catalog.catalog()))
    keys = [e.question_key for e in library(store)]
    assert len(keys) == len(set(keys)) and {e.reviewed_by for e in library(store)} == {"second"}


def test_import_needs_the_review_sheet(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        import_reviewed(store, english_book(tmp_path / "plain.xlsx"), "r", ())
    assert "review sheet" in err.value.diagnostics()
