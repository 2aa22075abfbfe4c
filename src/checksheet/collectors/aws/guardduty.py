"""GuardDuty detectors."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

DETECTOR = "aws.guardduty.detector"


@collector(name="guardduty.detectors", service="guardduty", scope=Scope.REGIONAL, yields=(DETECTOR,),
           actions=("guardduty:ListDetectors", "guardduty:GetDetector"))
def detectors(ctx: Ctx) -> Iterator[Resource]:
    for detector_id in ctx.pages("guardduty", "list_detectors", "DetectorIds"):
        d = ctx.call("guardduty", "get_detector", DetectorId=detector_id) or {}
        yield ctx.resource(DETECTOR, detector_id, {
            "status": d.get("Status"),
            "updated": iso(d.get("UpdatedAt")),
        })
