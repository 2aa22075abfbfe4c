"""The header of a question sheet: which row, and which column holds the question, answer, remarks, id.

Header words in Japanese and English are scored per role (exact word, prefix or suffix,
contained); merged parents and two-row headers are read as one label per column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from checksheet.questionnaire.read import Sheet
from checksheet.questionnaire.tokens import normalise
from checksheet.questionnaire.vocab import options_in

HEADER_SCAN_ROWS = 100  # instructions above the table can be long
MAX_HEADER_COLS = 300

#: Header words per role; the first words are the most specific.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "remarks": (
        "備考",
        "補足",
        "コメント",
        "補足説明",
        "回答補足",
        "特記事項",
        "理由",
        "具体的内容",
        "詳細",
        "説明",
        "根拠",
        "自由記述",
        "記述",
        "証跡",
        "エビデンス",
        "根拠資料",
        "取り組み",
        "取組",
        "メモ",
        "実施内容",
        "対応内容",
        "取組内容",
        "remarks",
        "remark",
        "comments",
        "comment",
        "notes",
        "note",
        "explanation",
        "details",
        "evidence",
        "additional information",
        "justification",
    ),
    "answer": (
        "回答欄",
        "回答",
        "ご回答",
        "回答結果",
        "回答選択",
        "対応状況",
        "実施状況",
        "実施有無",
        "対応可否",
        "可否",
        "自己評価",
        "評価",
        "選択",
        "記入欄",
        "ご記入欄",
        "確認結果",
        "評価結果",
        "結果",
        "有無",
        "対策状況",
        "状況",
        "チェック欄",
        "チェック",
        "answer",
        "response",
        "implemented",
        "yes/no",
        "compliance",
        "compliant",
        "status",
        "result",
    ),
    "question": (
        "質問",
        "質問事項",
        "要件",
        "チェックポイント",
        "確認ポイント",
        "管理策",
        "質問内容",
        "確認項目",
        "チェック項目",
        "確認事項",
        "確認内容",
        "設問",
        "要求事項",
        "評価項目",
        "チェック内容",
        "項目",
        "内容",
        "question",
        "questions",
        "question text",
        "control",
        "requirement",
        "description",
        "item",
        "query",
    ),
    "id": (
        "項番",
        "no",
        "no.",
        "№",
        "番号",
        "項目番号",
        "管理番号",
        "通番",
        "連番",
        "id",
        "#",
        "ref",
        "ref.",
        "item no",
        "q#",
        "q.no",
        "ques num",
        "question number",
        "question no",
        "question id",
        "question #",
        "control id",
        "ref no",
        "number",
        "num",
    ),
    "section": (
        "大項目",
        "中項目",
        "小項目",
        "分類",
        "カテゴリ",
        "カテゴリー",
        "区分",
        "領域",
        "category",
        "domain",
        "section",
        "area",
        "topic",
    ),
}


def _key(text: str) -> str:
    return re.sub(r"[\s　:：*＊※()（）\[\]【】「」・/／]+", "", normalise(text).lower())


_NOTE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]|[※＊*].*$")


def bare(label: str) -> str:
    """A header label without its notes: "回答（はい／いいえから選択。いいえの場合は…）" -> "回答"."""
    return _NOTE.sub("", label).strip() or label


@lru_cache(maxsize=8192)
def role_score(label: str, role: str) -> int:
    """How well a header label names a role; a long note in brackets after the word does not hide it."""
    score = _role_score(label, role)
    if (short := bare(label)) != label:
        score = max(score, _role_score(short, role))
    return score


def _role_score(label: str, role: str) -> int:
    key = _key(label)
    if not key:
        return 0
    if role == "answer" and len(options := options_in(label)) >= 2 and len(_key("".join(options))) >= len(key) - 2:
        return 30  # a header that is the choices themselves: "はい/いいえ", "Yes / No / N/A"
    best = 0
    for i, word in enumerate(ROLE_WORDS[role]):
        w = _key(word)
        bonus = max(0, 8 - i) / 10  # earlier words are more specific
        if key == w:
            best = max(best, int(30 + bonus * 10))
        elif len(key) <= 24 and (key.startswith(w) or key.endswith(w)) and len(w) >= 2:
            best = max(best, int(20 + bonus * 10 - len(key) / 4))
        elif len(key) <= 24 and w in key and len(w) >= 2:
            best = max(best, int(10 + bonus * 10 - len(key) / 4))
    return best


@dataclass(frozen=True, slots=True)
class Merges:
    """Merged ranges indexed once per sheet, so that lookups stay cheap on hostile files with thousands."""

    anchors: dict[tuple[int, int], tuple[int, int]]  # header-zone cell -> top-left of its range
    across: dict[int, list[tuple[int, int]]]  # row -> (first col, last col) of ranges starting there

    @classmethod
    def of(cls, sheet: Sheet, zone: int = HEADER_SCAN_ROWS + 2, budget: int = 200_000) -> Merges:
        anchors: dict[tuple[int, int], tuple[int, int]] = {}
        across: dict[int, list[tuple[int, int]]] = {}
        for r0, c0, r1, c1 in sheet.merged:
            across.setdefault(r0, []).append((c0, c1))
            for r in range(r0, min(r1, zone) + 1):
                for c in range(c0, min(c1, MAX_HEADER_COLS) + 1):
                    if budget > 0:
                        anchors.setdefault((r, c), (r0, c0))
                        budget -= 1
        return cls(anchors, across)

    def value(self, sheet: Sheet, row: int, col: int) -> str:
        value = sheet.value(row, col)
        if value or (row, col) not in self.anchors:
            return value
        return sheet.value(*self.anchors[(row, col)])

    def spans(self, row: int, col: int) -> bool:
        """A range starting on this row covers `col` and at least one more column."""
        return any(c0 <= col <= c1 and c1 > c0 for c0, c1 in self.across.get(row, ()))


def labels_of(sheet: Sheet, merges: Merges, row: int, depth: int) -> dict[int, str]:
    """Column labels of a header that spans `depth` rows, merged parents included."""
    labels = {}
    for col in range(1, min(sheet.n_cols, MAX_HEADER_COLS) + 1):
        parts: list[str] = []
        for r in range(row, row + depth):
            v = merges.value(sheet, r, col)
            if v and (not parts or parts[-1] != v):
                parts.append(v)
        if parts:
            labels[col] = " ".join(parts)
    return labels


def assign(labels: dict[int, str], question: int | None = None) -> dict[str, int]:
    """Give each role its best column; a column takes one role, the question (or the one given) first."""
    roles: dict[str, int] = {} if question is None else {"question": question}
    taken: set[int] = set(roles.values())
    for role in ("question", "remarks", "answer", "id"):
        if role in roles:
            continue
        scored = [(role_score(text, role), -col, col) for col, text in labels.items() if col not in taken]
        scored = [s for s in scored if s[0] > 0]
        if role == "remarks" and "question" in roles:
            # "回答（補足）" is remarks only if another column can be the answer
            scored = [s for s in scored if role_score(labels[s[2]], "answer") < s[0] + 5 or len(labels) > 3]
        if scored:
            best = max(scored)
            roles[role] = best[2]
            taken.add(best[2])
    return roles


def find_header(sheet: Sheet, merges: Merges) -> tuple[int, int, dict[str, int], dict[int, str]] | None:
    """(row, depth, roles, labels) of the most convincing header in the first rows."""
    best: tuple[float, int, int, dict[str, int], dict[int, str]] | None = None
    for row in range(1, min(sheet.n_rows, HEADER_SCAN_ROWS) + 1):
        if not any(sheet.cells[row - 1]):
            continue
        for depth in (1, 2):
            labels = labels_of(sheet, merges, row, depth)
            if not labels or any(len(bare(v)) > 60 for v in labels.values()):  # a row of questions
                continue
            roles = assign(labels)
            if "question" not in roles:
                continue
            score = sum(role_score(labels[c], r) for r, c in roles.items()) - depth * 2
            if best is None or score > best[0]:
                best = (score, row, depth, roles, labels)
    if best is None or best[0] < 30:
        return None
    return best[1], best[2], best[3], best[4]


def span_of(merges: Merges, row: int, col: int) -> tuple[int, int]:
    """First and last column of the merged range starting on `row` that covers `col`; (col, col) when none."""
    for c0, c1 in merges.across.get(row, ()):
        if c0 <= col <= c1:
            return c0, c1
    return col, col


def blocks_of(labels: dict[int, str], question: int) -> list[tuple[int, int]]:
    """Column ranges of question tables laid side by side: the question's label repeated further right.

    Each repeat starts as far left of its question column as the first table does, and a
    table ends where the next one starts; one table gives one range over every column.
    """
    last = max(labels)
    key = _key(labels[question])
    repeats = [c for c in sorted(labels) if c > question and _key(labels[c]) == key]
    if not repeats:
        return [(1, last)]
    offset = question - min(c for c in labels if c <= question)
    starts = [question - offset, *(c - offset for c in repeats)]
    if any(b - a <= offset for a, b in pairwise(starts)):
        return [(1, last)]  # the repeats overlap the first table: not a table beside another
    ranges = [(max(1, a), b - 1) for a, b in pairwise(starts)]
    ranges.append((starts[-1], last))
    if not all("question" in assign({c: t for c, t in labels.items() if a <= c <= b}) for a, b in ranges):
        return [(1, last)]
    ranges[0] = (1, ranges[0][1])
    return ranges
