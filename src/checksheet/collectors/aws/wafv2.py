"""WAFv2 regional web ACLs and the application load balancers they protect.

Read by the load balancer collector (`elbv2.py`): one GetWebACLForResource per application
load balancer sets its `web_acl_arn`, and the same answers give each web ACL its resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checksheet.collectors.aws.context import Ctx
from checksheet.model import Resource

WEB_ACL = "aws.wafv2.web_acl"
ACTIONS = ("wafv2:ListWebACLs", "wafv2:GetWebACLForResource")


def web_acl_of(ctx: Ctx, resource_arn: str) -> str | None:
    """The web ACL protecting one resource, or None."""
    answer = ctx.call("wafv2", "get_web_acl_for_resource", ResourceArn=resource_arn,
                      absent=("WAFNonexistentItemException",))
    return ((answer or {}).get("WebACL") or {}).get("ARN")


def _acls(ctx: Ctx) -> list[dict[str, Any]]:
    acls: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"Scope": "REGIONAL", "Limit": 100}
        if marker:
            params["NextMarker"] = marker
        page = ctx.call("wafv2", "list_web_acls", **params)
        if not page:
            return acls
        acls.extend(page.get("WebACLs") or ())
        marker = page.get("NextMarker")
        if not marker or not page.get("WebACLs"):
            return acls


def regional_web_acls(ctx: Ctx, protected: Mapping[str, str | None]) -> list[Resource]:
    """Each regional web ACL with the load balancers (of `protected`: balancer -> ACL) it protects."""
    return [
        ctx.resource(WEB_ACL, acl["ARN"], {
            "name": acl.get("Name"),
            "resource_arns": sorted(lb for lb, arn in protected.items() if arn == acl["ARN"]),
        })
        for acl in _acls(ctx)
    ]
