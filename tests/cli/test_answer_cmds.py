"""`checksheet answer` through the real entry point: the JSON contract, exit codes, both command forms."""

from __future__ import annotations

import json

import pytest

from checksheet.config import Settings
from checksheet.model import ControlState
from checksheet.questionnaire.read import sha256_of
from checksheet.store import open_store
from checksheet.store.answers import library, sheets
from checksheet.store.scans import replace_statuses
from tests.cli_runner import invoke
from tests.questionnaire.books import english_book, japanese_book, status

KEYS = {"sheet", "row", "question", "control_ids", "confidence", "answer", "status", "evidence"}


@pytest.fixture
def initialised(project: Settings, capsys: pytest.CaptureFixture[str]) -> Settings:
    assert invoke(capsys, "init").code == 0
    store = open_store(project.database_url)
    replace_statuses(
        store,
        [
            status("LOG-01", ControlState.MET),
            status("LOG-02", ControlState.MET),
            status("ACC-04", ControlState.NOT_MET, 0, 1),
        ],
    )
    store.dispose()
    return project


def test_answer_json_contract(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    src = japanese_book(initialised.home / "sheet.xlsx")
    before = sha256_of(src)
    result = invoke(capsys, "answer", str(src), "--format", "json", "--customer", "ACME")
    assert result.code == 0, result.err
    rows = json.loads(result.out)  # stdout holds the JSON document and nothing else
    assert len(rows) == 6 and all(set(r) >= KEYS for r in rows)
    first = rows[0]
    assert (first["sheet"], first["row"], first["answer"], first["status"]) == ("チェックシート", 8, "はい", "answered")
    assert first["control_ids"] == ["LOG-01"] and 0.5 <= first["confidence"] <= 1
    assert first["evidence"] == ["check_log-01:res-1"]
    capital = rows[-1]
    assert capital["answer"] == "" and capital["status"] == "review" and capital["control_ids"] == []
    assert sha256_of(src) == before
    assert (initialised.home / "sheet.answered.xlsx").is_file()
    store = open_store(initialised.database_url)
    assert [s.customer for s in sheets(store)] == ["ACME"]


def test_lang_option_writes_explanations_in_english(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    src = japanese_book(initialised.home / "sheet.xlsx")
    rows = json.loads(invoke(capsys, "answer", str(src), "--format", "json", "--lang", "en").out)
    assert "CloudTrail records" in rows[0]["explanation"]


def test_existing_output_is_refused_with_exit_2(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    src = english_book(initialised.home / "en.xlsx")
    out = initialised.home / "done.xlsx"
    out.write_bytes(b"previous")
    result = invoke(capsys, "answer", str(src), "-o", str(out))
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "--force" in result.err
    assert out.read_bytes() == b"previous"
    assert invoke(capsys, "answer", str(src), "-o", str(out), "--force").code == 0


def test_bad_workbook_is_one_line_exit_2(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    bad = initialised.home / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    result = invoke(capsys, "answer", str(bad), "--format", "json")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("checksheet: error: ") and result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_inspect_prints_the_layout(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    src = japanese_book(project.home / "sheet.xlsx")
    result = invoke(capsys, "answer", "--inspect", str(src), "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    (sheet,) = doc["question_sheets"]
    assert (sheet["question_col"], sheet["answer_col"], sheet["remarks_col"], sheet["questions"]) == ("B", "C", "D", 6)
    assert not (project.home / "sheet.answered.xlsx").exists()
    table = invoke(capsys, "answer", str(src), "--inspect", "--question-col", "B")
    assert table.code == 0 and "はい, いいえ" in table.out


def test_overrides_reach_the_detection(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    src = english_book(project.home / "en.xlsx")
    doc = json.loads(invoke(capsys, "answer", "--inspect", str(src), "--format", "json", "--remarks-col", "B").out)
    assert doc["question_sheets"][0]["remarks_col"] == "B"
    bad = invoke(capsys, "answer", "--inspect", str(src), "--answer-col", "1X")
    assert bad.code == 2 and "1X" in bad.err and bad.err.count("\n") == 1


def test_import_reviewed_subcommand(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    src = english_book(initialised.home / "en.xlsx")
    assert invoke(capsys, "answer", str(src)).code == 0
    answered = initialised.home / "en.answered.xlsx"
    wb = load_workbook(answered)
    wb["Questionnaire"]["E7"] = "Tokyo, Japan"
    wb.save(answered)
    result = invoke(capsys, "answer", "import-reviewed", str(answered), "--reviewer", "sato")
    assert result.code == 0, result.err
    store = open_store(initialised.database_url)
    assert any(e.explanation == "Tokyo, Japan" and e.reviewed_by == "sato" for e in library(store))


def test_answer_without_a_project_is_exit_2(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    src = english_book(project.home / "en.xlsx")
    result = invoke(capsys, "answer", str(src))
    assert result.code == 2 and "checksheet init" in result.err


def test_answer_alone_prints_help(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "answer")
    assert "import-reviewed" in result.out + result.err


def test_cells_that_already_held_text_are_counted(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    src = japanese_book(initialised.home / "sheet.xlsx")
    wb = load_workbook(src)
    wb["チェックシート"]["C8"] = "はい（弊社記入済み）"  # a person answered the first question before us
    wb.save(src)
    result = invoke(capsys, "answer", str(src), "--format", "json")
    assert result.code == 0, result.err
    assert "1件のセルは既に記入があったため変更していません" in "".join(result.err.split())  # the console wraps
    assert (
        load_workbook(initialised.home / "sheet.answered.xlsx")["チェックシート"]["C8"].value == "はい（弊社記入済み）"
    )


def test_tables_side_by_side_in_inspect(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.questionnaire.test_layout_variants import _side_by_side, _tick

    doc = json.loads(
        invoke(capsys, "answer", "--inspect", str(_side_by_side(project.home / "s.xlsx")), "--format", "json").out
    )
    assert [(s["question_col"], s["answer_col"], s["questions"]) for s in doc["question_sheets"]] == [
        ("B", "C", 2),
        ("G", "H", 3),
    ]
    doc = json.loads(invoke(capsys, "answer", "--inspect", str(_tick(project.home / "t.xlsx")), "--format", "json").out)
    (sheet,) = doc["question_sheets"]
    assert (
        sheet["choice_cols"] == [{"col": "D", "word": "はい"}, {"col": "E", "word": "いいえ"}] and sheet["mark"] == "○"
    )
    table = invoke(capsys, "answer", "--inspect", str(project.home / "t.xlsx"))
    assert "D=はい E=いいえ (○)" in table.out


def test_an_output_that_cannot_be_written_is_one_line_exit_2(
    initialised: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    src = english_book(initialised.home / "en.xlsx")
    blocker = initialised.home / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    for source in (src, src.with_suffix(".csv")):
        if source.suffix == ".csv":
            source.write_text("No,Question,Answer\n1,Are audit logs kept?,\n", encoding="utf-8")
        result = invoke(capsys, "answer", str(source), "-o", str(blocker / "out.xlsx"))
        assert result.code == 2 and result.err.count("\n") == 1 and "not-a-folder" in result.err
        assert "Traceback" not in result.err
    store = open_store(initialised.database_url)
    assert sheets(store) == []  # nothing recorded for a sheet that was not written
