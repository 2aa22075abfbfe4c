"""Dropdown lists of an OpenDocument spreadsheet (.ods), which python-calamine does not expose.

A list lives in content.xml as a content validation, `of:cell-content-is-in-list(...)`, with
literal choices ("はい";"いいえ"), a cell range ([$リスト.$A$1:.$A$3]) or a named range;
cells point at it by name. Repeated rows and columns are kept as ranges, never expanded.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
Range = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col; 1-based, inclusive
MAX_RANGES = 20_000  # per workbook: real sheets have a handful of validated blocks


@dataclass(frozen=True, slots=True)
class ListSource:
    """Where a list's choices come from: literal words, or a range on a sheet."""

    words: tuple[str, ...] = ()
    sheet: str = ""
    cells: Range | None = None


_CELL = re.compile(r"\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def parse_address(address: str) -> ListSource | None:
    """ "$リスト.$A$1:.$A$3", "'Drop Down'.A2:A5" -> the sheet and the range."""
    address = address.strip().strip("[]")
    m = re.fullmatch(
        r"\$?(?:'(?P<quoted>(?:[^']|'')+)'|(?P<sheet>[^.':]+))\.(?P<a>\$?[A-Z]{1,3}\$?\d+)"
        r"(?::(?:\$?(?:'(?:[^']|'')+'|[^.':]+))?\.?(?P<b>\$?[A-Z]{1,3}\$?\d+))?",
        address,
    )
    if not m:
        return None
    a = _CELL.fullmatch(m["a"])
    b = _CELL.fullmatch(m["b"] or m["a"])
    if not a or not b:
        return None
    sheet = m["quoted"].replace("''", "'") if m["quoted"] else m["sheet"]
    return ListSource(sheet=sheet, cells=(int(a["row"]), _col(a["col"]), int(b["row"]), _col(b["col"])))


def parse_condition(condition: str, names: dict[str, str]) -> ListSource | None:
    m = re.search(r"cell-content-is-in-list\((?P<arg>.*)\)\s*$", condition)
    if not m:
        return None
    arg = m["arg"].strip()
    if arg.startswith('"'):
        return ListSource(words=tuple(w.replace('""', '"') for w in re.findall(r'"((?:[^"]|"")*)"', arg) if w.strip()))
    return parse_address(names.get(arg, arg))


def _int(element: Element, name: str) -> int:
    try:
        return max(1, int(element.get(f"{TABLE}{name}", "1")))
    except ValueError:
        return 1


class DocumentTypeError(ValueError):
    """content.xml declares a DTD: never in a real spreadsheet, the way to entity-expansion attacks."""


def _events(path: Path) -> Iterator[tuple[str, Element]]:
    with zipfile.ZipFile(path) as archive:
        with archive.open("content.xml") as head:
            if b"<!DOCTYPE" in head.read(4096).upper():
                raise DocumentTypeError("content.xml declares a document type")
        with archive.open("content.xml") as content:
            # no DTD (checked above), so no entities to expand; ElementTree never fetches external ones
            yield from iterparse(content, events=("start", "end"))  # noqa: S314


def validations(path: Path) -> dict[str, list[tuple[tuple[Range, ...], ListSource]]]:
    """Sheet name -> its dropdown lists and the cells they cover."""
    conditions: dict[str, str] = {}
    names: dict[str, str] = {}
    covered: dict[str, dict[str, list[Range]]] = {}  # sheet -> validation name -> ranges
    sheet = ""
    row = col = 0
    count = 0
    in_row: list[tuple[str, int, int]] = []  # validation name, first and last column, in the current row
    for event, el in _events(path):
        tag = el.tag
        if event == "start":
            if tag == f"{TABLE}table":
                sheet, row = el.get(f"{TABLE}name", ""), 0
            elif tag == f"{TABLE}table-row":
                col = 0
            continue
        if tag == f"{TABLE}content-validation":
            conditions[el.get(f"{TABLE}name", "")] = el.get(f"{TABLE}condition", "")
        elif tag == f"{TABLE}named-range":
            names[el.get(f"{TABLE}name", "")] = el.get(f"{TABLE}cell-range-address", "")
        elif tag in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
            span = _int(el, "number-columns-repeated")
            name = el.get(f"{TABLE}content-validation-name")
            if name and count < MAX_RANGES:
                in_row.append((name, col + 1, col + span))
                count += 1
            col += span
            el.clear()
        elif tag == f"{TABLE}table-row":
            repeat = _int(el, "number-rows-repeated")  # the cells just read stand for `repeat` rows
            for name, c0, c1 in in_row:
                covered.setdefault(sheet, {}).setdefault(name, []).append((row + 1, c0, row + repeat, c1))
            in_row = []
            row += repeat
            el.clear()
    out: dict[str, list[tuple[tuple[Range, ...], ListSource]]] = {}
    for sheet_name, by_name in covered.items():
        for name, ranges in by_name.items():
            source = parse_condition(conditions.get(name, ""), names)
            if source is not None:
                out.setdefault(sheet_name, []).append((tuple(ranges), source))
    return out
