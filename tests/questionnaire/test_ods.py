"""Dropdown lists of .ods workbooks: literal, range and named-range lists, repeated rows and columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from checksheet.errors import InputError
from checksheet.model import ControlState
from checksheet.questionnaire import service
from checksheet.questionnaire.layout import detect_book
from checksheet.questionnaire.ods import parse_address
from checksheet.questionnaire.read import read_book
from checksheet.store import Store, open_store
from tests.questionnaire.books import status, write_ods

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"'
)


def _cell(value: str = "", validation: str = "", repeat: int = 1) -> str:
    attrs = (f' table:content-validation-name="{validation}"' if validation else "") + (
        f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    )
    if value:
        return f'<table:table-cell office:value-type="string"{attrs}><text:p>{value}</text:p></table:table-cell>'
    return f"<table:table-cell{attrs}/>"


def ods_with_lists(path: Path, doctype: str = "") -> Path:
    """質問 sheet: row 2 uses a literal list, rows 3-4 a named range (one row element repeated), row 5 a range."""
    rows = [
        _cell("No") + _cell("質問") + _cell("回答") + _cell("備考"),
        _cell("1") + _cell("監査ログを取得していますか。") + _cell(validation="lit") + _cell(),
    ]
    body = "".join(f"<table:table-row>{r}</table:table-row>" for r in rows)
    body += (
        '<table:table-row table:number-rows-repeated="2">'
        + _cell(repeat=2)
        + _cell(validation="named")
        + _cell()
        + "</table:table-row>"
    )
    waf = _cell("4") + _cell("WAF を導入していますか。") + _cell(validation="range")
    body += f"<table:table-row>{waf}</table:table-row>"
    lists = "".join(
        f"<table:table-row>{_cell(w)}{_cell(v)}</table:table-row>" for w, v in (("○", "はい"), ("×", "いいえ"))
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<office:document-content {NS} office:version="1.2">'
        "<office:body><office:spreadsheet><table:content-validations>"
        '<table:content-validation table:name="lit" '
        'table:condition="of:cell-content-is-in-list(&quot;はい&quot;;&quot;いいえ&quot;)"/>'
        '<table:content-validation table:name="named" table:condition="of:cell-content-is-in-list(回答)"/>'
        '<table:content-validation table:name="range" '
        "table:condition=\"of:cell-content-is-in-list([$'選択 肢'.$B$1:.$B$2])\"/>"
        "</table:content-validations>"
        f'<table:table table:name="質問">{body}</table:table>'
        f'<table:table table:name="選択 肢">{lists}</table:table>'
        '<table:named-expressions><table:named-range table:name="回答" '
        "table:cell-range-address=\"$'選択 肢'.$A$1:.$A$2\"/></table:named-expressions>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    return write_ods(path, content)


def test_the_three_kinds_of_list_and_where_they_apply(tmp_path: Path) -> None:
    sheet = read_book(ods_with_lists(tmp_path / "lists.ods")).sheet("質問")
    assert sheet.options_at(2, 3) == ("はい", "いいえ")
    assert sheet.options_at(3, 3) == sheet.options_at(4, 3) == ("○", "×")  # one row element standing for two
    assert sheet.options_at(5, 3) == ("はい", "いいえ")
    assert sheet.options_at(2, 4) == () and sheet.options_at(6, 3) == ()


@pytest.mark.parametrize(
    ("address", "sheet", "cells"),
    [
        ("$リスト.$A$1:.$A$3", "リスト", (1, 1, 3, 1)),
        ("[$'Drop Down'.$A$2:.$B$5]", "Drop Down", (2, 1, 5, 2)),
        ("Sheet1.C3", "Sheet1", (3, 3, 3, 3)),
    ],
)
def test_addresses(address: str, sheet: str, cells: tuple[int, int, int, int]) -> None:
    source = parse_address(address)
    assert source is not None and (source.sheet, source.cells) == (sheet, cells)


def test_an_ods_is_answered_in_its_own_words_and_keeps_its_dropdowns(tmp_path: Path) -> None:
    store: Store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    src = ods_with_lists(tmp_path / "lists.ods")
    (lay,) = detect_book(read_book(src))
    assert [q.options for q in lay.questions] == [("はい", "いいえ"), ("はい", "いいえ")]
    result = service.answer_sheet(store, [status("LOG-01", ControlState.MET)], service.Request(path=src))
    ws = load_workbook(result.written.path)["質問"]
    assert ws["C2"].value == "はい"
    assert sorted(d.formula1 for d in ws.data_validations.dataValidation) == ['"○,×"', '"はい,いいえ"', '"はい,いいえ"']


def test_a_document_type_in_content_xml_is_refused(tmp_path: Path) -> None:
    bad = ods_with_lists(tmp_path / "dtd.ods", doctype='<!DOCTYPE x [<!ENTITY a "aaaa">]>')
    with pytest.raises(InputError) as err:
        read_book(bad)
    assert "dtd.ods" in err.value.diagnostics()
