"""Orchestration: collected inventory -> checks -> findings -> store, and statuses from everything stored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from checksheet import catalog, checks
from checksheet.config import Settings
from checksheet.evaluate import evaluate
from checksheet.inventory import Inventory
from checksheet.model import ControlStatus, Finding
from checksheet.store import Store, open_store
from checksheet.store.records import record_resources
from checksheet.store.scans import (
    ScanSummary,
    findings_of,
    latest_scans,
    load_statuses,
    replace_statuses,
    save_scan,
)


def open_project(settings: Settings) -> Store:
    return open_store(settings.database_url)


def findings_digest(findings: Sequence[Finding]) -> str:
    """SHA-256 over the findings in canonical JSON: what the ledger records for a scan."""
    lines = sorted(json.dumps(f.to_json(), sort_keys=True, ensure_ascii=False) for f in findings)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ScanResult:
    scan: ScanSummary
    findings: tuple[Finding, ...]
    statuses: tuple[ControlStatus, ...]


def record_scan(
    store: Store,
    settings: Settings,
    provider: str,
    inventory: Inventory,
    *,
    scope: dict[str, Any],
    started_at: datetime,
) -> ScanResult:
    """Evaluate every check on a fresh inventory, store the scan, and refresh control statuses."""
    findings = checks.run_checks(checks.ALL, inventory)
    digest = findings_digest(findings)
    scan = save_scan(store, provider, inventory, findings, scope=scope, started_at=started_at, digest=digest)
    statuses = refresh_statuses(store, settings)
    return ScanResult(scan, tuple(findings), tuple(statuses))


def current_findings(store: Store) -> tuple[list[Finding], dict[str, datetime]]:
    """Findings of the newest scan of every provider plus those of the kept records."""
    scans = latest_scans(store)
    findings = findings_of(store, [s.id for s in scans])
    records = Inventory(record_resources(store))
    findings += checks.run_checks(checks.ALL, records)
    return findings, {s.provider: s.started_at for s in scans}


def refresh_statuses(store: Store, settings: Settings, now: datetime | None = None) -> list[ControlStatus]:
    findings, observed = current_findings(store)
    statuses = evaluate(
        catalog.catalog().values(),
        findings,
        checks.by_id(),
        now=now or datetime.now(UTC),
        observed_at=observed,
        max_age=timedelta(days=settings.evidence_max_age_days),
    )
    replace_statuses(store, statuses)
    return statuses


def statuses(store: Store, settings: Settings) -> list[ControlStatus]:
    """The stored statuses, recomputed when there are none yet (records alone can decide some)."""
    return load_statuses(store) or refresh_statuses(store, settings)
