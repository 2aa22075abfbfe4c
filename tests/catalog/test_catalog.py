"""Meta-tests over the embedded catalog and the schema that guards it."""

from __future__ import annotations

from pathlib import Path

import pytest

from checksheet import catalog, checks
from checksheet.catalog import load_domains, parse_domain, pending_checks
from checksheet.errors import CatalogError
from checksheet.model import ControlState

SEED_DOMAINS = ("VULN", "NET", "LOG", "ACC", "PATCH", "CRYPT", "IR")
OTHER_TOPICS = ("ORG", "HR", "PHYS", "DEV", "DATA", "SUP", "PRIV", "AVAIL", "MAL", "END", "CERT")


def test_at_least_seventy_controls_with_unique_ids() -> None:
    controls = [c for d in catalog.domains() for c in d.controls]
    assert len(controls) >= 70
    assert len({c.id for c in controls}) == len(controls)


@pytest.mark.parametrize("domain", SEED_DOMAINS)
def test_seed_domains_are_covered_in_depth(domain: str) -> None:
    assert sum(c.domain == domain for c in catalog.catalog().values()) >= 6


def test_every_other_topic_has_a_home() -> None:
    present = {d.id for d in catalog.domains()}
    assert set(OTHER_TOPICS) <= present, set(OTHER_TOPICS) - present


@pytest.mark.parametrize("control", list(catalog.catalog().values()), ids=lambda c: c.id)
def test_control_is_complete_in_both_languages(control: catalog.Control) -> None:
    for text in (control.title, control.requirement, control.rationale):
        assert text.ja.strip() and text.en.strip()
    assert len(control.questions_ja) >= 4 and len(control.questions_en) >= 4
    assert control.keywords_ja and control.keywords_en
    assert control.mappings.iso27001
    assert set(control.answers) == {
        ControlState.MET, ControlState.PARTIAL, ControlState.NOT_MET, ControlState.NEEDS_EVIDENCE
    }
    # Japanese questions are Japanese, English ones are not.
    assert all(any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in q) for q in control.questions_ja)
    assert not any(any("\u3040" <= ch <= "\u30ff" for ch in q) for q in control.questions_en)


def test_every_referenced_check_exists_or_is_declared_pending() -> None:
    registered = set(checks.by_id())
    pending = set(pending_checks())
    referenced = {c for ctl in catalog.catalog().values() for c in ctl.evidence.checks}
    unknown = referenced - registered - pending
    assert not unknown, f"catalog refers to checks that neither exist nor are pending: {sorted(unknown)}"
    still_pending = sorted(referenced & pending)
    print(f"pending checks referenced by the catalog ({len(still_pending)}): {still_pending}")


def test_no_check_is_both_registered_and_pending() -> None:
    assert not set(checks.by_id()) & set(pending_checks())


def test_registered_checks_and_catalog_agree_on_controls() -> None:
    """A check's declared controls are exactly the controls that list it as evidence."""
    listed: dict[str, set[str]] = {}
    for control in catalog.catalog().values():
        for check_id in control.evidence.checks:
            listed.setdefault(check_id, set()).add(control.id)
    for check in checks.ALL:
        if check.control_ids:
            assert set(check.control_ids) == listed.get(check.id, set()), check.id


VALID = """
domain: TST
title: {ja: テスト, en: Test}
controls:
  - id: TST-01
    title: {ja: 題, en: Title}
    requirement: {ja: 要件, en: Requirement}
    rationale: {ja: 理由, en: Rationale}
    questions:
      ja: [質問1ですか, 質問2ですか, 質問3ですか, 質問4ですか]
      en: ["Q1", "Q2", "Q3", "Q4"]
    keywords: {ja: [鍵], en: [key]}
    mappings: {iso27001: [A.8.20]}
    evidence: {attestation: true}
    answers:
      met: {ja: "はい。{summary}", en: "Yes. {summary}"}
      partial: {ja: 一部, en: Partly}
      not_met: {ja: いいえ, en: "No"}
      needs_evidence: {ja: 確認中, en: Checking}
"""


def test_a_valid_domain_parses() -> None:
    domain = parse_domain(VALID, "tst.yaml")
    assert domain.controls[0].id == "TST-01"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("evidence: {attestation: true}", "evidence: {attestation: true, typo: 1}"), "Extra inputs"),
        (("iso27001: [A.8.20]", "iso27001: [A.8.99]"), "Annex A"),
        (("iso27001: [A.8.20]", "iso27001: []"), "at least 1"),
        (('en: ["Q1", "Q2", "Q3", "Q4"]', 'en: ["Q1"]'), "at least 4"),
        (('"Yes. {summary}"', '"Yes. {secret}"'), "unknown placeholder"),
        (("id: TST-01", "id: NET-01"), "not in domain"),
        (("evidence: {attestation: true}", "evidence: {}"), "needs checks, records or attestation"),
        (("en: Rationale", "en: ''"), "at least 1 character"),
    ],
)
def test_schema_rejects_bad_controls(change: tuple[str, str], message: str) -> None:
    with pytest.raises(CatalogError, match=message) as err:
        parse_domain(VALID.replace(*change), "tst.yaml")
    assert "\n" not in err.value.diagnostics()
    assert err.value.diagnostics().startswith("tst.yaml:")


def test_duplicate_ids_across_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(VALID, encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate control id TST-01"):
        load_domains(tmp_path)


def test_broken_yaml_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("domain: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_domains(tmp_path)
