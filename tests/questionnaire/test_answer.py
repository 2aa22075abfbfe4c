"""From status to the sheet's own words; never a "yes" without current evidence; follow-up rows."""

from __future__ import annotations

import pytest

from checksheet import catalog
from checksheet.model import ControlState
from checksheet.questionnaire.answer import (
    Category,
    Disposition,
    category_of,
    decide,
    fill,
    follow_up,
    follow_up_trigger,
    word_for,
)
from checksheet.questionnaire.layout import Question
from checksheet.questionnaire.match import Candidate, Match
from tests.questionnaire.books import status

VOCABULARIES = {
    "hai": ("はい", "いいえ", "一部対応", "該当なし"),
    "maru": ("○", "×", "△", "－"),
    "taiou": ("対応済", "未対応", "一部対応"),
    "gaitou": ("該当", "非該当"),
    "yesno": ("Yes", "No", "N/A"),
}


@pytest.mark.parametrize(
    ("vocab", "yes", "no", "partial"),
    [
        ("hai", "はい", "いいえ", "一部対応"),
        ("maru", "○", "×", "△"),
        ("taiou", "対応済", "未対応", "一部対応"),
        ("gaitou", "該当", "非該当", None),
        ("yesno", "Yes", "No", None),
    ],
)
def test_vocabulary_mapping(vocab: str, yes: str, no: str, partial: str | None) -> None:
    words = VOCABULARIES[vocab]
    assert word_for(Category.YES, words) == yes
    assert word_for(Category.NO, words) == no
    assert word_for(Category.PARTIAL, words) == partial


def test_category_of_variants() -> None:
    assert category_of("ＹＥＳ") is Category.YES
    assert category_of("N/A") is Category.NA
    assert category_of("一部対応済み") is Category.PARTIAL
    assert category_of("検討中") is None


@pytest.mark.parametrize(
    ("words", "yes", "no", "partial"),
    [
        # a negation that starts like the "yes" word must never be taken for it
        (("実施していない", "一部実施している", "実施している"), "実施している", "実施していない", "一部実施している"),
        (
            ("1: 実施していない", "2: 一部実施", "3: 実施している"),
            "3: 実施している",
            "1: 実施していない",
            "2: 一部実施",
        ),
        (("導入していない", "導入済み"), "導入済み", "導入していない", None),
        (
            ("○（実施済）", "×（未実施）", "△（一部実施）", "－（該当なし）"),
            "○（実施済）",
            "×（未実施）",
            "△（一部実施）",
        ),
        (
            ("Not Implemented", "Partially Implemented", "Implemented"),
            "Implemented",
            "Not Implemented",
            "Partially Implemented",
        ),
        (("No - Not Implemented", "Yes - Fully Implemented"), "Yes - Fully Implemented", "No - Not Implemented", None),
        (("a) No", "b) Yes", "c) Not applicable"), "b) Yes", "a) No", None),
        (("検討中", "未対応", "対応済"), "対応済", "未対応", None),
    ],
)
def test_choices_worded_as_sentences(words: tuple[str, ...], yes: str, no: str, partial: str | None) -> None:
    assert (word_for(Category.YES, words), word_for(Category.NO, words)) == (yes, no)
    assert word_for(Category.PARTIAL, words) == partial


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("該当しない", Category.NA),
        ("適用外", Category.NA),
        ("Planned", None),
        ("予定あり", None),
        ("ない", Category.NO),
    ],
)
def test_choices_that_are_not_a_yes(word: str, category: Category | None) -> None:
    assert category_of(word) is category


def _question(options: tuple[str, ...] = VOCABULARIES["hai"], text: str = "監査ログを取得していますか。") -> Question:
    return Question("S", 10, "1-1", text, "", options)


def _match(*ids: str, confidence: float = 0.9, lang: str = "ja") -> Match:
    return Match(ids, confidence, tuple(Candidate(i, 10.0) for i in ids), lang)  # type: ignore[arg-type]


CONTROLS = catalog.catalog()


@pytest.mark.parametrize(
    ("state", "answer", "disposition"),
    [
        (ControlState.MET, "はい", Disposition.ANSWERED),
        (ControlState.NOT_MET, "いいえ", Disposition.ANSWERED),
        (ControlState.PARTIAL, "一部対応", Disposition.ANSWERED),
        (ControlState.NEEDS_EVIDENCE, "", Disposition.NEEDS_EVIDENCE),
        (ControlState.STALE, "", Disposition.STALE),
    ],
)
def test_answer_follows_status(state: ControlState, answer: str, disposition: Disposition) -> None:
    a = decide(_question(), _match("LOG-01"), CONTROLS, {"LOG-01": status("LOG-01", state)}, 0.5)
    assert (a.answer, a.status, a.state) == (answer, disposition, state)
    assert a.explanation  # every matched answer explains itself, in the question's language
    if state in (ControlState.MET, ControlState.PARTIAL, ControlState.STALE):
        assert "2026-11-28" in a.explanation  # the date of the evidence
    assert a.evidence == ("check_log-01:res-1",)


