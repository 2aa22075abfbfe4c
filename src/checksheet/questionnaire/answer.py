"""From a matched question to the value and explanation written into the sheet.

The answer follows the control's current status, mapped onto the sheet's own vocabulary
(はい/いいえ, ○/×/△, 対応済/未対応, Yes/No...). Only a control that is met on current evidence
gets a "yes"; needs-evidence and stale controls are never answered "yes", they are left
blank with an explanation and flagged for a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from checksheet.model import Control, ControlState, ControlStatus, Lang, Text
from checksheet.questionnaire.layout import Question
from checksheet.questionnaire.match import Candidate, Match
from checksheet.questionnaire.tokens import normalise


class Category(StrEnum):
    YES = "yes"
    NO = "no"
    PARTIAL = "partial"
    NA = "na"


class Disposition(StrEnum):
    """What happened to a question: the `status` of `answer --format json`."""

    ANSWERED = "answered"  # a vocabulary answer backed by current evidence
    LIBRARY = "library"  # the approved answer from the answer library
    NEEDS_EVIDENCE = "needs_evidence"  # matched, but the control has no current evidence: left blank
    STALE = "stale"  # matched, evidence too old: left blank and flagged
    FOLLOW_UP = "follow_up"  # "いいえの場合、理由を記載" rows
    REVIEW = "review"  # confidence below the threshold, or no fitting word: left for a person


#: Words of answer vocabularies by meaning; compared after NFKC and without blanks.
WORDS: dict[Category, tuple[str, ...]] = {
    Category.PARTIAL: (
        "一部対応",
        "△",
        "一部実施",
        "一部対応済",
        "一部対応済み",
        "一部",
        "部分的に対応",
        "partial",
        "partially",
        "partly",
        "in progress",
    ),
    Category.NA: ("該当なし", "対象外", "該当しない", "n/a", "na", "not applicable", "-", "－", "ー", "―"),
    Category.NO: (
        "いいえ",
        "×",
        "✕",
        "未対応",
        "未実施",
        "無",
        "なし",
        "無し",
        "非該当",
        "していない",
        "no",
        "n",
        "not compliant",
        "不適合",
        "否",
    ),
    Category.YES: (
        "はい",
        "○",
        "◯",
        "〇",
        "対応済",
        "対応済み",
        "実施",
        "実施済",
        "実施済み",
        "実施している",
        "有",
        "あり",
        "有り",
        "該当",
        "yes",
        "y",
        "済",
        "適合",
        "compliant",
        "可",
    ),
}
STATE_CATEGORY: dict[ControlState, Category] = {
    ControlState.MET: Category.YES,
    ControlState.PARTIAL: Category.PARTIAL,
    ControlState.NOT_MET: Category.NO,
}
STALE_TEXT = Text(
    ja="前回の確認（{date}）から時間が経過しているため、最新の状況を確認のうえご回答いたします。{summary}",
    en="Our last verification ({date}) is too old to rely on; we will confirm the current state and follow up. "
    "{summary}",
)
NOT_APPLICABLE = Text(ja="該当しません（前問の回答による）。", en="Not applicable (see the answer above).")
FOLLOW_UP = re.compile(
    r"^(?:上記|前問|前項|前記|左記)?(?:の(?:質問|設問|項目))?(?:で|に)?[「『\"]?(?P<ja>はい|いいえ|○|×|△|該当|非該当|対応済み?|未対応|"
    r"一部対応|実施している|実施していない|している|していない|ある|ない|有|無)[」』\"]?(?:と(?:回答|ご回答|答え)(?:した|された|の))?"
    r"の?(?:場合|方)|^if\s+(?:you\s+answered\s+)?[\"']?(?P<en>yes|no|not|so|applicable)\b",
    re.I,
)


def _key(word: str) -> str:
    return re.sub(r"\s+", "", normalise(word).lower())


#: "1: はい", "A．対応済", "(2) いいえ", "①": numbering in front of a choice.
_ENUMERATOR = re.compile(r"^(?:[0-9]{1,2}|[a-e]|[①-⑩])(?:[.:：)）、]|$)|^[(（][0-9a-e]{1,2}[)）]")
_PAREN = re.compile(r"^(?P<head>[^(（]*)[(（](?P<inner>[^)）]*)[)）]$")
#: Choices worded as sentences, tried in this order: 該当しない is n/a before it is a negation.
_PATTERNS: tuple[tuple[Category, re.Pattern[str]], ...] = (
    (Category.NA, re.compile(r"該当(?:し)?ない|該当なし|対象外|適用外|非対象|不要|^n\.?a\.?$|not\s*applicable")),
    (Category.PARTIAL, re.compile(r"一部|部分的|対応中|導入中|移行中|partial|in\s*progress")),
    (
        Category.NO,
        re.compile(r"(?:て|で|し)(?:い)?ない|ません|未|無し?$|なし|^ない$|不可|^no\b|\bnot\b|^non\b|^false$"),
    ),
    (
        Category.YES,
        re.compile(
            r"(?:て|で)いる|ています|済|実施|導入|対応|あり|^ある$|有り?$|^可$|^yes\b|^true$|implemented|compliant"
        ),
    ),
)
_UNDECIDED = re.compile(r"検討中|予定|計画中|準備中|planned|plan\b|future")


def _exact(key: str) -> Category | None:
    for category, words in WORDS.items():
        if key in {_key(w) for w in words}:
            return category
    return None


def category_of(word: str) -> Category | None:
    """The meaning of a choice: はい, ○, 対応済, "3: 実施していない" (a negation), "○（実施済）", "Yes - Fully
    Implemented"; None for what commits to nothing (検討中, Planned) and for sentences."""
    key = _key(word)
    if (found := _exact(key)) is not None:
        return found
    if len(key) > 30:
        return None  # a sentence is not a choice
    spaced = normalise(word).lower()
    spaced = _ENUMERATOR.sub("", spaced, count=1).strip() or spaced
    if (found := _exact(_key(spaced))) is not None:
        return found
    parts = re.split(r"\s*[/／]\s*", re.sub(r"(?<![a-z])n/a(?![a-z])", "n.a.", spaced))
    if len(parts) > 1:  # "はい / Yes", "該当なし／N/A": the same choice in two languages
        found_parts = {c for p in parts if p and (c := category_of(p)) is not None}
        return found_parts.pop() if len(found_parts) == 1 else None
    if (m := _PAREN.match(spaced)) and m["head"].strip():
        head, inner = category_of(m["head"]), category_of(m["inner"])
        return head if inner is None or inner is head else None
    if _UNDECIDED.search(spaced):
        return None
    for category, pattern in _PATTERNS:
        if pattern.search(spaced):
            return category
    return None


