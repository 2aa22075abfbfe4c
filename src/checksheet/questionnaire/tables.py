"""Where the question tables of a sheet are: their header rows, column ranges and roles.

A sheet may hold one table, tables side by side (the question's header repeated to the
right), or tables one under another with other columns (基本情報, then the questions); a
"該当欄に○" table has one column per answer word. `layout` reads the rows of each table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from checksheet.questionnaire.header import Merges, assign, blocks_of, find_header, labels_of, role_score
from checksheet.questionnaire.read import Sheet
from checksheet.questionnaire.vocab import is_option

QUESTION_END = re.compile(
    r"(か|か。|か？|\?|？|こと|こと。|いること|ください|下さい|ますか|ですか|いる|ある|有無|か否か)$"
)
QUESTION_START = re.compile(
    r"^(?:describe|provide|explain|list|state|please|do|does|is|are|has|have|can|will|how|what|when|where|which|who)\b",
    re.I,
)
TRAILING_NOTE = re.compile(r"[（(][^（()）]*[)）]\s*[。.]?$")


@dataclass(frozen=True, slots=True)
class Overrides:
    sheet: str | None = None
    header_row: int | None = None
    question_col: int | None = None
    answer_col: int | None = None
    remarks_col: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """One question table of a sheet: its header, its columns and the columns it spans."""

    row: int
    depth: int
    first: int  # first data row
    cols: tuple[int, int]
    labels: dict[int, str]
    qcol: int
    acol: int | None
    rcol: int | None
    id_col: int | None
    section_cols: tuple[int, ...]
    choice_cols: tuple[tuple[int, str], ...]
    last: int = 1 << 30  # last data row: a table with other columns may start below

    def columns(self) -> tuple[object, ...]:
        return (self.cols, self.qcol, self.acol, self.rcol, self.id_col, self.section_cols, self.choice_cols)

    def cells(self, sheet: Sheet, row: int) -> tuple[str, ...]:
        return sheet.cells[row - 1][self.cols[0] - 1 : self.cols[1]] if row <= sheet.n_rows else ()


def _choices(sheet: Sheet, t: Table, taken: set[int]) -> tuple[int, tuple[tuple[int, str], ...]]:
    """(extra header rows, columns) of a "該当欄に○" table: はい | いいえ | 該当なし, each its own column.

    The words sit in the header's last row or in a row of their own just below it.
    """
    for r, extra in ((t.row + t.depth - 1, 0), (t.row + t.depth, 1)):
        if extra and sheet.value(r, t.qcol):
            break
        run: list[tuple[int, str]] = []
        best: list[tuple[int, str]] = []
        for c in range(t.cols[0], t.cols[1] + 1):
            v = sheet.value(r, c)
            if c not in taken and is_option(v):
                run.append((c, v))
                best = max(best, run, key=len)
            else:
                run = []
        if len(best) >= 2:
            return extra, tuple(best)
    return 0, ()


def _by_content(sheet: Sheet, labels: dict[int, str], roles: dict[str, int], first: int) -> dict[str, int]:
    """Roles again when another question-like column ("内容" beside "項目", "Description" beside "Item")
    holds much longer text than the one the header words chose: questions are sentences."""
    chosen = roles.get("question")
    if chosen is None:
        return roles

    def length(col: int) -> float:  # in half-width columns: 質問 and its English translation weigh alike
        texts = [v for r in range(first, min(first + 30, sheet.n_rows + 1)) if (v := sheet.value(r, col))]
        return sum(sum(1 if c.isascii() else 2 for c in t) for t in texts) / len(texts) if texts else 0.0

    if length(chosen) >= 12:
        return roles  # the chosen column holds text, not numbers or short labels
    others = [c for c, text in labels.items() if c != chosen and role_score(text, "question") >= 20]
    best = max(others, key=length, default=None)
    if best is not None and length(best) >= 2 * max(length(chosen), 4.0):
        return assign(labels, question=best)
    return roles


def tables_of(sheet: Sheet, merges: Merges, overrides: Overrides) -> list[Table]:
    """Every question table of the sheet: beside one another, or one under another with other columns."""
    header = find_header(sheet, merges)
    if header is None and overrides.question_col is None:
        return []
    row, depth, roles, labels = header if header else (overrides.header_row or 1, 1, {}, {})
    if overrides.header_row:
        row, depth = overrides.header_row, 1
        labels = labels_of(sheet, merges, row, 1)
        roles = assign(labels) if labels else {}
    if overrides.header_row or overrides.question_col or not labels:
        return _tables_at(sheet, merges, overrides, row, depth, roles, labels)
    segments = {row: _tables_at(sheet, merges, overrides, row, depth, roles, labels)}
    for r in _other_headers(sheet, range(row, row + depth)):
        other = labels_of(sheet, merges, r, 1)
        if found := _tables_at(sheet, merges, overrides, r, 1, assign(other), other):
            segments[r] = found
    tables: list[Table] = []
    for r in sorted(segments):
        if tables and [t.columns() for t in segments[r]] == [t.columns() for t in tables[-len(segments[r]) :]]:
            continue  # the same header again: one table goes on
        end = r - 1
        while end > r - 3 and tables and end >= tables[-1].first and _single(sheet, end):
            end -= 1  # the next table's title ("2. セキュリティ") is not the last item of this one
        tables = [replace(t, last=min(t.last, end)) for t in tables] + segments[r]
    return tables


def asks(text: str) -> bool:
    core = TRAILING_NOTE.sub("", text.strip()).rstrip("。. ")
    return bool(QUESTION_END.search(core) or QUESTION_START.match(core))


def _single(sheet: Sheet, row: int) -> bool:
    return sum(1 for v in sheet.cells[row - 1] if v) == 1 if 1 <= row <= sheet.n_rows else False


def _other_headers(sheet: Sheet, skip: range) -> list[int]:
    """Other rows that are headers too (short cells naming a question and an answer column): 基本情報
    above the security questions, or a second part with other columns further down."""
    rows = []
    for r in range(1, sheet.n_rows + 1):
        if r in skip:
            continue
        cells = [v for v in sheet.cells[r - 1] if v and len(v) <= 30]
        if len(cells) < 2 or not any(role_score(v, "question") >= 30 for v in cells):
            continue
        if any(role_score(v, "answer") >= 25 or role_score(v, "remarks") >= 25 for v in cells):
            rows.append(r)
    return rows


def _tables_at(
    sheet: Sheet,
    merges: Merges,
    overrides: Overrides,
    row: int,
    depth: int,
    roles: dict[str, int],
    labels: dict[int, str],
) -> list[Table]:
    if "question" not in roles and overrides.question_col is None:
        return []
    if not labels:
        ranges = [(1, max(sheet.n_cols, overrides.question_col or 1))]
    else:
        ranges = blocks_of(labels, roles["question"]) if "question" in roles else [(1, max(labels))]
    if overrides.question_col:
        ranges = [
            next(
                ((a, b) for a, b in ranges if a <= overrides.question_col <= b),
                (1, max(ranges[-1][1], overrides.question_col)),
            )
        ]
    tables = []
    for a, b in ranges:
        own = {c: v for c, v in labels.items() if a <= c <= b}
        own_roles = _by_content(sheet, own, assign(own) if own != labels else roles, row + depth)
        qcol = overrides.question_col or own_roles.get("question")
        if qcol is None:
            continue
        acol = overrides.answer_col or own_roles.get("answer")
        rcol = overrides.remarks_col or own_roles.get("remarks")
        if rcol is not None and acol is None and overrides.remarks_col is None:
            acol, rcol = rcol, None  # a lone "回答/補足" column is where the answer goes
        id_col = own_roles.get("id")
        if id_col is not None and overrides.question_col and id_col > overrides.question_col:
            id_col = None
        section_cols = tuple(
            c
            for c, text in sorted(own.items())
            if c not in (qcol, acol, rcol, id_col) and role_score(text, "section") >= 20
        )
        t = Table(row, depth, row + depth, (a, b), own, qcol, acol, rcol, id_col, section_cols, ())
        if overrides.answer_col is None:
            taken = {c for c in (qcol, rcol, *section_cols) if c is not None}  # "No" may be a choice, not 項番
            extra, choice_cols = _choices(sheet, t, taken)
            if choice_cols:
                # the choices are the answer; a lone 備考 column taken for the answer is the remarks again
                cols = {c for c, _ in choice_cols}
                remarks = rcol if rcol is not None else (acol if acol not in cols else None)
                if id_col in cols:
                    ids = [(role_score(v, "id"), c) for c, v in own.items() if c not in cols | {qcol, remarks}]
                    id_col = max((x for x in ids if x[0] > 0), default=(0, None))[1]
                t = replace(t, first=t.first + extra, choice_cols=choice_cols, acol=None, rcol=remarks, id_col=id_col)
        tables.append(t)
    return tables
