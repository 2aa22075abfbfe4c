"""Orchestration: collected inventory -> checks -> findings -> store, and statuses from everything stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from checksheet import catalog, checks, ledger
from checksheet.checks import records as record_checks
from checksheet.collectors import aws as aws_collectors
from checksheet.config import Settings
from checksheet.evaluate import evaluate
from checksheet.inventory import Inventory
from checksheet.ledger import checkpoint, keys
from checksheet.ledger.crosscheck import findings_digest  # `ledger verify` recomputes it from stored findings
from checksheet.model import ControlStatus, Finding, Resource
from checksheet.store import Store, open_store
from checksheet.store.records import record_resources
from checksheet.store.scans import (
    ScanSummary,
    current_scan_findings,
    load_statuses,
    replace_statuses,
    save_scan,
)


def open_project(settings: Settings) -> Store:
    return open_store(settings.database_url)


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
    actor: str = "checksheet",
) -> ScanResult:
    """Evaluate every check on a fresh inventory, store the scan, and refresh control statuses."""
    findings = checks.run_checks(checks.ALL, inventory)
    digest = findings_digest(findings)
    scan = save_scan(store, provider, inventory, findings, scope=scope, started_at=started_at, digest=digest)
    ledger.append(store, "scan", actor, {"scan_id": scan.id, "provider": provider, "digest": digest,
                                         "findings": len(findings), "resources": len(inventory),
                                         "started_at": started_at.isoformat()})
    checkpoint.checkpoint_if_due(store, keys.load_key(settings), every=1)
    statuses = refresh_statuses(store, settings)
    return ScanResult(scan, tuple(findings), tuple(statuses))


def scan_aws(
    store: Store,
    settings: Settings,
    access: aws_collectors.Access,
    regions: Sequence[str],
    on_progress: aws_collectors.Progress | None = None,
    *,
    scope_extra: dict[str, Any] | None = None,
) -> tuple[aws_collectors.Collection, ScanResult]:
    """Collect the AWS accounts `access` reaches and record the scan (what the demo runs)."""
    started = datetime.now(UTC)
    collection = aws_collectors.scan(access, regions, on_progress)
    return collection, record_aws(store, settings, access, collection, started, scope_extra=scope_extra)


def record_aws(
    store: Store,
    settings: Settings,
    access: aws_collectors.Access,
    collection: aws_collectors.Collection,
    started: datetime,
    *,
    scope_extra: dict[str, Any] | None = None,
) -> ScanResult:
    """Record an AWS collection (`scan aws` collects in the background while the store opens, then calls this)."""
    scope = {"accounts": list(collection.accounts), "regions": list(collection.regions), "profile": access.profile,
             "role_arns": list(access.role_arns), "org_role": access.org_role, "requests": collection.requests,
             **(scope_extra or {})}
    return record_scan(store, settings, "aws", collection.inventory, scope=scope, started_at=started)


def record_policy(settings: Settings | None) -> Resource:
    """The configured record intervals, as data for the pure record checks (defaults without settings)."""
    if settings is None:
        return record_checks.policy_resource(record_checks.Policy())
    return record_checks.policy_resource(record_checks.Policy(
        drill_days=settings.drill_interval_days,
        restore_drill_days=settings.restore_drill_interval_days,
        account_review_days=settings.account_review_interval_days,
        assessment_days=settings.assessment_interval_days,
    ))


def current_findings(
    store: Store, settings: Settings | None = None, now: datetime | None = None
) -> tuple[list[Finding], dict[str, datetime]]:
    """Findings of the newest scan of every account or host plus those of the kept records (as of `now`)."""
    findings, observed = current_scan_findings(store)
    records = Inventory([*record_resources(store), record_policy(settings)], collected_at=now)
    findings += checks.run_checks(checks.ALL, records)
    # Expired evidence (an attestation past its date) counts as observed long ago: the control reads "stale".
    return findings, observed | {record_checks.STALE_PROVIDER: record_checks.STALE_SINCE}


def refresh_statuses(store: Store, settings: Settings, now: datetime | None = None) -> list[ControlStatus]:
    findings, observed = current_findings(store, settings, now)
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
