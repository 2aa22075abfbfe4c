"""Records in a real store (SQLite and PostgreSQL): stored with their files, chained into the ledger,
and changing the status of the controls that ask for them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from checksheet import run
from checksheet.config import load_settings
from checksheet.errors import InputError, UsageError
from checksheet.ledger import verify
from checksheet.model import ControlState, RecordKind
from checksheet.records import service
from checksheet.records.schemas import AssessmentIn, AttestationIn, DrillIn, EvidenceIn
from checksheet.store import Store

TODAY = datetime.now(UTC).date()


def a_drill(days_ago: int, drill_type: str = "incident_response", result: str = "succeeded") -> DrillIn:
    return DrillIn(drill_type=drill_type, occurred_on=TODAY - timedelta(days=days_ago), participants=["alice", "bob"],
                   scenario="ransomware on the batch host", runbook="https://wiki/ir/ransomware", result=result,
                   recovery_minutes=42, follow_ups=["automate the isolation step"])


def state(store: Store, tmp_path: Path, control_id: str) -> ControlState:
    settings = load_settings(home=tmp_path, environ={})
    return next(s.state for s in run.refresh_statuses(store, settings) if s.control_id == control_id)


def test_a_drill_record_flips_its_controls_status(store: Store, tmp_path: Path) -> None:
    assert state(store, tmp_path, "IR-03") is ControlState.NEEDS_EVIDENCE
    service.add_records(store, [a_drill(200)], "alice")
    assert state(store, tmp_path, "IR-03") is ControlState.NOT_MET
    assert state(store, tmp_path, "IR-05") is ControlState.NOT_MET  # opted in, and no restore drill
    service.add_records(store, [a_drill(10)], "alice")
    assert state(store, tmp_path, "IR-03") is ControlState.MET
    service.add_records(store, [a_drill(5, "restore", "failed")], "alice")
    assert state(store, tmp_path, "IR-05") is ControlState.NOT_MET
    service.add_records(store, [a_drill(1, "restore")], "alice")
    assert state(store, tmp_path, "IR-05") is ControlState.MET


def test_the_configured_interval_reaches_the_checks(store: Store, tmp_path: Path) -> None:
    service.add_records(store, [a_drill(40)], "alice")
    assert state(store, tmp_path, "IR-03") is ControlState.MET
    (tmp_path / "checksheet.toml").write_text("[checksheet]\ndrill_interval_days = 30\n", encoding="utf-8")
    assert state(store, tmp_path, "IR-03") is ControlState.NOT_MET


def test_assessments_decide_the_vulnerability_controls(store: Store, tmp_path: Path) -> None:
    report = tmp_path / "pentest-2026.pdf"
    report.write_bytes(b"%PDF-1.7 findings...")
    first = AssessmentIn(vendor="Acme Security", assessment_type="external_pentest", scope="app.example.com",
                         started_on=TODAY - timedelta(days=40), ended_on=TODAY - timedelta(days=30),
                         report_file=str(report), findings=[
                             {"id": "F-1", "title": "SQL injection", "severity": "high",
                              "due_on": (TODAY - timedelta(days=1)).isoformat()},
                             {"id": "F-2", "title": "Verbose errors", "severity": "low"}])
    [added] = service.add_records(store, [first], "alice")
    assert state(store, tmp_path, "VULN-01") is ControlState.MET
    assert state(store, tmp_path, "VULN-02") is ControlState.NOT_MET  # one vendor
    assert state(store, tmp_path, "VULN-05") is ControlState.NOT_MET  # F-1 open past due
    service.close_finding(store, added.id[:8], "F-1", status="fixed", on=TODAY, actor="bob")
    assert state(store, tmp_path, "VULN-05") is ControlState.MET
    second = first.model_copy(update={"vendor": "Blue Team KK", "findings": [], "report_file": ""})
    service.add_records(store, [second], "alice")
    assert state(store, tmp_path, "VULN-02") is ControlState.MET
    stored = service.get_record(store, added.id[:8], RecordKind.ASSESSMENT)
    assert stored.data["findings"][0]["status"] == "fixed"
    assert service.blob(store, stored.data["report"]["sha256"]) == report.read_bytes()


def test_an_expired_attestation_makes_the_control_stale(store: Store, tmp_path: Path) -> None:
    statement = AttestationIn(control_ids=["hr-01"], statement="Background checks for every hire", owner="CISO",
                              reviewed_on=TODAY - timedelta(days=400), expires_on=TODAY - timedelta(days=35))
    service.add_records(store, [statement], "ciso")
    assert state(store, tmp_path, "HR-01") is ControlState.STALE
    renewed = statement.model_copy(update={"reviewed_on": TODAY, "expires_on": TODAY + timedelta(days=365)})
    service.add_records(store, [renewed], "ciso")
    assert state(store, tmp_path, "HR-01") is ControlState.STALE  # the expired one still speaks for HR-01


def test_records_and_files_are_on_the_ledger(store: Store, tmp_path: Path) -> None:
    policy = tmp_path / "ir-policy.md"
    policy.write_text("# Incident response policy\n", encoding="utf-8")
    items = [EvidenceIn(file=str(policy), title="IR policy", doc_type="policy", dated_on=date(2026, 1, 5),
                        control_ids=["IR-01"]),
             EvidenceIn(file="ir-policy.md", title="IR policy (copy)", doc_type="policy", dated_on=date(2026, 1, 5))]
    added = service.add_records(store, items, "alice", base=tmp_path)
    assert added[0].data["sha256"] == added[1].data["sha256"]
    assert added[1].control_ids  # defaulted to the controls that ask for evidence files
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM blobs")).scalar_one() == 1
        payload = conn.execute(text("SELECT payload FROM ledger_entries WHERE seq = :s"),
                               {"s": added[0].ledger_seq}).scalar_one()
    assert added[0].id in payload and added[0].data["sha256"] in payload
    assert verify.verify(store, None).size == 2


def test_bad_records_store_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown control NOPE-01"):
        service.add_records(store, [a_drill(1), a_drill(2).model_copy(update={"control_ids": ["NOPE-01"]})], "a")
    with pytest.raises(InputError, match="cannot read"):
        service.add_records(store, [EvidenceIn(file="missing.pdf", title="t", doc_type="report",
                                               dated_on=TODAY)], "a", base=tmp_path)
    assert service.list_records(store, RecordKind.DRILL) == []
    assert verify.verify(store, None).size == 0


def test_lookup_by_prefix(store: Store) -> None:
    [added] = service.add_records(store, [a_drill(3)], "alice")
    assert service.get_record(store, added.id[:6], RecordKind.DRILL).id == added.id
    with pytest.raises(UsageError, match="at least 6"):
        service.get_record(store, added.id[:3], RecordKind.DRILL)
    with pytest.raises(UsageError, match="no assessment records"):
        service.get_record(store, added.id[:8], RecordKind.ASSESSMENT)
    [pentest] = service.add_records(store, [AssessmentIn(
        vendor="Acme", assessment_type="web", scope="app", started_on=TODAY, ended_on=TODAY)], "alice")
    with pytest.raises(UsageError, match="has no finding 'F-9'"):
        service.close_finding(store, pentest.id[:8], "F-9", status="fixed", on=TODAY, actor="a")
    with pytest.raises(UsageError, match="fixed or accepted"):
        service.close_finding(store, pentest.id[:8], "F-9", status="open", on=TODAY, actor="a")


def test_kinds_without_a_schema_are_ledgered_too(store: Store, tmp_path: Path) -> None:
    review = service.add_kept(store, RecordKind.ACCOUNT_REVIEW, TODAY - timedelta(days=10),
                              {"scope": "aws:123456789012", "leavers_active": ["bob"]}, "accounts-sync")
    assert review.control_ids and review.ledger_seq == 1
    assert state(store, tmp_path, "ACC-03") is ControlState.MET
    assert state(store, tmp_path, "ACC-02") is ControlState.NOT_MET  # bob is still active
    verify.verify(store, None)
