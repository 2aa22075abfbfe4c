"""Write the answers into a copy of the workbook, layout kept, plus a review sheet; atomically.

Only the answer and remarks cells of answered rows change, and only when they were empty or
held a template's prompt such as 「選択してください」. An .xlsx/.xlsm is patched cell by cell
(ooxml.py): pictures, shapes, check boxes, styles and every other part stay byte for byte.
.xls, .ods and .csv (and a workbook the patcher does not understand) go through openpyxl and
are written as .xlsx with their values, merges, styles and dropdowns as openpyxl keeps them.
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

from checksheet.errors import InputError, UsageError
from checksheet.model import Lang, Text
from checksheet.questionnaire.answer import Answer
from checksheet.questionnaire.layout import REVIEW_HEADER, REVIEW_SHEET, SheetLayout
from checksheet.questionnaire.ooxml import ReviewTable, Unsupported, col_letters, patch_book
from checksheet.questionnaire.read import Book, Sheet, sha256_of
from checksheet.questionnaire.vocab import is_placeholder

#: Characters that make Excel, LibreOffice or a CSV import treat a cell as a formula (OWASP CSV injection).
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
REVIEW_WIDTHS = (18.0, 6.0, 8.0, 60.0, 30.0, 14.0, 16.0, 40.0, 10.0, 40.0, 40.0)


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
        _add_lists(ws, sheet)
        if sheet.hidden:
            ws.sheet_state = "hidden"
    return wb


def _add_lists(ws: Any, sheet: Sheet) -> None:
    """The customer's dropdowns again (an .ods read them; openpyxl writes each as a literal list)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for v in sheet.validations:
        formula = '"' + ",".join(v.options) + '"'
        if not v.options or len(formula) > 255 or any("," in o or '"' in o for o in v.options):
            continue  # Excel's limit for a literal list; such a list stays as the values the sheet has
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        for r0, c0, r1, c1 in v.ranges:
            dv.add(f"{col_letters(c0)}{r0}:{col_letters(c1)}{r1}")
        ws.add_data_validation(dv)


Plan = dict[str, dict[tuple[int, int], tuple[str, tuple[str, ...]]]]  # sheet -> cell -> (text, its choices)


def _anchor(sheet: Sheet, row: int, col: int) -> tuple[int, int]:
    """The writable cell of a merged range (its top-left), or the cell itself."""
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= row <= r1 and c0 <= col <= c1:
            return r0, c0
    return row, col


def _has_dropdown(sheet: Sheet, row: int, col: int) -> bool:
    return any(v.covers(row, col) for v in sheet.validations)


def plan(
    book: Book, layouts: Sequence[SheetLayout], answers: Sequence[Answer]
) -> tuple[Plan, list[tuple[str, int, int]]]:
    """What goes into which cell: the answer and the explanation of each row, in the sheet's own columns.

    Returns the plan and the cells that a first answer already claimed (a remarks cell merged over two rows).
    """
    # tables side by side share rows, tables one under another share columns: a question names its table
    table_of = {(q.sheet, q.row, q.col): lay for lay in layouts for q in lay.questions}
    only = {lay.sheet: lay for lay in layouts}
    sheets = {s.name: s for s in book.sheets}
    out: Plan = {}
    claimed: list[tuple[str, int, int]] = []
    for a in answers:
        lay = table_of.get((a.question.sheet, a.question.row, a.question.col)) or only[a.question.sheet]
        sheet = sheets[a.question.sheet]
        row = a.question.row
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
        elif value and acol and (options or _has_dropdown(sheet, row, acol)) and value not in options:
            value, remark = "", " ".join(p for p in (value, remark) if p)  # free text never goes into a dropdown
        if remark and not rcol and not value and acol and not options and not _has_dropdown(sheet, row, acol):
            value, remark = remark, ""  # a free-text sheet with one column: the explanation is the answer
        for col, text in ((acol, value), (rcol, remark)):
            if col and text:
                cell = _anchor(sheet, row, col)
                cells = out.setdefault(a.question.sheet, {})
                if cell in cells:
                    claimed.append((a.question.sheet, *cell))
                else:
                    cells[cell] = (safe_text(text, options if col == acol else ()), options if col == acol else ())
    return out, claimed


