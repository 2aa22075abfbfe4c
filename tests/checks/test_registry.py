"""Meta-tests over the check registry: ids, bilingual texts, needs, controls, and purity of imports."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

import checksheet.checks
from checksheet import catalog, checks
from checksheet.checks.base import Check
from tests.checks.aws_builders import aws_checks

ALL = sorted(checks.ALL, key=lambda c: c.id)
AWS = sorted(aws_checks().values(), key=lambda c: c.id)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
POLITE_END = re.compile(r"(ください|ます|です|ません)(\s*[(（][^)）]*[)）])?。$")
FORBIDDEN = ("boto3", "botocore", "sqlalchemy", "openpyxl", "checksheet.collectors", "checksheet.store")
PACKAGE = Path(checksheet.checks.__file__).parent


def _listed() -> dict[str, set[str]]:
    listed: dict[str, set[str]] = {}
    for control in catalog.catalog().values():
        for check_id in control.evidence.checks:
            listed.setdefault(check_id, set()).add(control.id)
    return listed


def test_check_ids_are_unique() -> None:
    duplicates = [i for i, n in Counter(c.id for c in checks.ALL).items() if n > 1]
    assert not duplicates


def test_every_aws_check_module_is_registered() -> None:
    registered = {c.id for c in checks.ALL}
    assert {c.id for c in AWS} <= registered


@pytest.mark.parametrize("check", ALL, ids=[c.id for c in ALL])
def test_titles_and_remediation_exist_in_both_languages(check: Check) -> None:
    for text in (check.title, check.remediation):
        assert text.ja.strip() and text.en.strip()
        assert JAPANESE.search(text.ja), f"{check.id}: Japanese text has no Japanese"
        assert not JAPANESE.search(text.en), f"{check.id}: English text contains Japanese"
    assert not check.title.ja.endswith("。") and not check.title.en.endswith(".")
    # です・ます調 for what the customer's engineer is asked to do (a closing aside in brackets is fine)
    assert POLITE_END.search(check.remediation.ja), f"{check.id}: remediation is not in です・ます調"


@pytest.mark.parametrize("check", AWS, ids=[c.id for c in AWS])
def test_aws_checks_declare_needs_and_controls(check: Check) -> None:
    assert check.needs and all(t.startswith("aws.") for t in check.needs)
    assert check.control_ids


@pytest.mark.parametrize("check", ALL, ids=[c.id for c in ALL])
def test_controls_exist_and_list_the_check(check: Check) -> None:
    known = catalog.catalog()
    missing = [c for c in check.control_ids if c not in known]
    assert not missing, f"{check.id} names controls the catalog does not have: {missing}"
    if check.control_ids:
        assert set(check.control_ids) == _listed().get(check.id, set()), check.id


def test_every_registered_aws_check_is_evidence_for_some_control() -> None:
    listed = _listed()
    assert [c.id for c in AWS if c.id not in listed] == []


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_checks_import_no_sdk_database_workbook_collector_or_store(path: Path) -> None:
    bad = sorted(n for n in _imports(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))
    assert not bad, f"{path.name} imports {bad}"
