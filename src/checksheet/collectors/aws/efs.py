"""EFS file systems: encryption at rest."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

FILE_SYSTEM = "aws.efs.file_system"


@collector(name="efs.file_systems", service="efs", scope=Scope.REGIONAL, yields=(FILE_SYSTEM,),
           actions=("elasticfilesystem:DescribeFileSystems",))
def file_systems(ctx: Ctx) -> Iterator[Resource]:
    for f in ctx.pages("efs", "describe_file_systems", "FileSystems"):
        yield ctx.resource(FILE_SYSTEM, f["FileSystemId"], {
            "name": f.get("Name"), "encrypted": bool(f.get("Encrypted")), "kms_key_id": f.get("KmsKeyId"),
        })
