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
from dataclasses import dataclass, field
from itertools import pairwise

from checksheet.errors import InputError
from checksheet.model import Text
from checksheet.questionnaire.header import (
    Merges,
    span_of,
)
from checksheet.questionnaire.read import Book, Sheet
from checksheet.questionnaire.tables import (
    QUESTION_END,
    QUESTION_START,
    TRAILING_NOTE,
    Table,
    asks,
    tables_of,
)
from checksheet.questionnaire.tables import Overrides as Overrides  # the CLI's overrides, part of this API
from checksheet.questionnaire.tokens import normalise
from checksheet.questionnaire.vocab import is_placeholder, options_in, options_in_lines

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


def _is_section_row(
    sheet: Sheet, merges: Merges, t: Table, row: int, text: str, id_text: str, alone: bool = True
) -> bool:
    """大項目 rows: short text that asks nothing, alone on its row or merged wider than the question's header.

    `alone=False` when most rows of the table are alone (会社名 | 所在地 items of a 項目 | 記入欄 table).
    """
    for col in (t.acol, *(c for c, _ in t.choice_cols)):
        if col is not None and (sheet.value(row, col) or sheet.options_at(row, col)):
            return False
    core = TRAILING_NOTE.sub("", text).rstrip("。. ")
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


def _is_parent_id(sheet: Sheet, t: Table, row: int, text: str, id_text: str) -> bool:
    """ "1 | 組織的対策" above "1.1 | ...": a number the next numbered rows extend heads a section."""
    if not id_text or not t.id_col or QUESTION_END.search(text.rstrip("。. ")) or QUESTION_START.match(text):
        return False
    if t.acol is not None and (sheet.value(row, t.acol) or sheet.options_at(row, t.acol)):
        return False
    for r in range(row + 1, min(row + 6, sheet.n_rows + 1)):
        if child := normalise(sheet.value(r, t.id_col)):
            return len(child) > len(id_text) + 1 and child.startswith(id_text) and child[len(id_text)] in ".-－．_"
    return False


def _mark(sheet: Sheet, t: Table, instructions: str) -> str:
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


def _detect_table(sheet: Sheet, merges: Merges, t: Table, instructions: str) -> SheetLayout:
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
        a for a, b in pairwise(asked) if asks(sheet.value(b, t.qcol)) and not asks(sheet.value(a, t.qcol))
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
    return [_detect_table(sheet, merges, t, instructions) for t in tables_of(sheet, merges, overrides)]


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
        tables[s.name] = (s, merges, tables_of(s, merges, overrides))
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
