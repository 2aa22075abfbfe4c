"""Find, per sheet, the header, the question/answer/remarks columns, section rows and the answer vocabulary.

No configuration in the common cases: header words in Japanese and English, merged and
two-row headers, 大項目/中項目 columns or section rows, 記入例 rows, instruction sheets.
Every guess can be overridden (`Overrides`), and `--inspect` prints what was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from checksheet.errors import InputError
from checksheet.questionnaire.header import Merges, assign, find_header, labels_of, role_score
from checksheet.questionnaire.read import Book, Sheet
from checksheet.questionnaire.tokens import normalise

INSTRUCTION_SHEET = re.compile(
    r"記入方法|記入要領|記入上の注意|注意事項|説明|使い方|はじめに|表紙|改訂履歴|目次|"
    r"instruction|read\s*me|cover|how to|guide|change\s*log|revision",
    re.I,
)
EXAMPLE_ROW = re.compile(r"^(記入例|回答例|例|サンプル|example|sample|e\.g\.?)\b|記入例|回答例", re.I)
#: Answer words a header or instructions may list: 回答（はい／いいえ）, ○/×/△ で記入.
KNOWN_OPTIONS = (
    "はい",
    "いいえ",
    "一部対応",
    "該当なし",
    "対象外",
    "○",
    "×",
    "△",
    "◯",
    "－",
    "対応済",
    "未対応",
    "対応済み",
    "一部対応済",
    "該当",
    "非該当",
    "実施",
    "未実施",
    "一部実施",
    "有",
    "無",
    "あり",
    "なし",
    "Yes",
    "No",
    "N/A",
    "Partial",
    "Partially",
)
QUESTION_END = re.compile(r"(か|か。|か？|\?|？|こと|こと。|いること|ください|下さい|ますか|ですか)$")


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


def _options_from_text(text: str) -> tuple[str, ...]:
    found = []
    for option in KNOWN_OPTIONS:
        if re.search(rf"(?<![一-龥ぁ-んァ-ンA-Za-z]){re.escape(option)}(?![一-龥ぁ-んァ-ンA-Za-z])", text):
            found.append(option)
    # "一部対応" also contains "対応": keep the longest only
    return tuple(o for o in found if not any(o != p and o in p for p in found))


_TRAILING_NOTE = re.compile(r"[（(][^（()）]*[)）]\s*[。.]?$")
_HEADING_ID = re.compile(r"第[0-9０-９]+[章節]?|[0-9０-９]+[.．]|[A-Z]\.?|[IVX]+\.?")


def _is_section_row(
    sheet: Sheet, merges: Merges, row: int, text: str, qcol: int, acol: int | None, id_text: str
) -> bool:
    """大項目 rows: short text that asks nothing, alone on its row or merged across, never with a dropdown."""
    if acol is not None and (sheet.value(row, acol) or sheet.options_at(row, acol)):
        return False
    core = _TRAILING_NOTE.sub("", text).rstrip("。. ")
    if len(text) > 40 or QUESTION_END.search(core):
        return False
    filled = [c for c in sheet.cells[row - 1] if c]
    merged_across = merges.spans(row, qcol)
    return len(filled) == 1 or merged_across or bool(id_text and _HEADING_ID.fullmatch(id_text))


def detect(sheet: Sheet, overrides: Overrides = Overrides(), instructions: str = "") -> SheetLayout | None:
    """The layout of one sheet, or None when it holds no questions."""
    merges = Merges.of(sheet)
    header = find_header(sheet, merges)
    if header is None and overrides.question_col is None:
        return None
    row, depth, roles, labels = header if header else (overrides.header_row or 1, 1, {}, {})
    if overrides.header_row:
        row, depth = overrides.header_row, 1
        labels = labels_of(sheet, merges, row, 1)
        roles = assign(labels) if labels else {}
    qcol = overrides.question_col or roles.get("question")
    if qcol is None:
        return None
    acol = overrides.answer_col or roles.get("answer")
    rcol = overrides.remarks_col or roles.get("remarks")
    if rcol is not None and acol is None and overrides.remarks_col is None:
        acol, rcol = rcol, None  # a lone "回答/補足" column is where the answer goes
    id_col = roles.get("id")
    section_cols = tuple(
        c
        for c, text in sorted(labels.items())
        if c not in (qcol, acol, rcol, id_col) and role_score(text, "section") >= 20
    )
    header_text = " ".join(labels.values())
    first = row + depth
    questions: list[Question] = []
    sections: list[int] = []
    examples: list[int] = []
    current_section: dict[int, str] = {}
    row_section = ""
    default_vocab = _options_from_text(labels.get(acol, "")) if acol else ()
    if not default_vocab and acol:
        default_vocab = _options_from_text(instructions)
    for r in range(first, sheet.n_rows + 1):
        text = sheet.value(r, qcol).strip()
        id_text = normalise(sheet.value(r, id_col)) if id_col else ""
        for c in section_cols:
            if v := normalise(sheet.value(r, c)):
                current_section[c] = v
        if not text:
            lone = [normalise(v) for v in sheet.cells[r - 1] if v]
            if len(lone) == 1 and len(lone[0]) <= 40 and (acol is None or not sheet.value(r, acol)):
                row_section = lone[0]
                sections.append(r)
            continue
        if (
            EXAMPLE_ROW.search(id_text)
            or EXAMPLE_ROW.match(text)
            or any(EXAMPLE_ROW.match(normalise(v)) for v in sheet.cells[r - 1][: max(qcol - 1, 0)] if v)
        ):
            examples.append(r)
            continue
        if _is_section_row(sheet, merges, r, text, qcol, acol, id_text) and not section_cols:
            row_section = text
            sections.append(r)
            continue
        if len(text) < 4:
            continue
        context = " ".join([*(current_section[c] for c in section_cols if c in current_section), row_section])
        options = (sheet.options_at(r, acol) if acol else ()) or default_vocab
        questions.append(Question(sheet.name, r, id_text, text, context.strip(), options))
    vocabulary = _common(q.options for q in questions) or default_vocab
    notes = () if header_text else ("no header found; columns from the overrides",)
    return SheetLayout(
        sheet.name,
        row,
        qcol,
        acol,
        rcol,
        id_col,
        section_cols,
        vocabulary,
        tuple(questions),
        tuple(sections),
        tuple(examples),
        notes,
    )


def _common(options: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    counts: dict[tuple[str, ...], int] = {}
    for o in options:
        if o:
            counts[o] = counts.get(o, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else ()


def instructions_text(book: Book) -> str:
    """The text of instruction sheets (記入方法): they name the answer vocabulary, never hold questions."""
    parts: list[str] = []
    for s in book.sheets:
        if INSTRUCTION_SHEET.search(s.name):
            parts.extend(v for row in s.cells[:200] for v in row if v)
    return "\n".join(parts)


def detect_book(book: Book, overrides: Overrides = Overrides()) -> list[SheetLayout]:
    """Layouts of every question sheet (or of the one named by --sheet); raise when there are none."""
    instructions = instructions_text(book)
    if overrides.sheet:
        candidates = [book.sheet(overrides.sheet)]
    else:
        candidates = [s for s in book.sheets if not s.hidden and not INSTRUCTION_SHEET.search(s.name)]
    layouts = [lay for s in candidates if (lay := detect(s, overrides, instructions)) and lay.questions]
    if not layouts:
        raise InputError(
            f"{book.path.name}: no question sheet found (no header with a question column); "
            "name them with --sheet, --header-row and --question-col",
            ja=f"{book.path.name}: 質問のシートが見つかりません（質問列のある見出し行がありません）。"
            "--sheet、--header-row、--question-col で指定してください",
        )
    return layouts
