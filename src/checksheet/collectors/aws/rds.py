"""RDS and Aurora: instances, clusters, and the account's own snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso, tags
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

INSTANCE = "aws.rds.instance"
CLUSTER = "aws.rds.cluster"
SNAPSHOT = "aws.rds.snapshot"


@collector(name="rds.instances", service="rds", scope=Scope.REGIONAL, yields=(INSTANCE,),
           actions=("rds:DescribeDBInstances",))
def instances(ctx: Ctx) -> Iterator[Resource]:
    for d in ctx.pages("rds", "describe_db_instances", "DBInstances"):
        group = d.get("DBSubnetGroup") or {}
        yield ctx.resource(INSTANCE, d["DBInstanceIdentifier"], {
            "arn": d.get("DBInstanceArn"),
            "engine": d.get("Engine"),
            "engine_version": d.get("EngineVersion"),
            "publicly_accessible": bool(d.get("PubliclyAccessible")),
            "storage_encrypted": bool(d.get("StorageEncrypted")),
            "kms_key_id": d.get("KmsKeyId"),
            "multi_az": bool(d.get("MultiAZ")),
            "backup_retention_days": d.get("BackupRetentionPeriod"),
            "deletion_protection": bool(d.get("DeletionProtection")),
            "auto_minor_version_upgrade": bool(d.get("AutoMinorVersionUpgrade")),
            "vpc_id": group.get("VpcId"),
            "subnet_ids": sorted(s["SubnetIdentifier"] for s in group.get("Subnets") or []
                                 if s.get("SubnetIdentifier")),
            "cluster_id": d.get("DBClusterIdentifier"),
            "tags": tags(d.get("TagList")),
        })


@collector(name="rds.clusters", service="rds", scope=Scope.REGIONAL, yields=(CLUSTER,),
           actions=("rds:DescribeDBClusters",))
def clusters(ctx: Ctx) -> Iterator[Resource]:
    for c in ctx.pages("rds", "describe_db_clusters", "DBClusters"):
        yield ctx.resource(CLUSTER, c["DBClusterIdentifier"], {
            "arn": c.get("DBClusterArn"),
            "engine": c.get("Engine"),
            "storage_encrypted": bool(c.get("StorageEncrypted")),
            "kms_key_id": c.get("KmsKeyId"),
            "multi_az": bool(c.get("MultiAZ")),
            "backup_retention_days": c.get("BackupRetentionPeriod"),
            "deletion_protection": bool(c.get("DeletionProtection")),
            "members": sorted(m["DBInstanceIdentifier"] for m in c.get("DBClusterMembers") or []),
        })


def _public(ctx: Ctx, kind: str, snapshot_id: str) -> bool:
    """A manual snapshot whose restore attribute names "all" is public; automated ones cannot be shared."""
    if kind == "instance":
        answer = ctx.call("rds", "describe_db_snapshot_attributes", DBSnapshotIdentifier=snapshot_id)
        result: dict[str, Any] = (answer or {}).get("DBSnapshotAttributesResult") or {}
        attributes = result.get("DBSnapshotAttributes") or []
    else:
        answer = ctx.call("rds", "describe_db_cluster_snapshot_attributes", DBClusterSnapshotIdentifier=snapshot_id)
        result = (answer or {}).get("DBClusterSnapshotAttributesResult") or {}
        attributes = result.get("DBClusterSnapshotAttributes") or []
    return any(a.get("AttributeName") == "restore" and "all" in (a.get("AttributeValues") or []) for a in attributes)


@collector(
    name="rds.snapshots",
    service="rds",
    scope=Scope.REGIONAL,
    yields=(SNAPSHOT,),
    actions=("rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots",
             "rds:DescribeDBSnapshotAttributes", "rds:DescribeDBClusterSnapshotAttributes"),
)
def snapshots(ctx: Ctx) -> Iterator[Resource]:
    listed = [("instance", s["DBSnapshotIdentifier"], s.get("Encrypted"), s.get("DBInstanceIdentifier"), s)
              for s in ctx.pages("rds", "describe_db_snapshots", "DBSnapshots")]
    listed += [("cluster", s["DBClusterSnapshotIdentifier"], s.get("StorageEncrypted"), s.get("DBClusterIdentifier"), s)
               for s in ctx.pages("rds", "describe_db_cluster_snapshots", "DBClusterSnapshots")]
    # Only manual snapshots can be shared, and AWS refuses to make an encrypted one public: ask about the rest.
    public = ctx.each(lambda x: x[4].get("SnapshotType") == "manual" and not x[2] and _public(ctx, x[0], x[1]), listed)
    for (kind, snapshot_id, encrypted, source, s), shared in zip(listed, public, strict=True):
        yield ctx.resource(SNAPSHOT, snapshot_id, {
            "encrypted": bool(encrypted),
            "public": shared,
            "source_id": source,
            "kind": kind,
            "snapshot_type": s.get("SnapshotType"),
            "created": iso(s.get("SnapshotCreateTime")),
        })
