"""Inventories built in code for the AWS check tests, and a way to run one check on them."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

from checksheet.checks.base import GLOBAL, Check, run_check
from checksheet.inventory import Inventory
from checksheet.model import Fault, Finding, Resource, Status

ACCOUNT = "111111111111"
REGION = "us-east-1"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MODULES = (
    "aws_alarms",
    "aws_compute",
    "aws_databases",
    "aws_encryption",
    "aws_identity",
    "aws_logging",
    "aws_network",
    "aws_resilience",
    "aws_s3",
)


def aws_checks() -> dict[str, Check]:
    found: dict[str, Check] = {}
    for name in MODULES:
        for c in importlib.import_module(f"checksheet.checks.{name}").CHECKS:
            found[c.id] = c
    return found


def ago(days: float = 0, hours: float = 0) -> str:
    return (NOW - timedelta(days=days, hours=hours)).isoformat()


def later(days: float) -> str:
    return (NOW + timedelta(days=days)).isoformat()


def res(type_: str, id_: str, region: str = REGION, account: str = ACCOUNT, **attributes: Any) -> Resource:
    return Resource("aws", account, region, type_, id_, attributes)


def scope(account: str = ACCOUNT, regions: tuple[str, ...] = (REGION,)) -> list[Resource]:
    """The aws.account and aws.region resources a scan of `regions` produces."""
    return [
        Resource("aws", account, GLOBAL, "aws.account", account, {"regions": list(regions), "partition": "aws"}),
        *(res("aws.region", r, region=r, account=account, opt_in_status="opt-in-not-required") for r in regions),
    ]


def inventory(*resources: Resource, regions: tuple[str, ...] = (REGION,), faults: tuple[Fault, ...] = ()) -> Inventory:
    return Inventory([*scope(regions=regions), *resources], faults, collected_at=NOW)


def fault(resource_type: str, region: str = REGION, account: str = ACCOUNT) -> Fault:
    service = resource_type.split(".")[1]
    return Fault("aws", account, region, service, resource_type, f"{service}:Describe", "AccessDenied")


def run(check_id: str, inv: Inventory) -> list[Finding]:
    return list(run_check(aws_checks()[check_id], inv))


def verdicts(check_id: str, inv: Inventory) -> dict[str, Status]:
    """resource id -> status; fails when one resource gets two verdicts."""
    out: dict[str, Status] = {}
    for f in run(check_id, inv):
        if f.status is Status.ERROR:
            key = f"error:{f.region}"
        elif f.resource_type == "aws.account":
            key = f.account if f.region == GLOBAL else f.region
        else:
            key = f.resource_id
        assert key not in out, f"two verdicts for {key}"
        out[key] = f.status
    return out


def only(check_id: str, inv: Inventory) -> Finding:
    [finding] = run(check_id, inv)
    return finding
