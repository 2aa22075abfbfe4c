"""Answers patched into the sheet XML: pictures, shapes and every other part of the customer's file survive."""

from __future__ import annotations

import base64
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from checksheet.model import ControlState
from checksheet.questionnaire import service
from checksheet.questionnaire.ooxml import Unsupported, col_letters, patch_sheet
from checksheet.questionnaire.read import sha256_of
from checksheet.store import Store, open_store
from tests.questionnaire.books import status

MET = [status(c, ControlState.MET) for c in ("LOG-01", "NET-05", "HR-01")]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
DRAWING = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<xdr:oneCellAnchor><xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>0</xdr:row>"
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="600000" cy="300000"/><xdr:pic><xdr:nvPicPr>'
    '<xdr:cNvPr id="2" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/>'
    '</xdr:blipFill><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
    "<xdr:clientData/></xdr:oneCellAnchor>"
    "<xdr:oneCellAnchor><xdr:from><xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>2</xdr:row>"
    '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="2000000" cy="900000"/><xdr:sp macro="" textlink="">'
    '<xdr:nvSpPr><xdr:cNvPr id="3" name="TextBox 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:p><a:r>'
    "<a:t>回答欄はプルダウンから選択してください</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
    "</xdr:oneCellAnchor></xdr:wsDr>"
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_logo_and_text_box(path: Path) -> Path:
    """A sheet as Excel saves it with a company logo and a text box: parts openpyxl would drop."""
    wb = Workbook()
    ws = wb.active
    ws.title = "チェックシート"
    ws.append(["情報セキュリティチェックシート"])
    ws.append(["No", "確認項目", "回答", "備考"])
    dv = DataValidation(type="list", formula1='"はい,いいえ"')
    ws.add_data_validation(dv)
    for i, q in enumerate(
        ("WAF を導入していますか。", "監査ログを取得していますか。", "資本金を記入してください。"), 1
    ):
        ws.append([i, q])
        dv.add(f"C{ws.max_row}")
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="png" ContentType="image/png"/><Override PartName="/xl/drawings/drawing1.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>',
                )
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b'<drawing r:id="rIdDr1"/></worksheet>')
                if b"xmlns:r=" not in data:
                    data = data.replace(b"<worksheet ", f'<worksheet xmlns:r="{REL}" '.encode(), 1)
            dst.writestr(item, data)
        dst.writestr(
            "xl/worksheets/_rels/sheet1.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rIdDr1" Type="{REL}/drawing" Target="../drawings/drawing1.xml"/></Relationships>',
        )
        dst.writestr("xl/drawings/drawing1.xml", DRAWING)
        dst.writestr(
            "xl/drawings/_rels/drawing1.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{REL}/image" Target="../media/image1.png"/></Relationships>',
        )
        dst.writestr("xl/media/image1.png", PNG)
    plain.unlink()
    return path


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_pictures_shapes_and_every_other_part_are_kept(tmp_path: Path, sqlite_store: Store) -> None:
    src = with_logo_and_text_box(tmp_path / "logo.xlsx")
    before = sha256_of(src)
    result = service.answer_sheet(sqlite_store, MET, service.Request(path=src))
    assert sha256_of(src) == before
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(result.written.path) as b:
        changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
        added = set(b.namelist()) - set(a.namelist())
        assert b.read("xl/media/image1.png") == PNG and b.read("xl/drawings/drawing1.xml") == DRAWING.encode()
    assert changed == {
        "xl/worksheets/sheet1.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
    }
    assert added == {"xl/worksheets/sheet2.xml"}
    wb = load_workbook(result.written.path)
    assert wb.sheetnames == ["チェックシート", "checksheet確認"]
    ws = wb["チェックシート"]
    assert (ws["C3"].value, ws["C4"].value, ws["C5"].value) == ("はい", "はい", None)
    assert "WAF" in ws["D3"].value
    assert [str(d.sqref) for d in ws.data_validations.dataValidation] == ["C3 C4 C5"]
    review = wb["checksheet確認"]
    assert review["D2"].value == "WAF を導入していますか。" and review["B2"].value == 3


SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<cols><col min="4" max="4" width="40" style="7" customWidth="1"/></cols><sheetData>'
    '<row r="2" spans="1:3"><c r="A2" t="s"><v>0</v></c><c r="C2" s="3"/></row>'
    '<row r="3"><c r="A3"><v>2</v></c><c r="C3" t="s"><v>1</v></c><c r="E3"><f>A3*2</f><v>4</v></c></row>'
    '<row r="6"><c r="A6"><v>5</v></c></row>'
    '</sheetData><mergeCells count="1"><mergeCell ref="D6:E6"/></mergeCells></worksheet>'
)


