"""Reading real and hostile workbooks: every format, and a one-line error for what must not be parsed."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from checksheet.errors import InputError
from checksheet.questionnaire.guard import OLE_MAGIC, Limits, check_file
from checksheet.questionnaire.read import read_book
from tests.questionnaire.books import csv_book, english_book, japanese_book, ods_book


def _one_line(err: InputError) -> str:
    text = err.diagnostics("en")
    assert "\n" not in text and "Traceback" not in text
    assert err.diagnostics("ja") != text  # a Japanese message exists too
    return text


def test_xlsx_values_merges_and_dropdown(tmp_path: Path) -> None:
    book = read_book(japanese_book(tmp_path / "ja.xlsx"))
    sheet = book.sheet("チェックシート")
    assert sheet.value(1, 1) == "情報セキュリティチェックシート"
    assert (1, 1, 1, 4) in sheet.merged
    assert sheet.options_at(9, 3) == ("はい", "いいえ", "一部対応", "該当なし")
    assert sheet.options_at(9, 4) == ()
    assert len(book.sha256) == 64


def test_dropdown_from_a_range_on_another_sheet(tmp_path: Path) -> None:
    sheet = read_book(english_book(tmp_path / "en.xlsx")).sheet("Questionnaire")
    assert sheet.options_at(4, 4) == ("Yes", "No", "N/A")


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_in_japanese_encodings(tmp_path: Path, encoding: str) -> None:
    book = read_book(csv_book(tmp_path / f"sheet-{encoding}.csv", encoding))
    assert book.kind == "csv"
    assert book.sheets[0].value(1, 2) == "質問"
    assert book.sheets[0].value(3, 2) == "ログを取得し、改ざん防止していますか。"


def test_csv_in_an_unknown_encoding_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"No,\x81 \xef\xbf,\x00")  # neither UTF-8 nor CP932, and binary
    with pytest.raises(InputError) as err:
        read_book(path)
    assert "UTF-8" in _one_line(err.value)


def test_ods_through_calamine(tmp_path: Path) -> None:
    book = read_book(ods_book(tmp_path / "sheet.ods"))
    assert book.kind == "ods"
    assert book.sheets[0].value(2, 2) == "監査ログを取得していますか。"


def test_xlsm_is_read_without_running_anything(tmp_path: Path) -> None:
    path = japanese_book(tmp_path / "macro.xlsx").rename(tmp_path / "macro.xlsm")
    book = read_book(path)
    assert book.kind == "xlsm" and book.sheet("チェックシート").value(5, 2) == "質問"


def _xlsx_with_sheet_xml(path: Path, sheet_xml: bytes) -> Path:
    """A real workbook whose first sheet's XML is replaced."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else src.read(item.filename)
            dst.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    bomb = head + b" " * (40 * 1024 * 1024) + b"</sheetData></worksheet>"
    path = _xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", bomb)
    assert path.stat().st_size < 200 * 1024  # tiny on disk
    with pytest.raises(InputError) as err:
        read_book(path)
    assert "zip bomb" in _one_line(err.value)


def test_declared_sizes_are_limited_too(tmp_path: Path) -> None:
    path = japanese_book(tmp_path / "ok.xlsx")
    with pytest.raises(InputError) as err:
        check_file(path, Limits(max_unzipped_bytes=1000))
    assert "expands to" in _one_line(err.value)


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    with pytest.raises(InputError) as err:
        read_book(path)
    assert "not a valid workbook" in _one_line(err.value)


def test_truncated_workbook(tmp_path: Path) -> None:
    good = japanese_book(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError) as err:
        read_book(path)
    _one_line(err.value)


def test_password_protected_workbook(tmp_path: Path) -> None:
    # Excel stores an encrypted .xlsx in an OLE compound file with an EncryptedPackage stream.
    path = tmp_path / "locked.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024)
    with pytest.raises(InputError) as err:
        read_book(path)
    assert "password-protected" in _one_line(err.value)


def test_xls_that_is_not_ole(tmp_path: Path) -> None:
    path = tmp_path / "fake.xls"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_book(path)
    _one_line(err.value)


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        read_book(tmp_path / "sheet.pdf")
    with pytest.raises(InputError) as err:
        read_book(tmp_path / "missing.xlsx")
    assert "no such file" in _one_line(err.value)


def test_100k_row_sheet_is_refused_in_bounded_time(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>q{i}</t></is></c></row>' for i in range(1, 100_001))
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{rows}</sheetData></worksheet>"
    ).encode()
    path = _xlsx_with_sheet_xml(tmp_path / "big.xlsx", xml)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_book(path)
    assert time.perf_counter() - start < 5
    assert "100,000 rows" in _one_line(err.value)


def test_whole_sheet_validation_and_formulas_are_handled(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["No", "質問", "回答"])
    ws.append([1, "監査ログを取得していますか。", '=IF(TRUE,"はい","いいえ")'])
    ws.append([2, '="計算された"&"質問"', None])
    dv = DataValidation(type="list", formula1='"○,×"')
    dv.add("A1:XFD1048576")
    ws.add_data_validation(dv)
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    start = time.perf_counter()
    sheet = read_book(path).sheets[0]
    assert time.perf_counter() - start < 2
    assert sheet.options_at(1_000_000, 16_000) == ("○", "×")
    assert sheet.value(3, 2) == ""  # a formula without a cached value is not evaluated


def _sheet_xml(rows: str, tail: str = "") -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData>{tail}</worksheet>"
    ).encode()


QUESTION_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>No</t></is></c><c r="B1" t="inlineStr"><is><t>質問</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>回答</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>監査ログを取得していますか。</t></is></c></row>'
)


def test_a_merge_over_the_whole_sheet_is_refused_before_openpyxl(tmp_path: Path) -> None:
    xml = _sheet_xml(QUESTION_ROWS, '<mergeCells count="1"><mergeCell ref="D1:XFD1048576"/></mergeCells>')
    path = _xlsx_with_sheet_xml(tmp_path / "merged.xlsx", xml)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_book(path)
    assert time.perf_counter() - start < 5
    assert "merges" in _one_line(err.value)


def test_thousands_of_small_merges_stay_fast(tmp_path: Path) -> None:
    from checksheet.questionnaire.layout import detect_book

    merges = "".join(f'<mergeCell ref="E{r}:F{r}"/>' for r in range(3, 5_003))
    xml = _sheet_xml(QUESTION_ROWS, f'<mergeCells count="5000">{merges}</mergeCells>')
    path = _xlsx_with_sheet_xml(tmp_path / "many.xlsx", xml)
    start = time.perf_counter()
    (lay,) = detect_book(read_book(path))
    assert time.perf_counter() - start < 5
    assert [q.text for q in lay.questions] == ["監査ログを取得していますか。"]
