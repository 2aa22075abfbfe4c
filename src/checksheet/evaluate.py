"""Roll findings up to one ControlStatus per control. Fail closed: no evidence is never "met".

Pure: the caller passes the findings, the catalog, the check registry and the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from checksheet.checks import Check
from checksheet.model import Control, ControlState, ControlStatus, Finding, Status, Text


def _state(passed: int, failed: int, errors: int, manual: int) -> ControlState:
    if failed and passed:
        return ControlState.PARTIAL
    if failed:
        return ControlState.NOT_MET
    if errors or manual or not passed:
        return ControlState.NEEDS_EVIDENCE
    return ControlState.MET


def _reasons(findings: Sequence[Finding], checks: Mapping[str, Check]) -> tuple[Text, ...]:
    """One line per check: its title and how many subjects passed, failed or could not be read."""
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_check[f.check_id].append(f)
    lines = []
    for check_id, group in sorted(by_check.items()):
        title = checks[check_id].title if check_id in checks else Text(check_id, check_id)
        ok = sum(f.status is Status.PASS for f in group)
        bad = sum(f.status is Status.FAIL for f in group)
        err = sum(f.status is Status.ERROR for f in group)
        ja = f"{title.ja}: 適合 {ok}/{ok + bad}" + (f"、取得失敗 {err}" if err else "")
        en = f"{title.en}: {ok}/{ok + bad} compliant" + (f", {err} not collected" if err else "")
        lines.append(Text(ja, en))
    return tuple(lines)


def evaluate(
    controls: Iterable[Control],
    findings: Iterable[Finding],
    checks: Mapping[str, Check],
    *,
    now: datetime,
    observed_at: Mapping[str, datetime] | None = None,
    max_age: timedelta = timedelta(days=30),
) -> list[ControlStatus]:
    """The status of every control from the given findings.

    `observed_at` gives, per provider, when its findings were collected; a control that
    would be met or partial on any evidence older than `max_age` is reported as stale.
    """
    observed = observed_at or {}
    by_control: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        for cid in f.control_ids:
            by_control[cid].append(f)
    statuses = []
    for control in controls:
        group = by_control.get(control.id, [])
        counts = {s: sum(f.status is s for f in group) for s in Status}
        state = _state(counts[Status.PASS], counts[Status.FAIL], counts[Status.ERROR], counts[Status.MANUAL])
        stale = any(now - observed[f.provider] > max_age for f in group if f.provider in observed)
        if stale and state in (ControlState.MET, ControlState.PARTIAL):
            state = ControlState.STALE
        statuses.append(
            ControlStatus(
                control_id=control.id,
                state=state,
                passed=counts[Status.PASS],
                failed=counts[Status.FAIL],
                errors=counts[Status.ERROR],
                reasons=_reasons(group, checks),
                evidence_ids=tuple(sorted({f"{f.check_id}:{f.resource_id}" for f in group}))[:50],
                evaluated_at=now,
            )
        )
    return statuses
