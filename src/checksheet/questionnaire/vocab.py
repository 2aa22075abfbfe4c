"""Answer words a sheet names in its header or instructions: 回答（はい／いいえ）, "○/×/△ で記入", Yes/No/NA.

The words are kept in the sheet's own order and spelling, since they are what gets written back.
"""

from __future__ import annotations

import re
from functools import lru_cache

from checksheet.questionnaire.tokens import normalise

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
    "-",
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
    "NA",
    "Not Applicable",
    "Partial",
    "Partially",
)
_EDGE = r"一-龥ぁ-んァ-ンA-Za-z0-9"


#: Every known word in one pattern, longest first so that "一部対応済" wins over "一部対応" at a place.
_WORDS = re.compile(
    rf"(?<![{_EDGE}])(?:{'|'.join(re.escape(o) for o in sorted(KNOWN_OPTIONS, key=len, reverse=True))})(?![{_EDGE}])",
    re.I,
)


@lru_cache(maxsize=4096)
def options_in(text: str) -> tuple[str, ...]:
    """Answer words named in a text, in the text's order and spelling: "回答（Yes/No/NA）" -> Yes, No, NA."""
    out: list[str] = []
    for m in _WORDS.finditer(text):
        word = m.group(0)
        if word == "-" and not text[: m.start()].strip():
            continue  # a bullet, not a choice
        if word.lower() not in (o.lower() for o in out):
            out.append(word)
    return tuple(out)


def options_in_lines(text: str) -> tuple[str, ...]:
    """The first line of instructions that names two answer words or more."""
    for line in text.splitlines():
        options = options_in(line)
        if len(options) >= 2:
            return options
    return ()


def is_option(text: str) -> bool:
    key = normalise(text).lower()
    return bool(key) and any(key == normalise(o).lower() for o in KNOWN_OPTIONS)


#: What a template leaves in a cell to be replaced: 「選択してください」, ▼, "-- Select --", "(ここに記入)".
#: Only prompts as a whole: "はい（記入済み）" or "別紙に記入" are a person's answers.
_PROMPT = re.compile(
    r"^[\s(（【\[<＜▼▽↓\-―ー*※]*"
    r"(?:(?:ここに|こちらに|右の|リストから|プルダウンから|一覧から)?(?:選択|記入|入力|回答)(?:して)?(?:ください|下さい|願います)?"
    r"|未選択|未記入|未入力|(?:please\s+)?(?:select|choose|enter|pick)(?:\s+(?:one|an?\s+option|a\s+value|(?:text\s+)?here|text))?)"
    r"[\s)）】\]>＞▼▽↓\-―ー.。…]*$|^[\s▼▽↓]+$",
    re.I,
)


def is_placeholder(text: str) -> bool:
    """A prompt in an empty answer or remarks cell, not an answer: it may be replaced."""
    key = normalise(text)
    return bool(key) and len(key) <= 24 and bool(_PROMPT.match(key))
