"""Security Hub subscription."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.normalise import iso
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

HUB = "aws.securityhub.hub"


@collector(name="securityhub.hub", service="securityhub", scope=Scope.REGIONAL, yields=(HUB,),
           actions=("securityhub:DescribeHub",))
def hub(ctx: Ctx) -> Iterator[Resource]:
    # "Not subscribed" is an answer (no hub), not a failure.
    answer = ctx.call("securityhub", "describe_hub", absent=("InvalidAccessException", "ResourceNotFoundException"))
    if answer and answer.get("HubArn"):
        yield ctx.resource(HUB, answer["HubArn"], {"subscribed_at": iso(answer.get("SubscribedAt"))})
