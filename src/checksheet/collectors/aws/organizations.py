"""The scanned account itself, and, from the management account, the Organization's accounts."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.collectors.aws.context import GLOBAL, Ctx
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.model import Resource

COLLECTORS: list[Collector] = []
collector = registry(COLLECTORS)

ACCOUNT = "aws.account"
ORG_ACCOUNT = "aws.organizations.account"


@collector(
    name="organizations.account",
    service="organizations",
    scope=Scope.GLOBAL,
    yields=(ACCOUNT, ORG_ACCOUNT),
    actions=("organizations:DescribeOrganization", "organizations:ListAccounts"),
    # The account is always yielded: it is what checks scope their verdicts by.
    feeds={"organizations:DescribeOrganization": (ORG_ACCOUNT,), "organizations:ListAccounts": (ORG_ACCOUNT,)},
)
def account(ctx: Ctx) -> Iterator[Resource]:
    answer = ctx.call("organizations", "describe_organization", absent=("AWSOrganizationsNotInUseException",))
    org = (answer or {}).get("Organization") or {}
    yield ctx.resource(ACCOUNT, ctx.account, {
        "regions": list(ctx.regions),
        "partition": ctx.partition,
        "organization_id": org.get("Id"),
        "management_account_id": org.get("MasterAccountId"),
    }, region=GLOBAL)
    if org.get("MasterAccountId") != ctx.account:
        return  # only the management account can list the members
    for a in ctx.pages("organizations", "list_accounts", "Accounts"):
        yield ctx.resource(ORG_ACCOUNT, a["Id"], {"name": a.get("Name"), "status": a.get("Status")}, region=GLOBAL)
