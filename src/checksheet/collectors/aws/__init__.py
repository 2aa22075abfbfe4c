"""AWS evidence: read-only collectors declared per service, run concurrently into one Inventory.

The registry is the explicit tuple below; each service module keeps its own COLLECTORS list.
"""

from __future__ import annotations

from collections.abc import Sequence

from checksheet.collectors.aws import (
    accessanalyzer,
    acm,
    backup,
    cloudtrail,
    cloudwatch,
    configservice,
    dynamodb,
    ec2,
    efs,
    elasticache,
    elbv2,
    guardduty,
    iam,
    kms,
    organizations,
    rds,
    s3,
    securityhub,
    ssm,
    vpc,
)
from checksheet.collectors.aws.engine import SETUP_ACTIONS, Collection, Progress, collect
from checksheet.collectors.aws.registry import Collector
from checksheet.collectors.aws.session import Access, Connector

ALL: tuple[Collector, ...] = (
    *organizations.COLLECTORS,
    *iam.COLLECTORS,
    *s3.COLLECTORS,
    *vpc.COLLECTORS,
    *ec2.COLLECTORS,
    *elbv2.COLLECTORS,
    *rds.COLLECTORS,
    *cloudtrail.COLLECTORS,
    *cloudwatch.COLLECTORS,
    *guardduty.COLLECTORS,
    *securityhub.COLLECTORS,
    *configservice.COLLECTORS,
    *accessanalyzer.COLLECTORS,
    *kms.COLLECTORS,
    *ssm.COLLECTORS,
    *backup.COLLECTORS,
    *dynamodb.COLLECTORS,
    *efs.COLLECTORS,
    *elasticache.COLLECTORS,
    *acm.COLLECTORS,
)


def actions(collectors: Sequence[Collector] = ALL) -> tuple[str, ...]:
    """Every IAM action a scan may call: sorted, without duplicates."""
    return tuple(sorted({*SETUP_ACTIONS, *(a for c in collectors for a in c.actions)}))


def scan(access: Access, regions: Sequence[str] = (), on_progress: Progress | None = None) -> Collection:
    """Collect every account `access` reaches (raises CollectionError when there are no usable credentials)."""
    return collect(Connector(access, actions(ALL)), ALL, regions, on_progress)


__all__ = ["ALL", "Access", "Collection", "Collector", "Connector", "Progress", "actions", "collect", "scan"]
