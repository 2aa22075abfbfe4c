"""Write the answers into a copy of the workbook, layout kept, plus a review sheet; atomically.

Only the answer and remarks cells of answered rows change (and only when they were empty or held
a template's prompt such as 「選択してください」);
styles, merged cells, widths, dropdowns, comments and other sheets are left as openpyxl
loaded them. .xls, .ods and .csv are written back as .xlsx with their values and merges.
Text that a spreadsheet would run as a formula is neutralised (see `safe_text`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checksheet.errors import InputError
from checksheet.model import Lang, Text
from checksheet.questionnaire.answer import Answer
from checksheet.questionnaire.layout import SheetLayout
from checksheet.questionnaire.read import Book, sha256_of
from checksheet.questionnaire.vocab import is_placeholder

#: Characters that make Excel, LibreOffice or a CSV import treat a cell as a formula (OWASP CSV injection).
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
REVIEW_SHEET = Text(ja="checksheet確認", en="checksheet review")
REVIEW_HEADER = Text(
    ja="シート|行|項番|質問|回答|状態|管理策|管理策名|確信度|証跡|備考",
    en="Sheet|Row|Ref|Question|Answer|Status|Controls|Control titles|Confidence|Evidence|Note",
)


def safe_text(value: str, allowed: Sequence[str] = ()) -> str:
    """The value with a leading apostrophe when it would start a formula, unless it is a dropdown choice.

    The apostrophe is kept as text (not Excel's hidden quote prefix) so that the value stays
    inert after a CSV export too; the cell is also written with the string type.
    """
    if value in allowed:
        return value
    return "'" + value if value.startswith(FORMULA_LEAD) else value


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    sha256: str
    cells: tuple[tuple[str, int, int], ...]  # (sheet, row, col) of every cell written
    kept: tuple[tuple[str, int, int], ...]  # cells left alone because they were not empty


def _load(book: Book) -> Any:
    import openpyxl
    from openpyxl import Workbook

    if book.kind in ("xlsx", "xlsm"):
        try:
            return openpyxl.load_workbook(book.path, keep_vba=book.kind == "xlsm", rich_text=True)
        except Exception as err:  # damaged parts that read.py tolerated
            raise InputError(
                f"{book.path.name}: cannot open the workbook for writing: {err}",
                ja=f"{book.path.name}: 書き込み用にブックを開けません: {err}",
            ) from err
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.name[:31])
        for r, row in enumerate(sheet.cells, start=1):
            for c, value in enumerate(row, start=1):
                if value:
                    cell = ws.cell(r, c, safe_text(value))
                    cell.data_type = "s"
        for r0, c0, r1, c1 in sheet.merged:
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    return wb


def _merges_by_row(ws: Any, rows: set[int]) -> dict[int, list[Any]]:
    """The merged ranges covering each target row, found in one pass over the sheet's ranges."""
    index: dict[int, list[Any]] = {}
    for rng in ws.merged_cells.ranges:
        height = rng.max_row - rng.min_row + 1
        candidates = range(rng.min_row, rng.max_row + 1) if height <= len(rows) else rows
        for row in candidates:
            if row in rows and rng.min_row <= row <= rng.max_row:
                index.setdefault(row, []).append(rng)
    return index


def _anchor(merges: dict[int, list[Any]], row: int, col: int) -> tuple[int, int]:
    """The writable cell of a merged range (its top-left), or the cell itself."""
    for rng in merges.get(row, ()):
        if rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def _has_dropdown(ws: Any, row: int, col: int) -> bool:
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list" and any(
            r.min_row <= row <= r.max_row and r.min_col <= col <= r.max_col for r in dv.sqref.ranges
        ):
            return True
    return False


def _review_sheet(wb: Any, answers: Sequence[Answer], titles: Mapping[str, Text], lang: Lang) -> None:
    from openpyxl.styles import Alignment, Font

    name = REVIEW_SHEET.get(lang)
    while name in wb.sheetnames:
        name += "_"
    ws = wb.create_sheet(name)
    ws.append(REVIEW_HEADER.get(lang).split("|"))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for a in answers:
        row = [
            a.question.sheet,
            a.question.row,
            a.question.ref,
            a.question.text,
            a.answer,
            a.status.value,
            " ".join(a.control_ids),
            " / ".join(titles[c].get(a.lang) for c in a.control_ids if c in titles),
            round(a.confidence, 2),
            " ".join(a.evidence[:10]),
            a.note,
        ]
        ws.append([safe_text(v) if isinstance(v, str) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for col, width in zip("ABCDEFGHIJK", (18, 6, 8, 60, 30, 14, 16, 40, 10, 40, 40), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _put(
    ws: Any, merges: dict[int, list[Any]], row: int, col: int, value: str, allowed: Sequence[str]
) -> tuple[int, int] | None:
    r, c = _anchor(merges, row, col)
    cell = ws.cell(r, c)
    if cell.value not in (None, "") and not (isinstance(cell.value, str) and is_placeholder(cell.value)):
        return None  # a person's text is never replaced; a template's 「選択してください」 is
    cell.value = safe_text(value, allowed)
    cell.data_type = "s"
    return r, c


def apply(
    wb: Any, layouts: Sequence[SheetLayout], answers: Sequence[Answer]
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Write each answer into its row; return the cells written and those kept because not empty."""
    by_table = {(lay.sheet, lay.question_col): lay for lay in layouts}
    only = {lay.sheet: lay for lay in layouts}
    merges = {
        name: _merges_by_row(wb[name], {a.question.row for a in answers if a.question.sheet == name}) for name in only
    }
    written: list[tuple[str, int, int]] = []
    kept: list[tuple[str, int, int]] = []
    for a in answers:
        lay = by_table.get((a.question.sheet, a.question.col)) or only[a.question.sheet]
        ws = wb[a.question.sheet]
        value, remark = a.answer, a.explanation
        acol, rcol = lay.answer_col, lay.remarks_col
        options = a.question.options
        if lay.choice_cols:
            # "該当欄に○": the mark goes into the column of the answer's word
            acol = next((c for c, word in lay.choice_cols if word == value), None)
            if acol is None:
                value, remark = "", " ".join(p for p in (value, remark) if p)
            else:
                value, options = lay.mark, (lay.mark,)
        elif value and acol and (options or _has_dropdown(ws, a.question.row, acol)) and value not in options:
            value, remark = "", " ".join(p for p in (value, remark) if p)  # free text never goes into a dropdown
        if remark and not rcol and not value and acol and not options and not _has_dropdown(ws, a.question.row, acol):
            value, remark = remark, ""  # a free-text sheet with one column: the explanation is the answer
        for col, text in ((acol, value), (rcol, remark)):
            if col and text:
                done = _put(ws, merges[a.question.sheet], a.question.row, col, text, options if col == acol else ())
                (written if done else kept).append((a.question.sheet, *(done or (a.question.row, col))))
    return written, kept


def save_atomic(wb: Any, out: Path) -> None:
    """Save next to the target and rename over it: a reader never sees half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".tmp{out.suffix}", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_book(
    book: Book,
    layouts: Sequence[SheetLayout],
    answers: Sequence[Answer],
    out: Path,
    *,
    titles: Mapping[str, Text],
    lang: Lang,
) -> Written:
    """The answered copy of `book` at `out`, with a review sheet; returns its hash and the cells written."""
    wb = _load(book)
    written, kept = apply(wb, layouts, answers)
    _review_sheet(wb, answers, titles, lang)
    save_atomic(wb, out)
    return Written(out, sha256_of(out), tuple(written), tuple(kept))
