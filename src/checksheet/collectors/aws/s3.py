"""S3: the account's Block Public Access settings, and each bucket's protection settings.

Buckets are listed per scanned region (ListBuckets with BucketRegion), so each bucket is read
once, by the worker of its own region, through that region's endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.collectors.aws.context import GLOBAL, Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws.s3.account_public_access_block"
BUCKET = "aws.s3.bucket"
_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _flags(config: Mapping[str, Any]) -> dict[str, bool]:
    return {
        "block_public_acls": bool(config.get("BlockPublicAcls")),
        "ignore_public_acls": bool(config.get("IgnorePublicAcls")),
        "block_public_policy": bool(config.get("BlockPublicPolicy")),
        "restrict_public_buckets": bool(config.get("RestrictPublicBuckets")),
    }


@collector(name="s3.account_public_access_block", service="s3control", scope=Scope.GLOBAL,
           yields=(ACCOUNT_PUBLIC_ACCESS_BLOCK,), actions=("s3:GetAccountPublicAccessBlock",))
def account_public_access_block(ctx: Ctx) -> Iterator[Resource]:
    answer = ctx.call("s3control", "get_public_access_block", AccountId=ctx.account,
                      absent=("NoSuchPublicAccessBlockConfiguration",))
    if answer is not None:
        yield ctx.resource(ACCOUNT_PUBLIC_ACCESS_BLOCK, ctx.account,
                           _flags(answer.get("PublicAccessBlockConfiguration") or {}), region=GLOBAL)


def _encryption(answer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    rules = ((answer or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm"):
            return {"algorithm": default["SSEAlgorithm"], "kms_key_id": default.get("KMSMasterKeyID")}
    return None


def _object_lock(answer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    config = (answer or {}).get("ObjectLockConfiguration") or {}
    if not config:
        return None
    retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
    return {
        "enabled": config.get("ObjectLockEnabled") == "Enabled",
        "mode": retention.get("Mode"),
        "days": retention.get("Days"),
        "years": retention.get("Years"),
    }


def _policy(answer: Mapping[str, Any] | None) -> Any:
    text = (answer or {}).get("Policy")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"unparsed": text}


def _bucket(ctx: Ctx, name: str) -> dict[str, Any]:
    def get(operation: str, absent: tuple[str, ...] = ()) -> dict[str, Any] | None:
        return ctx.call("s3", operation, Bucket=name, absent=absent)

    answer = get("get_public_access_block", ("NoSuchPublicAccessBlockConfiguration",))
    block = _flags(answer["PublicAccessBlockConfiguration"]) if answer and answer.get(
        "PublicAccessBlockConfiguration") else None
    answer = get("get_bucket_versioning")
    versioning = answer or {}
    # Object Lock requires versioning and, once on, forbids suspending it: a bucket whose versioning
    # answer is not "Enabled" has no Object Lock configuration, so the call (one per bucket) is skipped.
    lock = (get("get_object_lock_configuration", ("ObjectLockConfigurationNotFoundError",))
            if answer is None or versioning.get("Status") == "Enabled" else {})
    logging = (get("get_bucket_logging") or {}).get("LoggingEnabled") or {}
    # A bucket that ignores public ACLs cannot be made public by its ACL: no need to read it (None).
    ignored = bool(block and block["ignore_public_acls"])
    grants = [] if ignored else (get("get_bucket_acl") or {}).get("Grants") or []
    return {
        "arn": f"arn:{ctx.partition}:s3:::{name}",
        "public_access_block": block,
        "encryption": _encryption(get("get_bucket_encryption", ("ServerSideEncryptionConfigurationNotFoundError",))),
        "versioning": versioning.get("Status"),
        "mfa_delete": versioning.get("MFADelete") == "Enabled",
        "object_lock": _object_lock(lock),
        "policy": _policy(get("get_bucket_policy", ("NoSuchBucketPolicy",))),
        "logging_target": logging.get("TargetBucket"),
        "public_acl": None if ignored else any((g.get("Grantee") or {}).get("URI") in _PUBLIC_GRANTEES for g in grants),
    }


@collector(
    name="s3.buckets",
    service="s3",
    scope=Scope.REGIONAL,
    yields=(BUCKET,),
    actions=("s3:ListAllMyBuckets", "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration",
             "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketPolicy",
             "s3:GetBucketLogging", "s3:GetBucketAcl"),
)
def buckets(ctx: Ctx) -> Iterator[Resource]:
    names = [b["Name"] for b in ctx.pages("s3", "list_buckets", "Buckets", BucketRegion=ctx.region)]
    for name, attributes in zip(names, ctx.each(lambda n: _bucket(ctx, n), names), strict=True):
        yield ctx.resource(BUCKET, name, attributes)
