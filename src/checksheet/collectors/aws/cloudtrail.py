"""CloudTrail: each trail once (in its home region), with its logging status and event selectors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

TRAIL = "aws.cloudtrail.trail"


def _management(selectors: Mapping[str, Any] | None) -> str | None:
    """Which management events the trail records: "All", "WriteOnly", "ReadOnly", or None."""
    if not selectors:
        return None
    kinds = set()
    for s in selectors.get("EventSelectors") or []:
        if s.get("IncludeManagementEvents", True):
            kinds.add(s.get("ReadWriteType") or "All")
    for s in selectors.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in s.get("FieldSelectors") or []}
        if "Management" not in ((fields.get("eventCategory") or {}).get("Equals") or []):
            continue
        read_only = (fields.get("readOnly") or {}).get("Equals") or []
        kinds.add({"true": "ReadOnly", "false": "WriteOnly"}.get(read_only[0], "All") if read_only else "All")
    if "All" in kinds or {"ReadOnly", "WriteOnly"} <= kinds:
        return "All"
    return next(iter(kinds), None)


def _mine(trail: Mapping[str, Any], ctx: Ctx) -> bool:
    """Read each trail once: in its home region, or in the first scanned region when that is not scanned."""
    home = trail.get("HomeRegion")
    return home == ctx.region or (home not in ctx.regions and ctx.region == min(ctx.regions))


@collector(
    name="cloudtrail.trails",
    service="cloudtrail",
    scope=Scope.REGIONAL,
    yields=(TRAIL,),
    actions=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"),
)
def trails(ctx: Ctx) -> Iterator[Resource]:
    for t in ctx.pages("cloudtrail", "describe_trails", "trailList", includeShadowTrails=True):
        if not _mine(t, ctx):
            continue
        arn = t["TrailARN"]
        status = ctx.call("cloudtrail", "get_trail_status", Name=arn) or {}
        selectors = ctx.call("cloudtrail", "get_event_selectors", TrailName=arn)
        management = _management(selectors)
        # No selector at all is a trail never given any: AWS logs all management events for it,
        # but an endpoint that answers with none cannot show it, so it is left unknown (None).
        unknown = bool(selectors is not None and not selectors.get("EventSelectors")
                       and not selectors.get("AdvancedEventSelectors"))
        yield ctx.resource(TRAIL, arn, {
            "name": t.get("Name"),
            "home_region": t.get("HomeRegion"),
            "multi_region": bool(t.get("IsMultiRegionTrail")),
            "organization": bool(t.get("IsOrganizationTrail")),
            "logging": bool(status.get("IsLogging")),
            "log_file_validation": bool(t.get("LogFileValidationEnabled")),
            "s3_bucket": t.get("S3BucketName"),
            "kms_key_id": t.get("KmsKeyId"),
            "cloudwatch_log_group_arn": t.get("CloudWatchLogsLogGroupArn"),
            "latest_delivery_time": iso(status.get("LatestDeliveryTime")),
            "management_events": None if unknown else management is not None,
            "management_read_write": management,
        }, region=t.get("HomeRegion") or ctx.region)
