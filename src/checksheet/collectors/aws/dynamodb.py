"""DynamoDB tables: encryption key type and point-in-time recovery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

TABLE = "aws.dynamodb.table"


@collector(
    name="dynamodb.tables",
    service="dynamodb",
    scope=Scope.REGIONAL,
    yields=(TABLE,),
    actions=("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups"),
)
def tables(ctx: Ctx) -> Iterator[Resource]:
    names = ctx.pages("dynamodb", "list_tables", "TableNames")
    for name, attributes in zip(names, ctx.each(lambda n: _table(ctx, n), names), strict=True):
        yield ctx.resource(TABLE, name, attributes)


def _table(ctx: Ctx, name: str) -> dict[str, Any]:
    table = (ctx.call("dynamodb", "describe_table", TableName=name) or {}).get("Table") or {}
    backups = ctx.call("dynamodb", "describe_continuous_backups", TableName=name) or {}
    pitr = (backups.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
    sse = table.get("SSEDescription") or {}
    return {
        "arn": table.get("TableArn"),
        "sse_type": sse.get("SSEType") if sse.get("Status") in (None, "ENABLED", "UPDATING") else None,
        "kms_key_arn": sse.get("KMSMasterKeyArn"),
        "pitr": pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
        "deletion_protection": bool(table.get("DeletionProtectionEnabled")),
    }
