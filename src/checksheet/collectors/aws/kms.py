"""KMS keys: customer-managed keys described and their rotation read; AWS-managed keys only listed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

KEY = "aws.kms.key"
_AWS_ALIAS = "alias/aws/"


def _rotation(ctx: Ctx, key: dict[str, Any]) -> bool | None:
    """Automatic rotation applies to enabled symmetric keys with AWS-generated material only."""
    rotatable = (key.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
                 and key.get("Origin", "AWS_KMS") == "AWS_KMS" and key.get("KeyState") == "Enabled")
    if not rotatable:
        return None
    answer = ctx.call("kms", "get_key_rotation_status", KeyId=key["KeyId"])
    return None if answer is None else bool(answer.get("KeyRotationEnabled"))


@collector(
    name="kms.keys",
    service="kms",
    scope=Scope.REGIONAL,
    yields=(KEY,),
    actions=("kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus"),
)
def keys(ctx: Ctx) -> Iterator[Resource]:
    listed = ctx.pages("kms", "list_keys", "Keys")
    if not listed:
        return
    # AWS-managed keys carry an alias/aws/... alias: no need to describe them one by one.
    aws_managed = {a["TargetKeyId"] for a in ctx.pages("kms", "list_aliases", "Aliases")
                   if a.get("AliasName", "").startswith(_AWS_ALIAS) and a.get("TargetKeyId")}
    for k, attributes in zip(listed, ctx.each(lambda k: _key(ctx, k, k["KeyId"] in aws_managed), listed),
                             strict=True):
        yield ctx.resource(KEY, k["KeyId"], attributes)


def _key(ctx: Ctx, listed: dict[str, Any], aws_managed: bool) -> dict[str, Any]:
    if aws_managed:
        return {"arn": listed.get("KeyArn"), "manager": "AWS", "state": None, "spec": None, "origin": None,
                "rotation_enabled": None}
    meta = (ctx.call("kms", "describe_key", KeyId=listed["KeyId"]) or {}).get("KeyMetadata") or {}
    return {
        "arn": listed.get("KeyArn"),
        "manager": meta.get("KeyManager"),
        "state": meta.get("KeyState"),
        "spec": meta.get("KeySpec"),
        "origin": meta.get("Origin"),
        "rotation_enabled": _rotation(ctx, meta) if meta.get("KeyManager") == "CUSTOMER" else None,
    }
