"""IAM Access Analyzer analyzers."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

ANALYZER = "aws.accessanalyzer.analyzer"


@collector(name="accessanalyzer.analyzers", service="accessanalyzer", scope=Scope.REGIONAL, yields=(ANALYZER,),
           actions=("access-analyzer:ListAnalyzers",))
def analyzers(ctx: Ctx) -> Iterator[Resource]:
    for a in ctx.pages("accessanalyzer", "list_analyzers", "analyzers"):
        yield ctx.resource(ANALYZER, a["arn"], {"name": a.get("name"), "analyzer_type": a.get("type"),
                                                "status": a.get("status")})
