"""Scans, their resources, faults and findings; control statuses. Returns model types only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select

from checksheet.inventory import Inventory
from checksheet.model import (
    ControlState,
    ControlStatus,
    Fault,
    Finding,
    Resource,
    Severity,
    Status,
    Text,
)
from checksheet.store.db import Store
from checksheet.store.models import ControlStatusRow, FaultRow, FindingRow, ResourceRow, ScanRow


@dataclass(frozen=True, slots=True)
class ScanSummary:
    id: int
    provider: str
    started_at: datetime
    finished_at: datetime | None
    scope: dict[str, Any]
    resource_count: int
    finding_count: int
    digest: str | None


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _summary(row: ScanRow) -> ScanSummary:
    return ScanSummary(
        id=row.id,
        provider=row.provider,
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at) if row.finished_at else None,
        scope=dict(row.scope),
        resource_count=row.resource_count,
        finding_count=row.finding_count,
        digest=row.digest,
    )


def save_scan(
    store: Store,
    provider: str,
    inventory: Inventory,
    findings: Sequence[Finding],
    *,
    scope: dict[str, Any],
    started_at: datetime,
    digest: str | None = None,
) -> ScanSummary:
    """Store one finished scan with everything it collected and concluded."""
    with store.session() as s:
        scan = ScanRow(
            provider=provider,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            scope=scope,
            resource_count=len(inventory),
            finding_count=len(findings),
            digest=digest,
        )
        s.add(scan)
        s.flush()
        if len(inventory):
            s.execute(
                insert(ResourceRow),
                [
                    {
                        "scan_id": scan.id, "provider": r.provider, "account": r.account, "region": r.region,
                        "type": r.type, "resource_id": r.id, "attributes": dict(r.attributes),
                    }
                    for r in inventory
                ],
            )
        if inventory.faults:
            s.execute(
                insert(FaultRow),
                [
                    {
                        "scan_id": scan.id, "provider": f.provider, "account": f.account, "region": f.region,
                        "service": f.service, "resource_type": f.resource_type, "action": f.action,
                        "message": f.message,
                    }
                    for f in inventory.faults
                ],
            )
        if findings:
            s.execute(insert(FindingRow), [_finding_row(scan.id, f) for f in findings])
        return _summary(scan)


def _finding_row(scan_id: int, f: Finding) -> dict[str, Any]:
    return {
        "scan_id": scan_id, "check_id": f.check_id, "control_ids": list(f.control_ids),
        "status": f.status.value, "severity": f.severity.value, "provider": f.provider,
        "account": f.account, "region": f.region, "resource_type": f.resource_type,
        "resource_id": f.resource_id, "message_ja": f.message.ja, "message_en": f.message.en,
    }


def _finding(row: FindingRow) -> Finding:
    return Finding(
        check_id=row.check_id,
        control_ids=tuple(row.control_ids),
        status=Status(row.status),
        severity=Severity(row.severity),
        provider=row.provider,
        account=row.account,
        region=row.region,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        message=Text(row.message_ja, row.message_en),
    )


def latest_scans(store: Store) -> list[ScanSummary]:
    """The newest scan of each provider."""
    with store.session() as s:
        newest = select(func.max(ScanRow.id)).group_by(ScanRow.provider)
        rows = s.scalars(select(ScanRow).where(ScanRow.id.in_(newest)).order_by(ScanRow.provider))
        return [_summary(r) for r in rows]


def list_scans(store: Store, limit: int = 50) -> list[ScanSummary]:
    with store.session() as s:
        return [_summary(r) for r in s.scalars(select(ScanRow).order_by(ScanRow.id.desc()).limit(limit))]


def findings_of(store: Store, scan_ids: Iterable[int]) -> list[Finding]:
    ids = list(scan_ids)
    if not ids:
        return []
    with store.session() as s:
        rows = s.scalars(select(FindingRow).where(FindingRow.scan_id.in_(ids)).order_by(FindingRow.id))
        return [_finding(r) for r in rows]


def current_scan_findings(store: Store) -> tuple[list[Finding], dict[str, datetime]]:
    """For every (provider, account), the findings of the newest scan that reported on it.

    Scanning host B after host A keeps A's findings; rescanning A replaces them. Also
    returns, per provider, the start of the oldest scan whose findings are used.
    """
    newest = (
        select(FindingRow.provider, FindingRow.account, func.max(FindingRow.scan_id).label("scan_id"))
        .group_by(FindingRow.provider, FindingRow.account)
        .subquery()
    )
    query = (
        select(FindingRow)
        .join(newest, and_(FindingRow.provider == newest.c.provider, FindingRow.account == newest.c.account,
                           FindingRow.scan_id == newest.c.scan_id))
        .order_by(FindingRow.id)
    )
    with store.session() as s:
        findings = [_finding(r) for r in s.scalars(query)]
        used = select(ScanRow).where(ScanRow.id.in_(select(newest.c.scan_id)))
        observed: dict[str, datetime] = {}
        for scan in s.scalars(used):
            started = _aware(scan.started_at)
            observed[scan.provider] = min(observed.get(scan.provider, started), started)
    return findings, observed


def inventory_of(store: Store, scan_id: int) -> Inventory:
    """Rebuild the inventory a scan collected (for reports and re-evaluation)."""
    with store.session() as s:
        scan = s.get(ScanRow, scan_id)
        resources = [
            Resource(r.provider, r.account, r.region, r.type, r.resource_id, r.attributes)
            for r in s.scalars(
                select(ResourceRow).where(ResourceRow.scan_id == scan_id).order_by(ResourceRow.id)
            )
        ]
        faults = [
            Fault(f.provider, f.account, f.region, f.service, f.resource_type, f.action, f.message)
            for f in s.scalars(select(FaultRow).where(FaultRow.scan_id == scan_id).order_by(FaultRow.id))
        ]
        when = _aware(scan.started_at) if scan else None
    return Inventory(resources, faults, when)


def replace_statuses(store: Store, statuses: Sequence[ControlStatus]) -> None:
    """Keep the newest evaluation only: statuses are derived and can be recomputed."""
    with store.session() as s:
        s.execute(delete(ControlStatusRow))
        if statuses:
            s.execute(
                insert(ControlStatusRow),
                [
                    {
                        "control_id": c.control_id, "state": c.state.value, "passed": c.passed,
                        "failed": c.failed, "errors": c.errors,
                        "reasons": [[r.ja, r.en] for r in c.reasons],
                        "evidence_ids": list(c.evidence_ids), "evaluated_at": c.evaluated_at,
                    }
                    for c in statuses
                ],
            )


def load_statuses(store: Store) -> list[ControlStatus]:
    with store.session() as s:
        return [
            ControlStatus(
                control_id=r.control_id,
                state=ControlState(r.state),
                passed=r.passed,
                failed=r.failed,
                errors=r.errors,
                reasons=tuple(Text(ja, en) for ja, en in r.reasons),
                evidence_ids=tuple(r.evidence_ids),
                evaluated_at=_aware(r.evaluated_at),
            )
            for r in s.scalars(select(ControlStatusRow).order_by(ControlStatusRow.id))
        ]
