"""Read any workbook into plain values: cell text, merged ranges and dropdown lists per sheet.

Values come from python-calamine for every format (cached results of formulas, never a
recalculation, never a macro). For .xlsx/.xlsm, openpyxl adds what calamine does not
expose: data validation lists. CSV is decoded as UTF-8 (with or without BOM) or CP932.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from checksheet.errors import InputError
from checksheet.questionnaire.guard import DEFAULT_LIMITS, Kind, Limits, check_file

Range = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col; 1-based, inclusive


@dataclass(frozen=True, slots=True)
class Validation:
    """A dropdown list and the cells it applies to."""

    ranges: tuple[Range, ...]
    options: tuple[str, ...]

    def covers(self, row: int, col: int) -> bool:
        return any(r0 <= row <= r1 and c0 <= col <= c1 for r0, c0, r1, c1 in self.ranges)


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    cells: tuple[tuple[str, ...], ...]  # row-major from A1; "" for an empty cell
    merged: tuple[Range, ...] = ()
    validations: tuple[Validation, ...] = ()
    hidden: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def value(self, row: int, col: int) -> str:
        """Text of the cell at 1-based (row, col)."""
        if 1 <= row <= len(self.cells):
            line = self.cells[row - 1]
            if 1 <= col <= len(line):
                return line[col - 1]
        return ""

    def options_at(self, row: int, col: int) -> tuple[str, ...]:
        for v in self.validations:
            if v.options and v.covers(row, col):
                return v.options
        return ()


@dataclass(frozen=True, slots=True)
class Book:
    path: Path
    kind: Kind
    sha256: str
    sheets: tuple[Sheet, ...]

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sheets)
        raise InputError(
            f"no sheet named {name!r}; sheets: {known}", ja=f"シート {name!r} はありません。シート: {known}"
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def text_of(value: Any) -> str:
    """A cell value as the text a person sees (1.0 -> "1", dates as ISO)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _too_big(path: Path, name: str, rows: int, cols: int, limits: Limits) -> InputError:
    return InputError(
        f"{path.name}: sheet {name!r} has {rows:,} rows and {cols:,} columns; the limit is "
        f"{limits.max_rows:,} rows, {limits.max_cols:,} columns and {limits.max_cells:,} cells",
        ja=f"{path.name}: シート {name!r} は {rows:,} 行 {cols:,} 列あり、上限（{limits.max_rows:,} 行、"
        f"{limits.max_cols:,} 列、{limits.max_cells:,} セル）を超えています",
    )


def _calamine_sheets(path: Path, limits: Limits) -> list[Sheet]:
    import python_calamine as pc

    sheets = []
    try:
        with pc.CalamineWorkbook.from_path(str(path)) as book:
            for meta in book.sheets_metadata:
                if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                    continue
                sheet = book.get_sheet_by_name(meta.name)
                rows, cols = sheet.end if sheet.end else (0, 0)
                if (
                    rows + 1 > limits.max_rows
                    or cols + 1 > limits.max_cols
                    or (rows + 1) * (cols + 1) > limits.max_cells
                ):
                    raise _too_big(path, meta.name, rows + 1, cols + 1, limits)
                values = sheet.to_python(skip_empty_area=False)
                merged = tuple(
                    (r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or ())
                )
                area = sum((r1 - r0 + 1) * (c1 - c0 + 1) for r0, c0, r1, c1 in merged)
                if area > limits.max_merged_cells:
                    raise InputError(
                        f"{path.name}: sheet {meta.name!r} merges {area:,} cells; the limit is "
                        f"{limits.max_merged_cells:,}",
                        ja=f"{path.name}: シート {meta.name!r} の結合セルが {area:,} 個あり、上限"
                        f"（{limits.max_merged_cells:,} 個）を超えています",
                    )
                sheets.append(
                    Sheet(
                        name=meta.name,
                        cells=tuple(tuple(text_of(v) for v in row) for row in values),
                        merged=merged,
                        hidden="Visible" not in str(meta.visible),
                    )
                )
    except InputError:
        raise
    except pc.PasswordError as err:
        raise InputError(
            f"{path.name}: the workbook is password-protected", ja=f"{path.name}: ブックがパスワードで保護されています"
        ) from err
    except Exception as err:  # calamine raises several unrelated types for damaged files
        raise InputError(
            f"{path.name}: not a valid workbook ({type(err).__name__}: {err})",
            ja=f"{path.name}: ブックとして読み込めません（{type(err).__name__}: {err}）",
        ) from err
    return sheets