def test_cells_are_replaced_or_inserted_in_order_with_their_style() -> None:
    writes = {
        (2, 3): "はい",
        (2, 4): "a < b & c",
        (2, 2): "B",
        (3, 3): "x",
        (3, 5): "y",
        (4, 3): "新しい行",
        (7, 1): "末尾",
    }
    xml, written, kept = patch_sheet(SHEET, writes, frozenset({(3, 5)}))
    assert (
        '<row r="2"><c r="A2" t="s"><v>0</v></c>'
        '<c r="B2" t="inlineStr"><is><t xml:space="preserve">B</t></is></c>'
        '<c r="C2" s="3" t="inlineStr"><is><t xml:space="preserve">はい</t></is></c>'
        '<c r="D2" s="7" t="inlineStr"><is><t xml:space="preserve">a &lt; b &amp; c</t></is></c></row>'
    ) in xml  # the styled empty cell keeps its style, a new cell takes its column's, spans is dropped
    assert '<row r="4"><c r="C4" t="inlineStr">' in xml and xml.index('r="4"') < xml.index('<row r="6"')
    assert xml.index('<row r="7">') > xml.index('<row r="6">') and xml.endswith("</worksheet>")
    assert sorted(kept) == [(3, 3), (3, 5)]  # a value, and a formula even when its text looked replaceable
    assert sorted(written) == [(2, 2), (2, 3), (2, 4), (4, 3), (7, 1)]
    assert "<mergeCells" in xml


def test_a_prompt_is_replaced_and_a_prefixed_sheet_keeps_its_prefix() -> None:
    xml = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        '<x:row r="2"><x:c r="C2" t="inlineStr"><x:is><x:t>選択してください</x:t></x:is></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    out, written, _ = patch_sheet(xml, {(2, 3): "はい\x07"}, frozenset({(2, 3)}))
    assert written == [(2, 3)]
    assert '<x:c r="C2" t="inlineStr"><x:is><x:t xml:space="preserve">はい</x:t></x:is></x:c>' in out


def test_an_empty_sheet_data_gets_its_rows() -> None:
    xml = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    out, written, _ = patch_sheet(xml, {(3, 2): "b", (1, 1): "a"})
    assert '<sheetData><row r="1">' in out and out.index('r="1"') < out.index('r="3"')
    assert sorted(written) == [(1, 1), (3, 2)]


def test_rows_without_their_number_are_left_to_openpyxl(tmp_path: Path, sqlite_store: Store) -> None:
    with pytest.raises(Unsupported):
        patch_sheet('<worksheet><sheetData><row><c r="A1"/></row></sheetData></worksheet>', {(1, 2): "x"})
    src = with_logo_and_text_box(tmp_path / "logo.xlsx")
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as b:
        for item in a.infolist():
            data = a.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="3">', b"<row>")  # allowed by the standard, written by some tools
            b.writestr(item, data)
    result = service.answer_sheet(sqlite_store, MET, service.Request(path=odd))
    assert load_workbook(result.written.path)["チェックシート"]["C4"].value == "はい"


_ROWS = st.dictionaries(
    st.integers(1, 30),
    st.dictionaries(st.integers(1, 8), st.sampled_from(["empty", "styled", "value", "formula"]), max_size=5),
    max_size=8,
)
_WRITES = st.dictionaries(st.tuples(st.integers(1, 30), st.integers(1, 8)), st.text(max_size=6), max_size=12)


def _sheet_xml(rows: dict[int, dict[int, str]]) -> str:
    kinds = {
        "empty": '<c r="{ref}"/>',
        "styled": '<c r="{ref}" s="2"/>',
        "value": '<c r="{ref}" t="s"><v>0</v></c>',
        "formula": '<c r="{ref}"><f>1+1</f><v>2</v></c>',
    }
    body = "".join(
        f'<row r="{r}">'
        + "".join(kinds[k].format(ref=f"{col_letters(c)}{r}") for c, k in sorted(cells.items()))
        + "</row>"
        for r, cells in sorted(rows.items())
    )
    return f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData><pageMargins left="0.7"/></worksheet>'


@settings(max_examples=200, deadline=None)
@given(rows=_ROWS, writes=_WRITES)
def test_any_patch_is_well_formed_ordered_and_complete(
    rows: dict[int, dict[int, str]], writes: dict[tuple[int, int], str]
) -> None:
    xml, written, kept = patch_sheet(_sheet_xml(rows), writes)
    root = ElementTree.fromstring(xml)  # well-formed
    found: dict[tuple[int, int], ElementTree.Element] = {}
    row_numbers = []
    for row in root.iter(f"{{{MAIN}}}row"):
        number = int(row.get("r", "0"))
        row_numbers.append(number)
        cols = []
        for c in row:
            letters = re.sub(r"\d", "", c.get("r", ""))
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            found[(number, col)] = c
            cols.append(col)
        assert cols == sorted(cols) and len(set(cols)) == len(cols)  # cells in column order, once each
    assert row_numbers == sorted(row_numbers) and len(set(row_numbers)) == len(row_numbers)
    assert set(written) | set(kept) == set(writes) and not set(written) & set(kept)
    for cell in kept:
        assert rows[cell[0]][cell[1]] in ("value", "formula")
    for cell in written:
        text = "".join(found[cell].itertext())
        expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", writes[cell])
        assert text == expected
        if rows.get(cell[0], {}).get(cell[1]) == "styled":
            assert found[cell].get("s") == "2"  # the cell's own style is kept
