"""CloudWatch Logs groups and metric filters, and CloudWatch metric alarms."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

LOG_GROUP = "aws.logs.log_group"
METRIC_FILTER = "aws.logs.metric_filter"
ALARM = "aws.cloudwatch.alarm"


@collector(name="logs.log_groups", service="logs", scope=Scope.REGIONAL, yields=(LOG_GROUP,),
           actions=("logs:DescribeLogGroups",))
def log_groups(ctx: Ctx) -> Iterator[Resource]:
    for g in ctx.pages("logs", "describe_log_groups", "logGroups"):
        yield ctx.resource(LOG_GROUP, g["logGroupName"], {
            "arn": g.get("arn"),
            "retention_days": g.get("retentionInDays"),
            "kms_key_id": g.get("kmsKeyId"),
        })


@collector(name="logs.metric_filters", service="logs", scope=Scope.REGIONAL, yields=(METRIC_FILTER,),
           actions=("logs:DescribeMetricFilters",))
def metric_filters(ctx: Ctx) -> Iterator[Resource]:
    for f in ctx.pages("logs", "describe_metric_filters", "metricFilters"):
        group, name = f.get("logGroupName"), f.get("filterName")
        yield ctx.resource(METRIC_FILTER, f"{group}:{name}", {
            "log_group": group,
            "name": name,
            "pattern": f.get("filterPattern"),
            "metrics": [
                {"namespace": m.get("metricNamespace"), "name": m.get("metricName")}
                for m in f.get("metricTransformations") or []
            ],
        })


@collector(name="cloudwatch.alarms", service="cloudwatch", scope=Scope.REGIONAL, yields=(ALARM,),
           actions=("cloudwatch:DescribeAlarms",))
def alarms(ctx: Ctx) -> Iterator[Resource]:
    for a in ctx.pages("cloudwatch", "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"]):
        # A metric-math alarm names its metrics under Metrics[].MetricStat instead.
        stats = [m["MetricStat"]["Metric"] for m in a.get("Metrics") or [] if (m.get("MetricStat") or {}).get("Metric")]
        first = stats[0] if stats else {}
        yield ctx.resource(ALARM, a["AlarmName"], {
            "arn": a.get("AlarmArn"),
            "namespace": a.get("Namespace") or first.get("Namespace"),
            "metric_name": a.get("MetricName") or first.get("MetricName"),
            "actions": list(a.get("AlarmActions") or ()),
            "enabled": bool(a.get("ActionsEnabled")),
        })