def _replaceable(book: Book, writes: Plan) -> dict[str, frozenset[tuple[int, int]]]:
    """Planned cells that hold only a template's prompt (選択してください)."""
    sheets = {s.name: s for s in book.sheets}
    return {
        name: frozenset(cell for cell in cells if is_placeholder(sheets[name].value(*cell)))
        for name, cells in writes.items()
    }


def _review_rows(answers: Sequence[Answer], titles: Mapping[str, Text], lang: Lang) -> list[list[str | int | float]]:
    rows: list[list[str | int | float]] = [list(REVIEW_HEADER.get(lang).split("|"))]
    for a in answers:
        row: list[str | int | float] = [
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
        rows.append([safe_text(v) if isinstance(v, str) else v for v in row])
    return rows


def _review_name(existing: Sequence[str], lang: Lang) -> str:
    name = REVIEW_SHEET.get(lang)
    taken = {n.lower() for n in existing}  # Excel's sheet names ignore case
    while name.lower() in taken:
        name += "_"
    return name


def _review_sheet(wb: Any, rows: Sequence[Sequence[str | int | float]], name: str) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(name)
    for values in rows:
        ws.append(list(values))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHIJK", REVIEW_WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _apply(wb: Any, writes: Plan, replaceable: Mapping[str, frozenset[tuple[int, int]]]) -> tuple[list[Any], list[Any]]:
    written: list[tuple[str, int, int]] = []
    kept: list[tuple[str, int, int]] = []
    for name, cells in writes.items():
        ws = wb[name[:31]]  # an .ods may have longer sheet names than Excel allows
        for (r, c), (text, _) in cells.items():
            cell = ws.cell(r, c)
            if cell.value not in (None, "") and (r, c) not in replaceable.get(name, frozenset()):
                kept.append((name, r, c))  # a person's text is never replaced; a template's prompt is
                continue
            cell.value = text
            cell.data_type = "s"
            written.append((name, r, c))
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


def _patch_atomic(book: Book, out: Path, writes: Plan, review: ReviewTable) -> tuple[list[Any], list[Any]]:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".tmp{out.suffix}", dir=out.parent)
    os.close(fd)
    try:
        texts = {name: {cell: text for cell, (text, _) in cells.items()} for name, cells in writes.items()}
        result = patch_book(book.path, Path(tmp), texts, review, _replaceable(book, writes))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
        return result
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
    """The answered copy of `book` at `out`, with a review sheet; returns its hash and the cells written.

    An .xlsx/.xlsm is patched cell by cell (every other part of the file is kept byte for byte);
    other formats, and the rare workbook the patcher does not understand, go through openpyxl.
    """
    writes, claimed = plan(book, layouts, answers)
    rows = _review_rows(answers, titles, lang)
    name = _review_name([s.name for s in book.sheets], lang)
    try:
        if book.kind in ("xlsx", "xlsm"):
            with contextlib.suppress(Unsupported):
                written, kept = _patch_atomic(book, out, writes, ReviewTable(name, rows, REVIEW_WIDTHS))
                return Written(out, sha256_of(out), tuple(written), tuple(kept + claimed))
        wb = _load(book)
        written, kept = _apply(wb, writes, _replaceable(book, writes))
        _review_sheet(wb, rows, name)
        save_atomic(wb, out)
    except OSError as err:  # a folder that cannot be created or written, a full disk
        raise UsageError(
            f"cannot write {out}: {err.strerror or err}",
            ja=f"{out} に書き込めません: {err.strerror or err}",
        ) from err
    return Written(out, sha256_of(out), tuple(written), tuple(kept + claimed))
