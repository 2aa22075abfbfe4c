"""The scan repository on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

from checksheet.inventory import Inventory
from checksheet.model import ControlState, ControlStatus, Fault, Finding, Resource, Severity, Status, Text
from checksheet.store import Store
from checksheet.store.scans import (
    current_scan_findings,
    findings_of,
    inventory_of,
    latest_scans,
    load_statuses,
    replace_statuses,
    save_scan,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _finding(check: str, status: Status, rid: str = "sg-1") -> Finding:
    return Finding(check, ("NET-02",), status, Severity.HIGH, "aws", "123456789012", "ap-northeast-1",
                   "aws.ec2.security_group", rid, Text("日本語の説明", "English message"))


def test_a_scan_round_trips_with_resources_faults_and_findings(store: Store) -> None:
    inventory = Inventory(
        [Resource("aws", "123456789012", "ap-northeast-1", "aws.ec2.security_group", "sg-1",
                  {"ingress": [{"cidrs": ["0.0.0.0/0"], "from_port": 22}], "名前": "ウェブ"})],
        [Fault("aws", "123456789012", "us-east-1", "guardduty", "aws.guardduty.detector",
               "guardduty:ListDetectors", "AccessDenied")],
    )
    findings = [_finding("ec2_sg_no_ssh_open_to_internet", Status.FAIL)]
    scan = save_scan(store, "aws", inventory, findings, scope={"regions": ["ap-northeast-1"]}, started_at=T0)
    assert scan.resource_count == 1 and scan.finding_count == 1
    assert findings_of(store, [scan.id]) == findings
    again = inventory_of(store, scan.id)
    assert again.resources == inventory.resources
    assert again.faults == inventory.faults
    assert again.collected_at == T0


def test_latest_scan_per_provider_wins(store: Store) -> None:
    old = save_scan(store, "aws", Inventory(), [_finding("a", Status.FAIL)], scope={}, started_at=T0)
    new = save_scan(store, "aws", Inventory(), [_finding("a", Status.PASS)], scope={}, started_at=T0)
    host = save_scan(store, "host", Inventory(), [], scope={}, started_at=T0)
    assert {s.id for s in latest_scans(store)} == {new.id, host.id}
    assert old.id < new.id
    assert [f.status for f in findings_of(store, [new.id])] == [Status.PASS]


def test_statuses_are_replaced_not_accumulated(store: Store) -> None:
    status = ControlStatus("NET-02", ControlState.PARTIAL, 3, 1, 0, (Text("理由", "reason"),), ("x:y",), T0)
    replace_statuses(store, [status])
    replace_statuses(store, [status])
    assert load_statuses(store) == [status]


def test_current_findings_keep_each_account_from_its_newest_scan(store: Store) -> None:
    def on(account: str, status: Status) -> Finding:
        return Finding("c", ("NET-02",), status, Severity.HIGH, "host", account, "ssh", "host.sshd", account,
                       Text("説明", "message"))

    save_scan(store, "host", Inventory(), [on("a", Status.FAIL)], scope={}, started_at=T0)
    save_scan(store, "host", Inventory(), [on("b", Status.PASS)], scope={}, started_at=T0.replace(day=2))
    save_scan(store, "host", Inventory(), [on("a", Status.PASS)], scope={}, started_at=T0.replace(day=3))
    findings, observed = current_scan_findings(store)
    assert sorted((f.account, f.status) for f in findings) == [("a", Status.PASS), ("b", Status.PASS)]
    assert observed == {"host": T0.replace(day=2)}


def test_schema_head_constant_is_alembics_head(store: Store) -> None:
    from checksheet.store.db import SCHEMA_HEAD

    assert store.head() == SCHEMA_HEAD
    assert store.is_current()
