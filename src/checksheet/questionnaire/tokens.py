"""Tokens for ranking: Japanese through SudachiPy (normalised forms), English lower-cased and stemmed.

Japanese text gets the fine split (mode A, so 脆弱性診断 also matches 脆弱性 and 診断) plus the
compound words of mode C that span several fine tokens. Latin words inside Japanese text
(MFA, CloudTrail, WAF) go through the English path, so both languages share those tokens.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

from checksheet.model import Lang

_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Parts of speech that carry no topic: particles, auxiliaries, punctuation, blanks.
_SKIP_POS = frozenset(
    {"助詞", "助動詞", "補助記号", "記号", "空白", "接頭辞", "接尾辞", "代名詞", "連体詞", "接続詞", "感動詞"}
)
#: Generic words of questionnaires (normalised forms) that say nothing about the topic.
_JA_STOP = _words(
    "為る 居る 下さる 有る 成る 出来る 得る 行う 致す 頂く 御座る 良い 言う 貰う 見る 持つ 付ける 思う 事 物 "
    "者 等 様 方 為 所 際 上 中 内 時 以下 以上 各 当該 貴社 御社 弊社 当社 其の "
    "此の 場合 について 関する 於く 以て 対する 拠る 因る 含む 係る 必要 可能 実施 対応 有無 状況 具体 具体的 内容 "
    "記載 記入 回答 ご 御 的 "
)
_EN_STOP = _words(
    "a an the and or of to in on for by with from at as is are was were be been being do does did done "
    "have has had having you your yours we our ours us it its this that these those there their them they "
    "which who whom what when where how why if then than so such any all each every other some no not nor "
    "can could should would may might must will shall please describe provide explain list state confirm "
    "indicate detail details e.g eg i.e ie etc also within into over under about per via whether "
    "organization organisation company vendor supplier service provider s "
)


def is_japanese(text: str) -> bool:
    return bool(_KANA_KANJI.search(text))


def detect_lang(text: str) -> Lang:
    """ja when the text holds kana or kanji in any number (mixed questions are Japanese sheets)."""
    return "ja" if is_japanese(text) else "en"


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), collapsed blanks."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@cache
def _tokenizers() -> tuple[Any, Any]:
    from sudachipy import Dictionary, SplitMode

    dictionary = Dictionary(dict="core")
    return dictionary, dictionary.tokenizer(SplitMode.C)


def _ja_content(morphemes: Any) -> list[str]:
    out = []
    for m in morphemes:
        pos = m.part_of_speech()
        form = m.normalized_form()
        if pos[0] in _SKIP_POS or form in _JA_STOP or pos[1] == "数詞":
            continue
        if _LATIN.search(form):
            out.extend(english_tokens(form))
        elif len(form) > 1 or _KANA_KANJI.match(form):
            out.append(form)
    return out


def japanese_tokens(text: str) -> list[str]:
    """One analysis in mode C; each compound also yields its mode A parts (one pass, not two)."""
    from sudachipy import SplitMode

    _, coarse = _tokenizers()
    fine: list[str] = []
    compounds: list[str] = []
    for m in coarse.tokenize(text):
        parts = m.split(SplitMode.A)
        if len(parts) > 1:
            fine.extend(_ja_content(parts))
            compounds.extend(_ja_content([m]))
        else:
            fine.extend(_ja_content([m]))
    seen = set(fine)
    return fine + [c for c in compounds if c not in seen]


def english_tokens(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _EN_STOP and not w.isdigit()]


def tokens(text: str) -> list[str]:
    """The ranking tokens of any text, Japanese, English or mixed."""
    return list(_cached_tokens(text))


@lru_cache(maxsize=16384)
def _cached_tokens(text: str) -> tuple[str, ...]:
    # catalog titles and keywords, section headings and repeated questions are tokenised once
    text = normalise(text)
    if not text:
        return ()
    return tuple(japanese_tokens(text) if is_japanese(text) else english_tokens(text))


# A compact Porter-style stemmer: enough to join log/logs/logging/logged and
# encrypt/encrypted/encryption, without a dependency. Over-stemming is harmless here
# because queries and documents go through the same function.
_STEP1 = (("sses", "ss"), ("ies", "i"), ("ss", "ss"), ("us", "us"), ("s", ""))
_SUFFIXES = (
    "iveness",
    "fulness",
    "ousness",
    "ational",
    "ization",
    "isation",
    "abiliti",
    "ability",
    "ibiliti",
    "ibility",
    "ations",
    "ation",
    "ition",
    "ments",
    "ment",
    "ness",
    "ities",
    "ity",
    "iti",
    "ically",
    "ally",
    "ly",
    "ions",
    "ion",
    "izing",
    "ising",
    "ized",
    "ised",
    "ize",
    "ise",
    "ers",
    "er",
    "ive",
    "able",
    "ible",
    "al",
    "ate",
    "at",
    "ic",
    "e",
    "y",
    "i",
)
_VOWEL = re.compile(r"[aeiouy]")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in _STEP1:
        if word.endswith(suffix):
            word = word[: len(word) - len(suffix)] + repl
            break
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and _VOWEL.search(word[: -len(suffix)]) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word
