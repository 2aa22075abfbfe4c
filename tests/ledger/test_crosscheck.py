"""`ledger verify` holds the tables to the ledger: records, scans with their findings, answered sheets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from checksheet import run
from checksheet.config import load_settings
from checksheet.errors import IntegrityError
from checksheet.inventory import Inventory
from checksheet.ledger import append, verify
from checksheet.model import Resource
from checksheet.records import service
from checksheet.records.schemas import DrillIn
from checksheet.store import Store
from checksheet.store.models import SheetRow


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def a_drill() -> DrillIn:
    return DrillIn(drill_type="restore", occurred_on=date(2026, 5, 1), participants=["a"], scenario="s",
                   result="succeeded")


def test_records_edited_inserted_or_deleted_behind_the_ledger(store: Store) -> None:
    [kept] = service.add_records(store, [a_drill()], "alice")
    verify.verify(store, None)
    sql(store, "UPDATE records SET occurred_on = :d", d=date(2026, 6, 1))
    with pytest.raises(IntegrityError, match=f"record {kept.id} \\(drill\\) was altered: .* ledger entry 1"):
        verify.verify(store, None)
    sql(store, "UPDATE records SET occurred_on = :d", d=date(2026, 5, 1))
    verify.verify(store, None)
    sql(store, "INSERT INTO records (id, kind, occurred_on, created_at, actor, control_ids, data) "
               "SELECT 'forged', kind, occurred_on, created_at, actor, control_ids, data FROM records")
    with pytest.raises(IntegrityError, match="record forged \\(drill\\) is not on the ledger"):
        verify.verify(store, None)
    sql(store, "DELETE FROM records")
    with pytest.raises(IntegrityError, match=f"record {kept.id} was deleted \\(ledger entry 1\\)"):
        verify.verify(store, None)


def test_a_closed_finding_stays_consistent(store: Store) -> None:
    from checksheet.records.schemas import AssessmentIn

    [pentest] = service.add_records(store, [AssessmentIn(
        vendor="Acme", assessment_type="web", scope="app", started_on=date(2026, 1, 1), ended_on=date(2026, 1, 2),
        findings=[{"id": "F-1", "title": "XSS", "severity": "high"}])], "alice")
    service.close_finding(store, pentest.id, "F-1", status="fixed", on=date(2026, 2, 1), actor="bob")
    verify.verify(store, None)


def test_scan_findings_flipped_to_pass_are_caught(store: Store, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, environ={})
    inventory = Inventory([Resource("aws", "123456789012", "global", "aws.account", "123456789012",
                                    {"regions": ["ap-northeast-1"], "partition": "aws", "organization_id": None})])
    result = run.record_scan(store, settings, "aws", inventory, scope={}, started_at=datetime.now(UTC))
    assert any(f.status.value == "fail" for f in result.findings)
    verify.verify(store, None)
    sql(store, "UPDATE findings SET status = 'pass' WHERE status = 'fail'")
    with pytest.raises(IntegrityError, match=f"scan {result.scan.id} \\(aws\\) was altered"):
        verify.verify(store, None)
    sql(store, "DELETE FROM scans")
    with pytest.raises(IntegrityError, match=f"scan {result.scan.id} \\(aws\\) was deleted"):
        verify.verify(store, None)


def test_a_scan_inserted_behind_the_ledger_is_caught(store: Store) -> None:
    sql(store, "INSERT INTO scans (provider, started_at, scope, resource_count, finding_count, digest) "
               "VALUES ('aws', :t, '{}', 0, 0, NULL)", t=datetime.now(UTC))
    with pytest.raises(IntegrityError, match="scan 1 \\(aws\\) is not on the ledger"):
        verify.verify(store, None)


def test_answered_sheets_are_held_to_their_entries(store: Store) -> None:
    values = {"customer": "Example KK", "filename": "sheet.xlsx", "input_sha256": "a" * 64,
              "output_sha256": "b" * 64, "questions": 120, "answered": 97}
    with store.engine.begin() as conn:
        sheet_id = conn.execute(insert(SheetRow).returning(SheetRow.id),
                                {**values, "answered_at": datetime.now(UTC)}).scalar_one()
    entry = append(store, "sheet.answered", "alice", {**values, "sheet_id": sheet_id})
    sql(store, "UPDATE sheets SET ledger_seq = :s", s=entry.seq)
    verify.verify(store, None)
    sql(store, "UPDATE sheets SET output_sha256 = :h", h="c" * 64)
    with pytest.raises(IntegrityError, match=f"answered sheet {sheet_id} \\(sheet.xlsx\\) was altered"):
        verify.verify(store, None)