def word_for(category: Category, vocabulary: Sequence[str]) -> str | None:
    """The sheet's own word for a meaning, or None when the sheet has none."""
    for option in vocabulary:
        if category_of(option) is category:
            return option
    return None


def follow_up_trigger(text: str) -> Category | None:
    """The answer of the previous question that this row asks about ("いいえの場合..." -> NO)."""
    match = FOLLOW_UP.search(normalise(text))
    if not match:
        return None
    word = (match["ja"] or match["en"] or "").lower()
    if word in ("so", "applicable"):
        return Category.YES
    if word == "not":
        return Category.NO
    if word in ("ある", "している", "実施している"):
        return Category.YES
    if word in ("ない", "していない", "実施していない"):
        return Category.NO
    return category_of(word)


@dataclass(frozen=True, slots=True)
class Answer:
    question: Question
    control_ids: tuple[str, ...]
    confidence: float
    answer: str  # the value written into the answer column; "" when left for a person
    explanation: str  # written into the remarks column (or the answer column of a free-text sheet)
    status: Disposition
    state: ControlState | None
    evidence: tuple[str, ...]
    lang: Lang
    candidates: tuple[Candidate, ...] = ()
    note: str = ""
    category: Category | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "sheet": self.question.sheet,
            "row": self.question.row,
            "ref": self.question.ref,
            "question": self.question.text,
            "control_ids": list(self.control_ids),
            "confidence": round(self.confidence, 3),
            "answer": self.answer,
            "status": self.status.value,
            "state": self.state.value if self.state else None,
            "explanation": self.explanation,
            "evidence": list(self.evidence),
            "lang": self.lang,
            "candidates": [{"control_id": c.control_id, "score": c.score} for c in self.candidates],
            "note": self.note,
        }


_DOUBLE_STOP = re.compile(r"。(?:\s*。)+|\.(?:\s*\.)+(?!\.)")


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, status: ControlStatus | None, lang: Lang) -> str:
    """A catalog answer template with {summary} {date} {passed} {failed} {total} from the status."""
    if status is None:
        values: dict[str, object] = {}
    else:
        sep = "。" if lang == "ja" else "; "
        summary = sep.join(r.get(lang).rstrip("。.") for r in status.reasons[:4])
        if summary:
            summary += "。" if lang == "ja" else "."
        values = {
            "summary": summary,
            "date": status.evaluated_at.date().isoformat(),
            "passed": status.passed,
            "failed": status.failed,
            "total": status.passed + status.failed,
        }
    text = " ".join(template.format_map(_Blank(values)).split())
    return _DOUBLE_STOP.sub(lambda m: m.group(0)[0], text)  # "{summary}。" after a summary ending in "。"


