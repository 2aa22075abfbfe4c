"""ElastiCache replication groups: encryption at rest and in transit, Multi-AZ, failover."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

REPLICATION_GROUP = "aws.elasticache.replication_group"


@collector(name="elasticache.replication_groups", service="elasticache", scope=Scope.REGIONAL,
           yields=(REPLICATION_GROUP,), actions=("elasticache:DescribeReplicationGroups",))
def replication_groups(ctx: Ctx) -> Iterator[Resource]:
    for g in ctx.pages("elasticache", "describe_replication_groups", "ReplicationGroups"):
        yield ctx.resource(REPLICATION_GROUP, g["ReplicationGroupId"], {
            "at_rest_encryption": bool(g.get("AtRestEncryptionEnabled")),
            "transit_encryption": bool(g.get("TransitEncryptionEnabled")),
            "multi_az": g.get("MultiAZ") == "enabled",
            "automatic_failover": g.get("AutomaticFailover") in ("enabled", "enabling"),
        })
