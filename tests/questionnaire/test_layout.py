"""Layout detection without configuration, and the overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from checksheet.errors import InputError
from checksheet.questionnaire.layout import Overrides, detect_book, parse_col
from checksheet.questionnaire.read import read_book
from checksheet.questionnaire.sample import question_count, write_sample
from tests.questionnaire.books import csv_book, english_book, japanese_book, multi_sheet_book, ods_book


def test_japanese_merged_two_row_header(tmp_path: Path) -> None:
    (lay,) = detect_book(read_book(japanese_book(tmp_path / "ja.xlsx")))
    assert (lay.sheet, lay.id_col, lay.question_col, lay.answer_col, lay.remarks_col) == ("チェックシート", 1, 2, 3, 4)
    assert lay.vocabulary == ("はい", "いいえ", "一部対応", "該当なし")
    assert [q.ref for q in lay.questions] == ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3"]
    assert lay.example_rows == (6,)  # 記入例 is not a question
    assert lay.questions[0].section == "1. ログ管理"
    assert lay.questions[3].section == "2. アカウント管理"
    assert lay.section_rows == (7, 11)


def test_english_sheet_with_category_column(tmp_path: Path) -> None:
    (lay,) = detect_book(read_book(english_book(tmp_path / "en.xlsx")))
    assert (lay.header_row, lay.question_col, lay.answer_col, lay.remarks_col) == (3, 3, 4, 5)
    assert lay.section_cols == (2,)
    assert lay.questions[0].options == ("Yes", "No", "N/A")
    assert lay.questions[0].section == "Security"


def test_instructions_sheet_holds_no_questions_but_names_the_vocabulary(tmp_path: Path) -> None:
    layouts = detect_book(read_book(multi_sheet_book(tmp_path / "multi.xlsx")))
    assert [lay.sheet for lay in layouts] == ["インフラ", "組織"]
    assert layouts[0].vocabulary == ("○", "×", "△")
    assert layouts[0].remarks_col == 5
    assert layouts[0].questions[1].section == "インフラ"  # 大項目 carried down to the rows below


def test_csv_and_ods_layouts(tmp_path: Path) -> None:
    (lay,) = detect_book(read_book(csv_book(tmp_path / "s.csv", "cp932")))
    assert (lay.question_col, lay.answer_col, lay.remarks_col, len(lay.questions)) == (2, 3, 4, 2)
    (ods,) = detect_book(read_book(ods_book(tmp_path / "s.ods")))
    assert [q.text for q in ods.questions] == ["監査ログを取得していますか。", "WAF を導入していますか。"]


def test_the_demo_sample_is_detected_in_full(tmp_path: Path) -> None:
    (lay,) = detect_book(read_book(write_sample(tmp_path / "sample.xlsx")))
    assert len(lay.questions) == question_count() == 60
    assert lay.vocabulary == ("はい", "いいえ", "一部対応", "該当なし")


def test_overrides_name_the_columns(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["管理番号X", "内容説明", "記入欄", "メモ"])  # words detection would not trust
    ws.append(["A", "監査ログを取得していますか。", None, None])
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    (lay,) = detect_book(read_book(path), Overrides(header_row=1, question_col=2, answer_col=3, remarks_col=4))
    assert (lay.question_col, lay.answer_col, lay.remarks_col) == (2, 3, 4)
    assert lay.questions[0].text == "監査ログを取得していますか。"


def test_no_question_sheet_is_a_one_line_error(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["売上", "利益"])
    path = tmp_path / "numbers.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as err:
        detect_book(read_book(path))
    assert "--question-col" in err.value.diagnostics()


def test_unknown_sheet_override(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        detect_book(read_book(japanese_book(tmp_path / "ja.xlsx")), Overrides(sheet="Nope"))
    assert "チェックシート" in err.value.diagnostics()


@pytest.mark.parametrize(("text", "col"), [("C", 3), ("aa", 27), ("4", 4)])
def test_parse_col(text: str, col: int) -> None:
    assert parse_col(text) == col


def test_parse_col_rejects_garbage() -> None:
    with pytest.raises(InputError):
        parse_col("C3")


def test_the_shipped_sample_is_the_script_output() -> None:
    from importlib import resources

    shipped = resources.files("checksheet.questionnaire") / "data" / "sample_checksheet_ja.xlsx"
    with resources.as_file(shipped) as path:
        book = read_book(path)
    built = build_values()
    assert [s.cells for s in book.sheets] == built


def build_values() -> list[tuple[tuple[str, ...], ...]]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return [s.cells for s in read_book(write_sample(Path(tmp) / "s.xlsx")).sheets]


def test_vocabulary_from_the_header_when_there_is_no_dropdown(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["No.", "確認項目", "回答（○／×／△）", "備考"])
    ws.append([1, "WAF を導入していますか。", None, None])
    path = tmp_path / "header.xlsx"
    wb.save(path)
    (lay,) = detect_book(read_book(path))
    assert lay.vocabulary == ("○", "×", "△") and lay.questions[0].options == ("○", "×", "△")
