"""Elastic Load Balancing v2: load balancers, their listeners, and the WAF web ACL in front of each."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checksheet.collectors.aws import wafv2
from checksheet.collectors.aws.context import Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

LOAD_BALANCER = "aws.elbv2.load_balancer"


def _redirects_to_https(listener: Mapping[str, Any]) -> bool:
    return any(
        a.get("Type") == "redirect" and (a.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
        for a in listener.get("DefaultActions") or []
    )


def _listener(listener: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "port": listener.get("Port"),
        "protocol": listener.get("Protocol"),
        "ssl_policy": listener.get("SslPolicy"),
        "redirects_to_https": _redirects_to_https(listener),
    }


def _details(ctx: Ctx, lb: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """A balancer's listeners and web ACL (WAF protects application load balancers only)."""
    arn = lb["LoadBalancerArn"]
    listeners = ctx.pages("elbv2", "describe_listeners", "Listeners", LoadBalancerArn=arn)
    return listeners, wafv2.web_acl_of(ctx, arn) if lb.get("Type") == "application" else None


@collector(
    name="elbv2.load_balancers",
    service="elbv2",
    scope=Scope.REGIONAL,
    yields=(LOAD_BALANCER, wafv2.WEB_ACL),
    actions=("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeListeners",
             *wafv2.ACTIONS),
    feeds={
        "elasticloadbalancing:DescribeLoadBalancers": (LOAD_BALANCER, wafv2.WEB_ACL),
        "elasticloadbalancing:DescribeListeners": (LOAD_BALANCER,),
        "wafv2:ListWebACLs": (wafv2.WEB_ACL,),
    },
)
def load_balancers(ctx: Ctx) -> Iterator[Resource]:
    balancers = ctx.pages("elbv2", "describe_load_balancers", "LoadBalancers")
    details = ctx.each(lambda lb: _details(ctx, lb), balancers)
    protected = {lb["LoadBalancerArn"]: acl for lb, (_, acl) in zip(balancers, details, strict=True)
                 if lb.get("Type") == "application"}
    yield from wafv2.regional_web_acls(ctx, protected)
    for lb, (listeners, acl) in zip(balancers, details, strict=True):
        arn = lb["LoadBalancerArn"]
        yield ctx.resource(LOAD_BALANCER, arn, {
            "name": lb.get("LoadBalancerName"),
            "scheme": lb.get("Scheme"),
            "lb_type": lb.get("Type"),
            "vpc_id": lb.get("VpcId"),
            "azs": sorted(z["ZoneName"] for z in lb.get("AvailabilityZones") or [] if z.get("ZoneName")),
            "security_group_ids": list(lb.get("SecurityGroups") or ()),
            "listeners": [_listener(x) for x in listeners],
            "web_acl_arn": acl,
        })
