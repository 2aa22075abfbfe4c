"""Tokens and matching against the real catalog."""

from __future__ import annotations

import pytest

from checksheet import catalog
from checksheet.questionnaire.match import LibraryQuestion, Matcher, confidence_of
from checksheet.questionnaire.tokens import detect_lang, stem, tokens


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(catalog.catalog().values())


def test_japanese_tokens_are_normalised_and_keep_compounds() -> None:
    words = tokens("ログを取得し、改ざん防止していますか。")
    assert {"ログ", "取得", "改竄", "防止"} <= set(words)  # 改ざん and 改竄 meet in Sudachi's normalised form
    assert "ます" not in words and "か" not in words


def test_latin_words_in_japanese_share_english_tokens() -> None:
    assert "mfa" in tokens("多要素認証（MFA）を導入していますか") and "mfa" in tokens("Is MFA enforced?")
    assert "ＷＡＦ" not in tokens("ＷＡＦを導入") and "waf" in tokens("ＷＡＦを導入")


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("log", "logs", "logging", "logged"), True),
        (("encrypt", "encrypted", "encryption"), True),
        (("configure", "configured", "configuration"), True),
        (("backup", "patch"), False),
    ],
)
def test_stemmer_joins_word_forms(words: tuple[str, ...], same: bool) -> None:
    assert (len({stem(w) for w in words}) == 1) is same


def test_language_detection() -> None:
    assert detect_lang("WAF を導入していますか") == "ja"
    assert detect_lang("Is a WAF deployed?") == "en"


def test_two_controls_for_one_question(matcher: Matcher) -> None:
    m = matcher.match("ログを取得し、改ざん防止していますか")
    assert set(m.control_ids) == {"LOG-01", "LOG-02"}
    assert m.confidence >= 0.5


@pytest.mark.parametrize(
    ("question", "control"),
    [
        ("DMZ を設置して内部ネットワークを隠ぺいしていますか。", "NET-01"),
        ("第三者による脆弱性診断を定期的に受けていますか。", "VULN-01"),
        ("Is multi-factor authentication required for privileged accounts?", "ACC-04"),
        ("Are backups encrypted?", "CRYPT-04"),
    ],
)
def test_plain_questions_find_their_control(matcher: Matcher, question: str, control: str) -> None:
    m = matcher.match(question)
    assert m.control_ids[0] == control and m.confidence >= 0.5
    assert m.ranked[0].control_id == control and len(m.ranked) <= 5


@pytest.mark.parametrize("question", ["貴社の資本金を記入してください。", "What is your company's registered address?"])
def test_out_of_scope_questions_are_not_confident(matcher: Matcher, question: str) -> None:
    assert matcher.match(question).confidence < 0.5


def test_empty_question(matcher: Matcher) -> None:
    m = matcher.match("。。。")
    assert m.control_ids == () and m.confidence == 0.0


def test_library_questions_become_phrasings() -> None:
    question = "社用車の鍵はキーボックスで管理していますか。"
    plain = Matcher(catalog.catalog().values())
    learned = Matcher(catalog.catalog().values(), [LibraryQuestion(question, ("PHYS-02",))])
    assert learned.match(question).control_ids[0] == "PHYS-02"
    assert learned.match(question).confidence > plain.match(question).confidence


def test_confidence_is_monotonic_in_its_features() -> None:
    low = confidence_of((0.2, 0.3, 0.1, 1.0, 0.0))
    high = confidence_of((0.9, 1.0, 0.6, 3.0, 1.0))
    assert 0.0 < low < high < 1.0
