"""AWS Config configuration recorders (module not named config.py: that is checksheet's settings)."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

RECORDER = "aws.config.recorder"


@collector(
    name="config.recorders",
    service="config",
    scope=Scope.REGIONAL,
    yields=(RECORDER,),
    actions=("config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"),
)
def recorders(ctx: Ctx) -> Iterator[Resource]:
    recorders = ctx.pages("config", "describe_configuration_recorders", "ConfigurationRecorders")
    if not recorders:
        return
    statuses = ctx.pages("config", "describe_configuration_recorder_status", "ConfigurationRecordersStatus")
    recording = {s.get("name"): bool(s.get("recording")) for s in statuses}
    for r in recorders:
        group = r.get("recordingGroup") or {}
        yield ctx.resource(RECORDER, r["name"], {
            "recording": recording.get(r["name"], False),
            "all_supported": bool(group.get("allSupported")),
            "include_global": bool(group.get("includeGlobalResourceTypes")),
        })