def _combined_state(states: Sequence[ControlState]) -> ControlState:
    """Two controls answer one question: the weaker status decides."""
    order = (
        ControlState.NOT_MET,
        ControlState.STALE,
        ControlState.NEEDS_EVIDENCE,
        ControlState.PARTIAL,
        ControlState.MET,
    )
    return min(states, key=order.index) if states else ControlState.NEEDS_EVIDENCE


def explain(controls: Sequence[Control], statuses: Mapping[str, ControlStatus], state: ControlState, lang: Lang) -> str:
    parts = []
    for c in controls:
        status = statuses.get(c.id)
        own = status.state if status else ControlState.NEEDS_EVIDENCE
        if own is ControlState.STALE:
            parts.append(fill(STALE_TEXT.get(lang), status, lang))
        else:
            template = c.answers.get(own) or c.answers.get(state) or c.answers[ControlState.NEEDS_EVIDENCE]
            parts.append(fill(template.get(lang), status, lang))
    return " ".join(p for p in parts if p)


def decide(
    question: Question,
    match: Match,
    controls: Mapping[str, Control],
    statuses: Mapping[str, ControlStatus],
    threshold: float,
) -> Answer:
    """The answer to one (non follow-up) question from its match and the controls' current status."""
    lang = match.lang
    if not match.control_ids or match.confidence < threshold:
        # no control is claimed; the candidates stay visible for the reviewer
        hint = ", ".join(c.control_id for c in match.ranked[:3])
        note = (
            f"一致する管理策の確信度が低いため、担当者の確認が必要です（候補: {hint or 'なし'}）"
            if lang == "ja"
            else f"no control matched with enough confidence; a person must answer (candidates: {hint or 'none'})"
        )
        return Answer(
            question,
            (),
            match.confidence,
            "",
            "",
            Disposition.REVIEW,
            None,
            (),
            lang,
            match.ranked,
            note,
        )
    matched = [controls[cid] for cid in match.control_ids if cid in controls]
    states = [statuses[c.id].state if c.id in statuses else ControlState.NEEDS_EVIDENCE for c in matched]
    state = _combined_state(states)
    evidence = tuple(e for c in matched if c.id in statuses for e in statuses[c.id].evidence_ids[:10])
    explanation = explain(matched, statuses, state, lang)
    category = STATE_CATEGORY.get(state)
    base = Answer(
        question,
        match.control_ids,
        match.confidence,
        "",
        explanation,
        Disposition.ANSWERED,
        state,
        evidence,
        lang,
        match.ranked,
        "",
        category,
    )
    if state is ControlState.STALE:
        return _with(
            base,
            status=Disposition.STALE,
            note="証跡が古いため再確認が必要です" if lang == "ja" else "evidence is stale; re-verify",
        )
    if category is None:
        return _with(
            base,
            status=Disposition.NEEDS_EVIDENCE,
            note="証跡がないため回答を保留しました" if lang == "ja" else "no current evidence; answer withheld",
        )
    if not question.options:
        return _with(base, answer=explanation, explanation="")
    word = word_for(category, question.options)
    if word is None:
        note = (
            f"選択肢に「{category.value}」に当たる語がありません"
            if lang == "ja"
            else f"the sheet's choices have no word for {category.value}"
        )
        return _with(base, status=Disposition.REVIEW, note=note)
    return _with(base, answer=word)


def _with(current: Answer, **changes: object) -> Answer:
    return replace(current, **changes)  # type: ignore[arg-type]


def follow_up(question: Question, parent: Answer | None, trigger: Category) -> Answer:
    """A row that asks for details of the previous answer: filled when it applies, marked when it does not."""
    lang = parent.lang if parent else ("ja" if question.text and not question.text.isascii() else "en")
    if (
        parent is None
        or parent.category is None
        or parent.status in (Disposition.REVIEW, Disposition.STALE, Disposition.NEEDS_EVIDENCE)
    ):
        note = (
            "前問の回答後に記入してください" if lang == "ja" else "to be completed once the question above is answered"
        )
        return Answer(
            question, parent.control_ids if parent else (), 0.0, "", "", Disposition.FOLLOW_UP, None, (), lang, (), note
        )
    applies = parent.category is trigger or (trigger is Category.NO and parent.category is Category.PARTIAL)
    text = (parent.explanation or parent.answer) if applies else NOT_APPLICABLE.get(lang)
    return Answer(
        question,
        parent.control_ids,
        parent.confidence,
        text,
        "",
        Disposition.FOLLOW_UP,
        parent.state,
        parent.evidence,
        lang,
        (),
        "",
    )