def test_no_status_at_all_is_never_yes() -> None:
    a = decide(_question(), _match("LOG-01"), CONTROLS, {}, 0.5)
    assert a.answer == "" and a.status is Disposition.NEEDS_EVIDENCE


def test_two_controls_take_the_weaker_status() -> None:
    statuses = {"LOG-01": status("LOG-01", ControlState.MET), "LOG-02": status("LOG-02", ControlState.NOT_MET)}
    a = decide(_question(), _match("LOG-01", "LOG-02"), CONTROLS, statuses, 0.5)
    assert a.answer == "いいえ" and a.control_ids == ("LOG-01", "LOG-02")


def test_low_confidence_is_left_for_a_person() -> None:
    a = decide(
        _question(), _match("LOG-01", confidence=0.3), CONTROLS, {"LOG-01": status("LOG-01", ControlState.MET)}, 0.5
    )
    assert a.answer == "" and a.status is Disposition.REVIEW and a.note


def test_partial_without_a_partial_word_goes_to_review() -> None:
    a = decide(
        _question(VOCABULARIES["yesno"]),
        _match("LOG-01", lang="en"),
        CONTROLS,
        {"LOG-01": status("LOG-01", ControlState.PARTIAL, 2, 1)},
        0.5,
    )
    assert a.answer == "" and a.status is Disposition.REVIEW
    assert "1 of 3" in a.explanation  # the English template, filled with the figures


def test_free_text_sheet_gets_the_explanation_as_answer() -> None:
    a = decide(_question(()), _match("LOG-01"), CONTROLS, {"LOG-01": status("LOG-01", ControlState.MET)}, 0.5)
    assert a.answer.startswith("AWS CloudTrail") or "CloudTrail" in a.answer
    assert a.explanation == ""


def test_template_filling() -> None:
    s = status("LOG-01", ControlState.PARTIAL, passed=16, failed=1)
    text = fill("{summary} {passed}/{total} 失敗 {failed}（{date} 確認）{unknown}", s, "ja")
    assert text == "チェック LOG-01: 適合 16/17。 16/17 失敗 1（2026-11-28 確認）"


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("「いいえ」の場合、その理由と代替策を記載してください。", Category.NO),
        ("上記で「はい」と回答した場合、具体的な方法をご記入ください。", Category.YES),
        ("×の場合は代替策を記載", Category.NO),
        ("If no, describe compensating controls.", Category.NO),
        ("If yes, provide the date of the last test.", Category.YES),
        ("監査ログを取得していますか。", None),
        ("障害が発生した場合の連絡体制はありますか。", None),
    ],
)
def test_follow_up_recognition(text: str, trigger: Category | None) -> None:
    assert follow_up_trigger(text) is trigger


def test_follow_up_answers_when_it_applies_and_marks_when_not() -> None:
    parent = decide(_question(), _match("LOG-01"), CONTROLS, {"LOG-01": status("LOG-01", ControlState.NOT_MET)}, 0.5)
    row = Question("S", 11, "1-2", "「いいえ」の場合、その理由と代替策を記載してください。", "", ())
    filled = follow_up(row, parent, Category.NO)
    assert filled.status is Disposition.FOLLOW_UP and filled.answer == parent.explanation
    yes_parent = decide(_question(), _match("LOG-01"), CONTROLS, {"LOG-01": status("LOG-01", ControlState.MET)}, 0.5)
    assert follow_up(row, yes_parent, Category.NO).answer.startswith("該当しません")
    waiting = follow_up(row, decide(_question(), _match("LOG-01"), CONTROLS, {}, 0.5), Category.NO)
    assert waiting.answer == "" and waiting.note


def test_no_doubled_full_stops_after_a_summary() -> None:
    s = status("LOG-01", ControlState.NOT_MET, passed=0, failed=1)
    assert (
        fill("未設定です。{summary}。計画しています。", s, "ja")
        == "未設定です。チェック LOG-01: 適合 0/1。計画しています。"
    )
    assert fill("Not yet. {summary}. We plan to.", s, "en") == "Not yet. check LOG-01: 0/1 compliant. We plan to."
