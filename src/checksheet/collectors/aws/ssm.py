"""Systems Manager: managed instances, their patch state, and Session Manager logging preferences."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

MANAGED_INSTANCE = "aws.ssm.managed_instance"
PATCH_COMPLIANCE = "aws.ssm.patch_compliance"
SESSION_PREFERENCES = "aws.ssm.session_preferences"
_SESSION_DOCUMENT = "SSM-SessionManagerRunShell"
_PATCH_BATCH = 50  # DescribeInstancePatchStates takes at most 50 instance ids


@collector(
    name="ssm.instances",
    service="ssm",
    scope=Scope.REGIONAL,
    yields=(MANAGED_INSTANCE, PATCH_COMPLIANCE),
    actions=("ssm:DescribeInstanceInformation", "ssm:DescribeInstancePatchStates"),
    feeds={"ssm:DescribeInstancePatchStates": (PATCH_COMPLIANCE,)},
)
def instances(ctx: Ctx) -> Iterator[Resource]:
    managed = ctx.pages("ssm", "describe_instance_information", "InstanceInformationList")
    for m in managed:
        yield ctx.resource(MANAGED_INSTANCE, m["InstanceId"], {
            "ping_status": m.get("PingStatus"),
            "platform": m.get("PlatformType"),
            "platform_name": m.get("PlatformName"),
            "agent_version": m.get("AgentVersion"),
            "last_ping": iso(m.get("LastPingDateTime")),
        })
    ids = [m["InstanceId"] for m in managed]
    for start in range(0, len(ids), _PATCH_BATCH):
        batch = ids[start:start + _PATCH_BATCH]
        for p in ctx.pages("ssm", "describe_instance_patch_states", "InstancePatchStates", InstanceIds=batch):
            missing, failed = int(p.get("MissingCount") or 0), int(p.get("FailedCount") or 0)
            yield ctx.resource(PATCH_COMPLIANCE, p["InstanceId"], {
                "compliant": missing == 0 and failed == 0,  # Patch Manager's own definition
                "missing": missing,
                "failed": failed,
                "pending_reboot": int(p.get("InstalledPendingRebootCount") or 0),
                "critical_missing": int(p.get("CriticalNonCompliantCount") or 0),
                "security_missing": int(p.get("SecurityNonCompliantCount") or 0),
                "last_scan": iso(p.get("OperationEndTime")),
            })


def _inputs(answer: dict[str, Any] | None) -> dict[str, Any]:
    try:
        content = json.loads((answer or {}).get("Content") or "{}")
    except ValueError:
        return {}
    inputs = content.get("inputs") if isinstance(content, dict) else None
    return inputs if isinstance(inputs, dict) else {}


@collector(name="ssm.session_preferences", service="ssm", scope=Scope.REGIONAL, yields=(SESSION_PREFERENCES,),
           actions=("ssm:GetDocument",))
def session_preferences(ctx: Ctx) -> Iterator[Resource]:
    # No preferences document yet means nothing is logged: an answer, not a failure.
    answer = ctx.call("ssm", "get_document", Name=_SESSION_DOCUMENT, DocumentFormat="JSON",
                      absent=("InvalidDocument",))
    if answer is None:
        return
    inputs = _inputs(answer)
    yield ctx.resource(SESSION_PREFERENCES, ctx.region, {
        "s3_bucket": inputs.get("s3BucketName") or None,
        "cloudwatch_log_group": inputs.get("cloudWatchLogGroupName") or None,
        "kms_key_id": inputs.get("kmsKeyId") or None,
    })
