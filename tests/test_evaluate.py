from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checksheet.catalog import catalog
from checksheet.evaluate import evaluate
from checksheet.model import Control, ControlState, Finding, Severity, Status, Text

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _control() -> Control:
    return next(iter(catalog().values()))


def _f(status: Status, control_id: str, provider: str = "aws", check: str = "c1") -> Finding:
    return Finding(check, (control_id,), status, Severity.HIGH, provider, "1", "r", "t", f"id-{status}",
                   Text("メッセージ", "message"))


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], ControlState.NEEDS_EVIDENCE),
        ([Status.PASS], ControlState.MET),
        ([Status.PASS, Status.FAIL], ControlState.PARTIAL),
        ([Status.FAIL], ControlState.NOT_MET),
        ([Status.ERROR], ControlState.NEEDS_EVIDENCE),
        ([Status.PASS, Status.ERROR], ControlState.NEEDS_EVIDENCE),
        ([Status.PASS, Status.MANUAL], ControlState.NEEDS_EVIDENCE),
        ([Status.FAIL, Status.ERROR], ControlState.NOT_MET),
    ],
)
def test_roll_up_fails_closed(statuses: list[Status], expected: ControlState) -> None:
    control = _control()
    [result] = evaluate([control], [_f(s, control.id) for s in statuses], {}, now=NOW)
    assert result.state is expected
    assert result.passed == statuses.count(Status.PASS)


def test_old_evidence_is_stale_not_met() -> None:
    control = _control()
    findings = [_f(Status.PASS, control.id)]
    [fresh] = evaluate([control], findings, {}, now=NOW, observed_at={"aws": NOW - timedelta(days=3)})
    [old] = evaluate([control], findings, {}, now=NOW, observed_at={"aws": NOW - timedelta(days=40)},
                     max_age=timedelta(days=30))
    assert fresh.state is ControlState.MET
    assert old.state is ControlState.STALE


def test_reasons_summarise_each_check_in_both_languages() -> None:
    control = _control()
    findings = [_f(Status.PASS, control.id), _f(Status.FAIL, control.id), _f(Status.ERROR, control.id)]
    [result] = evaluate([control], findings, {}, now=NOW)
    [reason] = result.reasons
    assert "1/2" in reason.ja and "1/2" in reason.en and "取得失敗 1" in reason.ja
