"""Pure checks: Inventory -> findings. No I/O here, and no imports of collectors or SDKs.

The registry is the explicit tuple below; each module keeps its own CHECKS list.
"""

from __future__ import annotations

from collections.abc import Mapping

from checksheet.checks import (
    aws_alarms,
    aws_compute,
    aws_databases,
    aws_encryption,
    aws_identity,
    aws_logging,
    aws_network,
    aws_resilience,
    aws_s3,
    host,
    host_access,
    host_patching,
    records,
)
from checksheet.checks.base import Check, Outcome, run_check, run_checks

ALL: tuple[Check, ...] = (
    *aws_network.CHECKS,
    *aws_compute.CHECKS,
    *aws_databases.CHECKS,
    *aws_s3.CHECKS,
    *aws_encryption.CHECKS,
    *aws_logging.CHECKS,
    *aws_alarms.CHECKS,
    *aws_identity.CHECKS,
    *aws_resilience.CHECKS,
    *host.CHECKS,
    *host_access.CHECKS,
    *host_patching.CHECKS,
    *records.CHECKS,
)


def by_id() -> Mapping[str, Check]:
    return {c.id: c for c in ALL}


__all__ = ["ALL", "Check", "Outcome", "by_id", "run_check", "run_checks"]
