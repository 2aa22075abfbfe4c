"""The answered copy keeps the customer's layout; the input is never touched; nothing runs as a formula."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from checksheet.errors import UsageError
from checksheet.model import ControlState
from checksheet.questionnaire import service
from checksheet.questionnaire.read import sha256_of
from checksheet.questionnaire.write import safe_text
from checksheet.store import Store, open_store
from tests.questionnaire.books import csv_book, english_book, japanese_book, multi_sheet_book, status

MET = [status(c, ControlState.MET) for c in ("LOG-01", "LOG-02", "LOG-03", "NET-01", "NET-05", "HR-01")]
NOT_MET = [status("ACC-04", ControlState.NOT_MET, passed=0, failed=2)]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")


def _answer(store: Store, path: Path, **kw: object) -> service.Result:
    return service.answer_sheet(store, [*MET, *NOT_MET], service.Request(path=path, customer="ACME", **kw))  # type: ignore[arg-type]


def _cells(ws: object) -> dict[tuple[int, int], tuple[object, ...]]:
    return {
        (c.row, c.column): (
            c.value,
            c.font.b,
            c.fill.fgColor.rgb,
            c.alignment.wrap_text,
            c.border.left.style,
            c.comment.text if c.comment else None,
        )
        for row in ws.iter_rows()
        for c in row  # type: ignore[attr-defined]
    }


def test_layout_is_kept_cell_by_cell(tmp_path: Path, sqlite_store: Store) -> None:
    src = japanese_book(tmp_path / "ja.xlsx")
    before = sha256_of(src)
    result = _answer(sqlite_store, src)
    assert sha256_of(src) == before  # the input is only read
    out = result.written.path
    assert out == tmp_path / "ja.answered.xlsx"
    a, b = load_workbook(src), load_workbook(out)
    assert b.sheetnames == [*a.sheetnames, "checksheet確認"]
    written = {(r, c) for s, r, c in result.written.cells if s == "チェックシート"}
    assert written  # something was answered
    old, new = _cells(a["チェックシート"]), _cells(b["チェックシート"])
    for key in set(old) | set(new):
        if key not in written:
            assert old.get(key, (None,) * 6)[0] == new.get(key, (None,) * 6)[0], key
            if key in old and key in new:
                assert old[key] == new[key], key
    wa, wb = a["チェックシート"], b["チェックシート"]
    assert {str(r) for r in wa.merged_cells.ranges} == {str(r) for r in wb.merged_cells.ranges}
    assert [(k, d.width) for k, d in wa.column_dimensions.items()] == [
        (k, d.width) for k, d in wb.column_dimensions.items()
    ]
    assert [(str(d.sqref), d.formula1) for d in wa.data_validations.dataValidation] == [
        (str(d.sqref), d.formula1) for d in wb.data_validations.dataValidation
    ]
    assert wb["C5"].comment.text == "選択してください"
    assert _cells(a["改訂履歴"]) == _cells(b["改訂履歴"])


def test_answers_land_in_the_detected_columns(tmp_path: Path, sqlite_store: Store) -> None:
    result = _answer(sqlite_store, japanese_book(tmp_path / "ja.xlsx"))
    ws = load_workbook(result.written.path)["チェックシート"]
    rows = {a.question.ref: a for a in result.answers}
    assert ws.cell(rows["1-1"].question.row, 3).value == "はい"
    assert "CloudTrail" in ws.cell(rows["1-1"].question.row, 4).value
    assert set(rows["1-2"].control_ids) == {"LOG-01", "LOG-02"}
    assert ws.cell(rows["2-1"].question.row, 3).value == "いいえ"  # MFA not met: said so, never "はい"
    follow = rows["2-2"]
    assert follow.status.value == "follow_up" and ws.cell(follow.question.row, 4).value  # reason written in 備考
    capital = rows["2-3"]
    assert capital.status.value == "review" and ws.cell(capital.question.row, 3).value is None
    assert ws.cell(6, 3).value == "はい"  # the 記入例 row is the customer's, untouched
    review = load_workbook(result.written.path)["checksheet確認"]
    assert review.max_row == len(result.answers) + 1


def test_english_sheet_and_record_of_the_sheet(tmp_path: Path, sqlite_store: Store) -> None:
    from checksheet.store.answers import sheets

    result = _answer(sqlite_store, english_book(tmp_path / "en.xlsx"))
    ws = load_workbook(result.written.path)["Questionnaire"]
    assert ws["D4"].value == "Yes" and "CloudTrail" in ws["E4"].value
    assert ws["D5"].value == "No"
    (record,) = sheets(sqlite_store)
    assert (record.customer, record.filename, record.questions) == ("ACME", "en.xlsx", 4)
    assert record.input_sha256 == result.book.sha256 and record.output_sha256 == sha256_of(result.written.path)
    assert record.ledger_seq is not None and result.record.ledger_seq == record.ledger_seq
    with sqlite_store.engine.connect() as conn:
        kind, payload = conn.execute(
            text("select kind, payload from ledger_entries where seq = :s"), {"s": record.ledger_seq}
        ).one()
    assert kind == "sheet.answered"
    data = json.loads(payload)
    assert (data["customer"], data["output_sha256"], data["questions"]) == ("ACME", record.output_sha256, 4)


def test_multi_sheet_book_with_instructions(tmp_path: Path, sqlite_store: Store) -> None:
    result = _answer(sqlite_store, multi_sheet_book(tmp_path / "multi.xlsx"))
    wb = load_workbook(result.written.path)
    assert wb["インフラ"]["D2"].value == "○" and wb["組織"]["D2"].value == "○"
    assert wb["記入方法"]["A2"].value == "質問"


def test_csv_is_written_back_as_xlsx(tmp_path: Path, sqlite_store: Store) -> None:
    result = _answer(sqlite_store, csv_book(tmp_path / "s.csv", "cp932"))
    assert result.written.path.name == "s.answered.xlsx"
    ws = load_workbook(result.written.path)["s"]
    assert ws["B2"].value == "監査ログを取得していますか。" and "CloudTrail" in ws["C2"].value  # no choices: free text


def test_xlsm_keeps_its_macros(tmp_path: Path, sqlite_store: Store) -> None:
    plain = japanese_book(tmp_path / "plain.xlsx")
    src = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(src, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", b"VBA-PROJECT-BYTES")
    result = _answer(sqlite_store, src)
    assert result.written.path.suffix == ".xlsm"
    with zipfile.ZipFile(result.written.path) as z:
        assert z.read("xl/vbaProject.bin") == b"VBA-PROJECT-BYTES"
    # Excel will not open a macro workbook named .xlsx (nor the reverse): the kind is kept
    for source, wrong in ((src, "copy.xlsx"), (plain, "copy.xlsm")):
        with pytest.raises(UsageError) as err:
            _answer(sqlite_store, source, out=tmp_path / wrong)
        assert wrong in err.value.diagnostics()
        assert not (tmp_path / wrong).exists()


def test_refuses_to_overwrite(tmp_path: Path, sqlite_store: Store) -> None:
    src = japanese_book(tmp_path / "ja.xlsx")
    with pytest.raises(UsageError):
        _answer(sqlite_store, src, out=src)
    existing = tmp_path / "out.xlsx"
    existing.write_bytes(b"keep me")
    with pytest.raises(UsageError) as err:
        _answer(sqlite_store, src, out=existing)
    assert "--force" in err.value.diagnostics()
    assert existing.read_bytes() == b"keep me"
    _answer(sqlite_store, src, out=existing, force=True)
    assert load_workbook(existing).sheetnames[0] == "チェックシート"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp.xlsx")) == []  # no temp file left


@pytest.mark.parametrize(
    ("value", "allowed", "written"),
    [
        ('=HYPERLINK("http://x","y")', (), '\'=HYPERLINK("http://x","y")'),
        ("+1+2", (), "'+1+2"),
        ("-2+3", (), "'-2+3"),
        ("@SUM(A1)", (), "'@SUM(A1)"),
        ("＝1+2", (), "'＝1+2"),
        ("-", ("はい", "-"), "-"),  # a dropdown's own choice is written as it is (as text)
        ("はい", (), "はい"),
    ],
)
def test_formula_injection_is_neutralised(value: str, allowed: tuple[str, ...], written: str) -> None:
    assert safe_text(value, allowed) == written


def test_injected_text_is_stored_as_text(tmp_path: Path, sqlite_store: Store) -> None:
    from datetime import UTC, datetime

    from checksheet.questionnaire.library import question_key
    from checksheet.store.answers import LibraryEntry, save_reviewed

    q = "What is your company's registered address?"
    save_reviewed(
        sqlite_store,
        [LibraryEntry(q, question_key(q), "en", (), "", "=cmd|' /C calc'!A0", "me", datetime.now(UTC), "test")],
    )
    result = _answer(sqlite_store, english_book(tmp_path / "en.xlsx"))
    ws = load_workbook(result.written.path)["Questionnaire"]
    cell = ws["E7"]
    assert cell.value == "'=cmd|' /C calc'!A0" and cell.data_type == "s"
