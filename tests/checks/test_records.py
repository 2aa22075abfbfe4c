"""Record checks on inventories built in code: intervals as data, "now" from the inventory, no records
means no verdict, an opted-in project without a record kind fails, expired attestations go stale."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checksheet.checks import records as rc
from checksheet.checks.base import run_check
from checksheet.evaluate import evaluate
from checksheet.inventory import Inventory
from checksheet.model import (
    Control,
    ControlState,
    Evidence,
    Finding,
    Mappings,
    RecordKind,
    Resource,
    Status,
    Text,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
CHECKS = {c.id: c for c in rc.CHECKS}


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def record(kind: str, rid: str, occurred: str, controls: tuple[str, ...] = (), **data: Any) -> Resource:
    return Resource("records", "local", "global", f"record.{kind}", rid,
                    {**data, "occurred_on": occurred, "control_ids": list(controls), "actor": "alice"})


def drill(rid: str, days: int, drill_type: str = "incident_response", result: str = "succeeded") -> Resource:
    return record("drill", rid, ago(days), drill_type=drill_type, result=result, scenario="s", participants=["a"])


def assessment(rid: str, days: int, vendor: str = "Acme Security", findings: list[dict[str, Any]] | None = None,
               ) -> Resource:
    return record("assessment", rid, ago(days), vendor=vendor, assessment_type="external_pentest", scope="web",
                  started_on=ago(days + 5), ended_on=ago(days), findings=findings or [])


def inv(*resources: Resource, policy: rc.Policy | None = None) -> Inventory:
    extra = [rc.policy_resource(policy)] if policy else []
    return Inventory([*resources, *extra], collected_at=NOW)


def verdicts(check_id: str, inventory: Inventory) -> list[tuple[str, str]]:
    return [(f.status.value, f.resource_id) for f in run_check(CHECKS[check_id], inventory)]


def test_no_records_means_no_verdict_at_all() -> None:
    empty = inv(policy=rc.Policy())
    assert all(list(run_check(c, empty)) == [] for c in rc.CHECKS)


OPTED_IN_FAILS = ["record_drill_within_92_days", "record_restore_drill_within_92_days",
                  "record_assessment_within_12_months", "record_assessment_two_vendors",
                  "record_account_review_quarterly"]


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_a_project_that_keeps_records_fails_for_a_missing_kind(check_id: str) -> None:
    keeps = inv(record("evidence_file", "ev1", ago(3), title="IR manual", doc_type="manual", sha256="0" * 64))
    found = verdicts(check_id, keeps)
    assert found == ([("fail", "local")] if check_id in OPTED_IN_FAILS else [])


@pytest.mark.parametrize(("days", "interval", "status"), [(0, 92, "pass"), (92, 92, "pass"), (93, 92, "fail"),
                                                         (40, 30, "fail"), (29, 30, "pass")])
def test_drill_interval_comes_from_the_policy(days: int, interval: int, status: str) -> None:
    found = verdicts("record_drill_within_92_days", inv(drill("d1", days), policy=rc.Policy(drill_days=interval)))
    assert found == [(status, "d1")]


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=1, max_value=400))
def test_the_newest_drill_decides(age: int, interval: int) -> None:
    inventory = inv(drill("old", age + 50), drill("new", age), policy=rc.Policy(drill_days=interval))
    assert verdicts("record_drill_within_92_days", inventory) == [("pass" if age <= interval else "fail", "new")]


def test_a_planned_drill_is_not_evidence_and_an_incomplete_one_asks_a_person() -> None:
    planned = record("drill", "future", (TODAY + timedelta(days=5)).isoformat(), drill_type="restore",
                     result="succeeded")
    assert verdicts("record_drill_within_92_days", inv(planned)) == [("fail", "local")]
    incomplete = record("drill", "bare", ago(3))
    assert verdicts("record_drill_within_92_days", inv(incomplete)) == [("manual", "bare")]


def test_restore_drills_must_be_restores_and_must_succeed() -> None:
    assert verdicts("record_restore_drill_within_92_days", inv(drill("t", 10, "tabletop"))) == [("fail", "local")]
    assert verdicts("record_restore_drill_within_92_days", inv(drill("r", 10, "restore"))) == [("pass", "r")]
    failed = inv(drill("r1", 50, "restore"), drill("r2", 10, "restore", result="failed"))
    assert verdicts("record_restore_drill_within_92_days", failed) == [("fail", "r2")]
    late = inv(drill("r", 100, "restore"), policy=rc.Policy(restore_drill_days=92))
    assert verdicts("record_restore_drill_within_92_days", late) == [("fail", "r")]


def test_third_party_assessment_within_the_interval() -> None:
    assert verdicts("record_assessment_within_12_months", inv(assessment("a", 300))) == [("pass", "a")]
    assert verdicts("record_assessment_within_12_months", inv(assessment("a", 400))) == [("fail", "a")]
    short = inv(assessment("a", 100), policy=rc.Policy(assessment_days=90))
    assert verdicts("record_assessment_within_12_months", short) == [("fail", "a")]


def test_two_vendors_in_twice_the_interval() -> None:
    two = inv(assessment("a", 100, "Acme Security"), assessment("b", 600, "Blue Team KK"))
    assert verdicts("record_assessment_two_vendors", two) == [("pass", "a")]
    same = inv(assessment("a", 100, "Acme Security"), assessment("b", 200, " acme  security "))
    assert verdicts("record_assessment_two_vendors", same) == [("fail", "a")]
    too_old = inv(assessment("a", 100, "Acme"), assessment("b", 800, "Blue"))
    assert verdicts("record_assessment_two_vendors", too_old) == [("fail", "a")]


@pytest.mark.parametrize(("finding", "status"), [
    ({"id": "F1", "severity": "high", "status": "open", "due_on": ago(1)}, "fail"),
    ({"id": "F1", "severity": "critical", "status": "open"}, "fail"),  # no due date: open forever
    ({"id": "F1", "severity": "high", "status": "open", "due_on": ago(-10)}, "pass"),
    ({"id": "F1", "severity": "medium", "status": "open", "due_on": ago(100)}, "pass"),
    ({"id": "F1", "severity": "high", "status": "fixed", "due_on": ago(100), "closed_on": ago(90)}, "pass"),
    ({"id": "F1", "severity": "high", "status": "accepted", "due_on": ago(100)}, "pass"),
])
def test_high_findings_open_past_due(finding: dict[str, Any], status: str) -> None:
    found = list(run_check(CHECKS["record_assessment_findings_closed"], inv(assessment("a", 30, findings=[finding]))))
    assert [(f.status.value, f.resource_id) for f in found] == [(status, "a")]
    if status == "fail":
        assert "F1" in found[0].message.en


def test_account_reviews_quarterly_and_leavers_per_scope() -> None:
    old = record("account_review", "r1", ago(200), scope="aws:111", leavers_active=["bob"])
    new = record("account_review", "r2", ago(20), scope="aws:111", leavers_active=[])
    other = record("account_review", "r3", ago(25), scope="github:acme", leavers_active=["carol", "dave"])
    reviews = inv(old, new, other)
    assert verdicts("record_account_review_quarterly", reviews) == [("pass", "r2")]
    assert verdicts("record_account_leavers_removed", reviews) == [("pass", "r2"), ("fail", "r3")]
    assert verdicts("record_account_review_quarterly", inv(old)) == [("fail", "r1")]


@pytest.mark.parametrize(("data", "status"), [
    ({"detected_on": ago(20), "applied_on": ago(15), "sla_days": 7}, "pass"),
    ({"detected_on": ago(20), "applied_on": ago(5), "sla_days": 7}, "fail"),
    ({"detected_on": ago(3), "applied_on": None, "sla_days": 7}, "pass"),
    ({"detected_on": ago(30), "applied_on": None, "sla_days": 14}, "fail"),
    ({"detected_on": ago(900), "applied_on": ago(800), "sla_days": 7}, None),  # beyond the lookback
])
def test_patch_sla(data: dict[str, Any], status: str | None) -> None:
    patch = Resource("records", "local", "global", "record.patch_sla", "p1",
                     {**data, "advisory": "DSA-5555-1", "urgency": "high", "occurred_on": data["detected_on"]})
    assert verdicts("record_patch_sla_met", inv(patch)) == ([(status, "p1")] if status else [])


def attestation(rid: str, expires: date, controls: tuple[str, ...] = ("HR-01", "HR-02")) -> Resource:
    return record("attestation", rid, ago(100), controls, statement="Background checks for every hire",
                  owner="CISO", expires_on=expires.isoformat())


def test_attestations_speak_for_their_own_controls() -> None:
    [finding] = run_check(CHECKS["record_attestation_current"], inv(attestation("a1", TODAY + timedelta(days=1))))
    assert finding.status is Status.PASS and finding.control_ids == ("HR-01", "HR-02")
    assert finding.provider == "records"


def control(cid: str, checks: tuple[str, ...]) -> Control:
    t = Text("t", "t")
    return Control(cid, "HR", t, t, t, (), (), (), (), Mappings(("A.6.1",)),
                   Evidence(checks=checks, records=(RecordKind.ATTESTATION,)), {})


def test_an_expired_attestation_makes_its_control_stale() -> None:
    expired = list(run_check(CHECKS["record_attestation_current"], inv(attestation("a1", TODAY - timedelta(days=1)))))
    assert [(f.status, f.provider) for f in expired] == [(Status.PASS, rc.STALE_PROVIDER)]
    current = list(run_check(CHECKS["record_attestation_current"],
                             inv(attestation("a2", TODAY + timedelta(days=30), ("HR-03",)))))
    findings: list[Finding] = [*expired, *current]
    statuses = evaluate([control("HR-01", ("record_attestation_current",)),
                         control("HR-03", ("record_attestation_current",)),
                         control("HR-09", ("record_attestation_current",))],
                        findings, CHECKS, now=NOW, observed_at={rc.STALE_PROVIDER: rc.STALE_SINCE})
    assert [s.state for s in statuses] == [ControlState.STALE, ControlState.MET, ControlState.NEEDS_EVIDENCE]


def test_policy_resource_round_trips() -> None:
    policy = rc.Policy(drill_days=30, restore_drill_days=60, account_review_days=90, assessment_days=180)
    assert rc.policy_of(inv(policy=policy)) == policy
    assert rc.policy_of(inv()) == rc.Policy()