_REF = re.compile(
    r"^=?(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<sheet>[^'!\s]+))!)?"
    r"\$?(?P<c0>[A-Z]{1,3})\$?(?P<r0>\d+)(?::\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+))?$"
)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _list_options(formula: str, own: Sheet, by_name: dict[str, Sheet], names: dict[str, str]) -> tuple[str, ...]:
    """The choices of a list validation: a literal "a,b,c", a range, or a defined name of a range."""
    formula = formula.strip()
    if formula.startswith('"') and formula.endswith('"'):
        return tuple(o.strip() for o in formula[1:-1].split(",") if o.strip())
    formula = names.get(formula.lstrip("="), formula).strip()
    match = _REF.match(formula)
    if not match:
        return ()
    name = match["quoted"].replace("''", "'") if match["quoted"] else match["sheet"]
    sheets = {k.lower(): v for k, v in by_name.items()}  # Excel's sheet names ignore case
    if name and name.lower() not in sheets:
        return ()  # a list on a sheet we cannot see is no list; never the answer sheet's own cells
    sheet = sheets[name.lower()] if name else own
    r0, c0 = int(match["r0"]), _col_index(match["c0"])
    r1, c1 = int(match["r1"] or r0), _col_index(match["c1"] or match["c0"])
    r1 = min(r1, r0 + 50)  # a list of choices is short; a whole column reference is not read in full
    return tuple(v for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (v := sheet.value(r, c)))


def _with_validations(path: Path, kind: Kind, sheets: list[Sheet], limits: Limits) -> list[Sheet]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, keep_vba=kind == "xlsm", keep_links=False, rich_text=False)
    except Exception as err:  # openpyxl lets zip, XML and key errors through for damaged files
        raise InputError(
            f"{path.name}: not a valid workbook ({type(err).__name__}: {err})",
            ja=f"{path.name}: ブックとして読み込めません（{type(err).__name__}: {err}）",
        ) from err
    by_name = {s.name: s for s in sheets}
    book_names = {n: dn.attr_text for n, dn in wb.defined_names.items()}
    out = []
    for s in sheets:
        if s.name not in wb.sheetnames:
            out.append(s)
            continue
        ws = wb[s.name]
        names = {**book_names, **{n: dn.attr_text for n, dn in ws.defined_names.items()}}  # a sheet's own names win
        validations = []
        for dv in ws.data_validations.dataValidation[: limits.max_validations]:
            if dv.type != "list" or not dv.formula1:
                continue
            ranges = tuple((r.min_row, r.min_col, r.max_row, r.max_col) for r in dv.sqref.ranges)
            validations.append(Validation(ranges, _list_options(dv.formula1, s, by_name, names)))
        merged = tuple((r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges)
        out.append(Sheet(s.name, s.cells, merged or s.merged, tuple(validations), ws.sheet_state != "visible"))
    wb.close()
    return out


def _with_ods_validations(path: Path, sheets: list[Sheet]) -> list[Sheet]:
    from xml.etree.ElementTree import ParseError

    from checksheet.questionnaire import ods

    try:
        found = ods.validations(path)
    except (ParseError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise InputError(
            f"{path.name}: not a valid workbook ({type(err).__name__}: {err})",
            ja=f"{path.name}: ブックとして読み込めません（{type(err).__name__}: {err}）",
        ) from err
    by_name = {s.name.lower(): s for s in sheets}
    out = []
    for s in sheets:
        lists = []
        for ranges, source in found.get(s.name, []):
            options = source.words
            if source.cells and (target := by_name.get(source.sheet.lower())):
                r0, c0, r1, c1 = source.cells
                r1 = min(r1, r0 + 50)  # a list of choices is short
                options = tuple(v for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (v := target.value(r, c)))
            lists.append(Validation(ranges, options))
        out.append(Sheet(s.name, s.cells, s.merged, tuple(lists), s.hidden))
    return out


def decode_csv(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), or Shift_JIS (CP932)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" not in data:
        for encoding in ("utf-8", "cp932"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise InputError(
        f"{path.name}: the CSV is neither UTF-8 nor Shift_JIS (CP932)",
        ja=f"{path.name}: CSV の文字コードが UTF-8 でも Shift_JIS（CP932）でもありません",
    )


def _csv_sheet(path: Path, limits: Limits) -> Sheet:
    text = decode_csv(path.read_bytes(), path)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[str, ...]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            if len(rows) >= limits.max_rows or len(row) > limits.max_cols:
                raise _too_big(path, path.stem, len(rows) + 1, len(row), limits)
            rows.append(tuple(v.strip() for v in row))
    except csv.Error as err:
        raise InputError(
            f"{path.name}: not valid CSV: {err}", ja=f"{path.name}: CSV として読み込めません: {err}"
        ) from err
    return Sheet(name=path.stem[:31] or "Sheet1", cells=tuple(rows))


def read_book(path: Path, limits: Limits = DEFAULT_LIMITS) -> Book:
    """Check the file, then read every worksheet's values (and dropdowns where the format has them)."""
    kind = check_file(path, limits)
    digest = sha256_of(path)
    if kind == "csv":
        return Book(path, kind, digest, (_csv_sheet(path, limits),))
    sheets = _calamine_sheets(path, limits)
    if kind in ("xlsx", "xlsm"):
        sheets = _with_validations(path, kind, sheets, limits)
    elif kind == "ods":
        sheets = _with_ods_validations(path, sheets)
    if not sheets:
        raise InputError(f"{path.name}: the workbook has no worksheets", ja=f"{path.name}: ワークシートがありません")
    return Book(path, kind, digest, tuple(sheets))
