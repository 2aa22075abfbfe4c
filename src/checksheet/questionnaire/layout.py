"""Find, per sheet, the header, the question/answer/remarks columns, section rows and the answer vocabulary.

No configuration in the common cases: header words in Japanese and English (the header may
sit below a long preamble), merged and two-row headers, the answer column left or right of
the question, 大項目/中項目 columns, section rows and numbered headings (1 above 1.1), 記入例
rows, notes and closing lines, tables side by side or repeated one under another, "該当欄に○"
tables with a column per answer word, "1-2-3.\n【見出し】" written inside the question cell,
sub-items ((1), ①) under a question, and the vocabulary from dropdowns, the header or an
instructions sheet of any name. Every guess can be overridden (`Overrides`), and `--inspect`
prints what was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise

from checksheet.errors import InputError
from checksheet.model import Text
from checksheet.questionnaire.header import (
    Merges,
    assign,
    blocks_of,
    find_header,
    labels_of,
    role_score,
    span_of,
)
from checksheet.questionnaire.read import Book, Sheet
from checksheet.questionnaire.tokens import normalise
from checksheet.questionnaire.vocab import is_option, is_placeholder, options_in, options_in_lines

INSTRUCTION_SHEET = re.compile(
    r"記入方法|記入要領|記入上の注意|注意事項|説明|使い方|はじめに|表紙|改訂履歴|目次|要領|手引|ご案内|お願い|留意事項|凡例|"
    r"instruction|read\s*me|cover|how to|guide|change\s*log|revision|introduction|overview",
    re.I,
)
#: 記入例 rows; "Sample data is anonymised?" is a question, "Example:" or "例）" is not.
#: The review sheet checksheet adds: never a question sheet, when an answered copy is answered again.
REVIEW_SHEET = Text(ja="checksheet確認", en="checksheet review")
REVIEW_HEADER = Text(
    ja="シート|行|項番|質問|回答|状態|管理策|管理策名|確信度|証跡|備考",
    en="Sheet|Row|Ref|Question|Answer|Status|Controls|Control titles|Confidence|Evidence|Note",
)
EXAMPLE_ROW = re.compile(
    r"^[(（【\[]?(?:記入例|回答例|例|サンプル|example|sample|e\.g\.?)\s*\d*\s*(?:[:：)）】\].．]|$)|記入例|回答例", re.I
)
#: Notes and closing lines inside the table: "※ 以下は該当する場合のみ", "以上", "End of questionnaire".
NOTE_ROW = re.compile(
    r"^(?:[※＊*]|\(?注[)）:：\d]|（注|備考[:：]|以上$|以上です|ご協力|note[s]?\s*[:：]|end of |thank you)", re.I
)
#: Endings of what a question or check item asks: 〜ですか, 〜していること, 〜している, 〜の有無, "?".
QUESTION_END = re.compile(
    r"(か|か。|か？|\?|？|こと|こと。|いること|ください|下さい|ますか|ですか|いる|ある|有無|か否か)$"
)
QUESTION_START = re.compile(
    r"^(?:describe|provide|explain|list|state|please|do|does|is|are|has|have|can|will|how|what|when|where|which|who)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Overrides:
    sheet: str | None = None
    header_row: int | None = None
    question_col: int | None = None
    answer_col: int | None = None
    remarks_col: int | None = None


@dataclass(frozen=True, slots=True)
class Question:
    sheet: str
    row: int
    ref: str  # the sheet's own number (項番), "" when none
    text: str
    section: str  # 大項目/中項目 text that gives the question its context
    options: tuple[str, ...]  # the answer cell's dropdown, else the sheet's vocabulary
    col: int = 0  # the question column: tables side by side share rows


@dataclass(frozen=True, slots=True)
class SheetLayout:
    sheet: str
    header_row: int
    question_col: int
    answer_col: int | None
    remarks_col: int | None
    id_col: int | None
    section_cols: tuple[int, ...]
    vocabulary: tuple[str, ...]
    questions: tuple[Question, ...]
    section_rows: tuple[int, ...] = ()
    example_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: "該当欄に○" tables: one column per answer word; the answer is `mark` in the word's column
    choice_cols: tuple[tuple[int, str], ...] = ()
    mark: str = "○"
    note_rows: tuple[int, ...] = ()


def col_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_col(value: str) -> int:
    """A column given as a letter (C) or a 1-based number (3)."""
    value = value.strip().upper()
    if value.isdigit() and int(value) > 0:
        return int(value)
    if re.fullmatch(r"[A-Z]{1,3}", value):
        n = 0
        for ch in value:
            n = n * 26 + ord(ch) - 64
        return n
    raise InputError(
        f"not a column: {value!r} (use a letter such as C or a number)",
        ja=f"列の指定が正しくありません: {value!r}（C のような英字か番号で指定してください）",
    )


_TRAILING_NOTE = re.compile(r"[（(][^（()）]*[)）]\s*[。.]?$")
_HEADING_ID = re.compile(r"第[0-9０-９]+[章節]?|[0-9０-９]+[.．]|[A-Z]\.?|[IVX]+\.?")
_MARKS = "○◯〇✓✔レ"
#: A number or a 【heading】 written inside the question cell when the sheet has no column for it.
_LEAD_NUMBER = re.compile(
    r"^(?:Q\.?\s*)?(\d+(?:[-－]\d+)+[.．]?|\d+(?:[.．]\d+)*[.．)）]|\d+(?:[.．]\d+)+|[(（]\d+[)）]|[①-⑳])(?:\s+|$)"
)
#: A sub-item under a question: "(1) WAF の導入", "① IDS", "・暗号化", "a) MFA"; each is answered on its row.
_SUB_ITEM = re.compile(
    r"^(?:[(（](?:[0-9０-９]{1,2}|[a-zA-Zア-ン]|[一二三四五六七八九十])[)）]|[①-⑳]|[・･●■◆]|[a-zア-ン][.．)）])"
)
_LEAD_HEADING = re.compile(r"^【([^】]{1,40})】\s*")


def _split_cell(text: str) -> tuple[str, str, str]:
    """(number, heading, question) of a cell such as "1-2-3.\n【ログ管理】\nログを取得していますか。"."""
    number = heading = ""
    if (m := _LEAD_NUMBER.match(text)) and text[m.end() :].strip():
        number, text = m.group(1).rstrip(".．"), text[m.end() :]
    if (m := _LEAD_HEADING.match(text)) and text[m.end() :].strip():
        heading, text = m.group(1), text[m.end() :]
    return number, heading, text.strip()


@dataclass(frozen=True, slots=True)
class _Table:
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


def _is_section_row(
    sheet: Sheet, merges: Merges, t: _Table, row: int, text: str, id_text: str, alone: bool = True
) -> bool:
    """大項目 rows: short text that asks nothing, alone on its row or merged wider than the question's header.

    `alone=False` when most rows of the table are alone (会社名 | 所在地 items of a 項目 | 記入欄 table).
    """
    for col in (t.acol, *(c for c, _ in t.choice_cols)):
        if col is not None and (sheet.value(row, col) or sheet.options_at(row, col)):
            return False
    core = _TRAILING_NOTE.sub("", text).rstrip("。. ")
    if len(text) > 40 or QUESTION_END.search(core) or QUESTION_START.match(core):
        return False
    filled = [c for c in t.cells(sheet, row) if c]
    c0, c1 = span_of(merges, row, t.qcol)
    h0, h1 = span_of(merges, t.row, t.qcol)
    merged_across = c1 - c0 > h1 - h0  # question cells merged like their header (B:C) are not headings
    return (alone and len(filled) == 1) or merged_across or bool(id_text and _HEADING_ID.fullmatch(id_text))


def _starred_question(text: str) -> bool:
    """ "*Do you encrypt data at rest?": a star marks a required question, not a note (※ always marks a note)."""
    core = text.lstrip("*＊ 　")
    return text[:1] in "*＊" and bool(QUESTION_END.search(core.rstrip("。. ")) or QUESTION_START.match(core))


def _is_parent_id(sheet: Sheet, t: _Table, row: int, text: str, id_text: str) -> bool:
    """ "1 | 組織的対策" above "1.1 | ...": a number the next numbered rows extend heads a section."""
    if not id_text or not t.id_col or QUESTION_END.search(text.rstrip("。. ")) or QUESTION_START.match(text):
        return False
    if t.acol is not None and (sheet.value(row, t.acol) or sheet.options_at(row, t.acol)):
        return False
    for r in range(row + 1, min(row + 6, sheet.n_rows + 1)):
        if child := normalise(sheet.value(r, t.id_col)):
            return len(child) > len(id_text) + 1 and child.startswith(id_text) and child[len(id_text)] in ".-－．_"
    return False


def _choices(sheet: Sheet, t: _Table, taken: set[int]) -> tuple[int, tuple[tuple[int, str], ...]]:
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


def _tables(sheet: Sheet, merges: Merges, overrides: Overrides) -> list[_Table]:
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
    tables: list[_Table] = []
    for r in sorted(segments):
        if tables and [t.columns() for t in segments[r]] == [t.columns() for t in tables[-len(segments[r]) :]]:
            continue  # the same header again: one table goes on
        end = r - 1
        while end > r - 3 and tables and end >= tables[-1].first and _single(sheet, end):
            end -= 1  # the next table's title ("2. セキュリティ") is not the last item of this one
        tables = [replace(t, last=min(t.last, end)) for t in tables] + segments[r]
    return tables


def _asks(text: str) -> bool:
    core = _TRAILING_NOTE.sub("", text.strip()).rstrip("。. ")
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
) -> list[_Table]:
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
        t = _Table(row, depth, row + depth, (a, b), own, qcol, acol, rcol, id_col, section_cols, ())
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


def _mark(sheet: Sheet, t: _Table, instructions: str) -> str:
    """What a "該当欄に○" table wants in the chosen column: the mark its header or instructions name."""
    words = {w for _, w in t.choice_cols}
    text = " ".join(
        [*(t.labels.get(c, "") for c, _ in t.choice_cols), *(sheet.value(t.row, c) for c, _ in t.choice_cols)]
    )
    for source in (text, instructions):
        for m in _MARKS:
            if m in source and m not in words:
                return m
    return "○" if any(not w.isascii() for w in words) or not text.isascii() else "X"


def _detect_table(sheet: Sheet, merges: Merges, t: _Table, instructions: str) -> SheetLayout:
    header_text = " ".join(t.labels.values())
    header_question = normalise(t.labels.get(t.qcol, ""))
    questions: list[Question] = []
    sections: list[int] = []
    examples: list[int] = []
    notes_rows: list[int] = []
    current_section: dict[int, str] = {}
    row_section = parent = ""
    subs: set[int] = set()
    if t.choice_cols:
        default_vocab = tuple(w for _, w in t.choice_cols)
    else:
        default_vocab = options_in(t.labels.get(t.acol, "")) if t.acol else ()
        if not default_vocab and t.acol:
            default_vocab = options_in_lines(instructions)
    rows = range(t.first, min(t.last, sheet.n_rows) + 1)
    asked = [r for r in rows if sheet.value(r, t.qcol)]
    singles = sum(1 for r in asked if sum(1 for c in t.cells(sheet, r) if c) == 1)
    alone = singles * 2 <= len(asked)  # a heading is alone on its row only where questions are not...
    heads = {  # ...or where a question follows it: "ログ管理" above "ログを取得していますか。"
        a for a, b in pairwise(asked) if _asks(sheet.value(b, t.qcol)) and not _asks(sheet.value(a, t.qcol))
    }
    for r in rows:
        text = sheet.value(r, t.qcol).strip()
        id_text = normalise(sheet.value(r, t.id_col)) if t.id_col else ""
        for c in t.section_cols:
            if v := normalise(sheet.value(r, c)):
                current_section[c] = v
        if not text:
            parent = ""  # bullets after a gap are notes, not sub-items
            lone = [normalise(v) for v in t.cells(sheet, r) if v]
            if len(lone) == 1 and len(lone[0]) <= 40 and (t.acol is None or not sheet.value(r, t.acol)):
                row_section = lone[0]
                sections.append(r)
            continue
        if normalise(text) == header_question:
            continue  # the header repeated above a second table
        if (
            EXAMPLE_ROW.search(id_text)
            or EXAMPLE_ROW.match(text)
            or any(EXAMPLE_ROW.match(normalise(v)) for v in t.cells(sheet, r)[: max(t.qcol - t.cols[0], 0)] if v)
        ):
            examples.append(r)
            continue
        if NOTE_ROW.match(normalise(text)) and not _starred_question(text):
            notes_rows.append(r)
            continue
        sub_item = bool(_SUB_ITEM.match(text)) and bool(parent)
        if (
            not sub_item
            and not t.section_cols
            and (
                _is_section_row(sheet, merges, t, r, text, id_text, alone or r in heads)
                or _is_parent_id(sheet, t, r, text, id_text)
            )
        ):
            row_section, parent = text, ""
            sections.append(r)
            continue
        if len(text) < (4 if text.isascii() else 3):
            continue
        number, heading, text = _split_cell(text)
        context = " ".join(
            [
                *(current_section[c] for c in t.section_cols if c in current_section),
                row_section,
                heading,
                parent if sub_item else "",  # "(1) WAF の導入" is asked under its question
            ]
        )
        id_text = id_text or number
        dropdown = sheet.options_at(r, t.acol) if t.acol else ()
        options = tuple(o for o in dropdown if not is_placeholder(o)) or default_vocab
        questions.append(Question(sheet.name, r, id_text, text, " ".join(context.split()), options, t.qcol))
        if sub_item:
            subs.add(r)
        else:
            parent = text
    if t.id_col and len(questions) >= 5 and sum(1 for q in questions if q.ref) >= 0.8 * len(questions):
        while questions and not questions[-1].ref and questions[-1].row not in subs:  # closing lines of the table
            notes_rows.append(questions.pop().row)
    vocabulary = _common(q.options for q in questions) or default_vocab
    notes = () if header_text else ("no header found; columns from the overrides",)
    return SheetLayout(
        sheet.name,
        t.row,
        t.qcol,
        t.acol,
        t.rcol,
        t.id_col,
        t.section_cols,
        vocabulary,
        tuple(questions),
        tuple(sections),
        tuple(examples),
        notes,
        t.choice_cols,
        _mark(sheet, t, instructions) if t.choice_cols else "○",
        tuple(sorted(notes_rows)),
    )


def detect(sheet: Sheet, overrides: Overrides = Overrides(), instructions: str = "") -> list[SheetLayout]:
    """The layout of each question table of one sheet (tables side by side are separate); [] when none."""
    merges = Merges.of(sheet)
    return [_detect_table(sheet, merges, t, instructions) for t in _tables(sheet, merges, overrides)]


def _common(options: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    counts: dict[tuple[str, ...], int] = {}
    for o in options:
        if o:
            counts[o] = counts.get(o, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else ()


def _is_review(sheet: Sheet) -> bool:
    headers = {tuple(REVIEW_HEADER.ja.split("|")), tuple(REVIEW_HEADER.en.split("|"))}
    return bool(sheet.cells) and tuple(sheet.cells[0][:11]) in headers


def instructions_text(book: Book, also: Iterable[Sheet] = ()) -> str:
    """The text of instruction sheets (記入方法), and of `also`: they name the answer vocabulary."""
    parts: list[str] = []
    for s in (*(s for s in book.sheets if INSTRUCTION_SHEET.search(s.name)), *also):
        parts.extend(" ".join(v.replace("\n", " ") for v in row if v) for row in s.cells[:200])
    return "\n".join(p for p in parts if p)


def detect_book(book: Book, overrides: Overrides = Overrides()) -> list[SheetLayout]:
    """Layouts of every question sheet (or of the one named by --sheet); raise when there are none.

    Sheets without questions (an instructions sheet under any name) may name the vocabulary.
    """
    if overrides.sheet:
        candidates = [book.sheet(overrides.sheet)]
    else:
        candidates = [
            s for s in book.sheets if not s.hidden and not INSTRUCTION_SHEET.search(s.name) and not _is_review(s)
        ]
    tables = {}
    for s in candidates:  # the header search is the costly part: once per sheet
        merges = Merges.of(s)
        tables[s.name] = (s, merges, _tables(s, merges, overrides))
    found = {name: any(_detect_table(s, m, t, "").questions for t in ts) for name, (s, m, ts) in tables.items()}
    others = [s for s in book.sheets if not s.hidden and not found.get(s.name)]
    instructions = instructions_text(book, (s for s in others if not INSTRUCTION_SHEET.search(s.name)))
    layouts = [
        lay
        for s, merges, ts in tables.values()
        if found[s.name]
        for t in ts
        if (lay := _detect_table(s, merges, t, instructions)).questions
    ]
    if not layouts:
        raise InputError(
            f"{book.path.name}: no question sheet found (no header with a question column); "
            "name them with --sheet, --header-row and --question-col",
            ja=f"{book.path.name}: 質問のシートが見つかりません（質問列のある見出し行がありません）。"
            "--sheet、--header-row、--question-col で指定してください",
        )
    return layouts
