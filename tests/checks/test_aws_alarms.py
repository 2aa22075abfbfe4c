"""CIS metric filters and alarms on the CloudTrail log group."""

from __future__ import annotations

from typing import Any

import pytest

from checksheet.checks.base import GLOBAL
from checksheet.inventory import Inventory
from checksheet.model import Resource, Status
from tests.checks.aws_builders import ACCOUNT, fault, inventory, only, res, run, verdicts

FAIL, PASS, ERROR = Status.FAIL, Status.PASS, Status.ERROR
GROUP = "aws-cloudtrail-logs"
GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{GROUP}:*"

PATTERNS = {
    "cloudwatch_alarm_root_usage":
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "cloudwatch_alarm_console_login_without_mfa":
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    "cloudwatch_alarm_iam_policy_changes":
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||"
        "($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
        "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||"
        "($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||"
        "($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||"
        "($.eventName=DetachGroupPolicy)}",
    "cloudwatch_alarm_security_group_changes":
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    "cloudwatch_alarm_nacl_changes":
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
        "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
        "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "cloudwatch_alarm_cloudtrail_changes":
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    "cloudwatch_alarm_unauthorized_api_calls":
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
}


def trail(**overrides: Any) -> Resource:
    attributes: dict[str, Any] = {"name": "main", "multi_region": True, "logging": True,
                                  "cloudwatch_log_group_arn": GROUP_ARN}
    attributes.update(overrides)
    return res("aws.cloudtrail.trail", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main", **attributes)


def metric_filter(pattern: str, group: str = GROUP, region: str = "us-east-1", metric: str = "M") -> Resource:
    return res("aws.logs.metric_filter", f"{group}:f-{metric}", region=region, log_group=group, name=f"f-{metric}",
               pattern=pattern, metrics=[{"namespace": "CIS", "name": metric}])


def alarm(metric: str = "M", actions: tuple[str, ...] = ("arn:sns:alerts",), region: str = "us-east-1",
          enabled: bool = True) -> Resource:
    return res("aws.cloudwatch.alarm", f"alarm-{metric}", region=region, namespace="CIS", metric_name=metric,
               actions=list(actions), enabled=enabled)


@pytest.mark.parametrize("check_id", sorted(PATTERNS))
def test_the_cis_filter_with_an_acting_alarm_passes(check_id: str) -> None:
    finding = only(check_id, inventory(trail(), metric_filter(PATTERNS[check_id]), alarm()))
    assert (finding.status, finding.resource_type, finding.region) == (PASS, "aws.account", GLOBAL)
    assert "alarm-M" in finding.message.en and GROUP in finding.message.ja


@pytest.mark.parametrize("check_id", sorted(PATTERNS))
def test_another_checks_filter_does_not_count(check_id: str) -> None:
    others = [p for c, p in PATTERNS.items() if c != check_id]
    filters = [metric_filter(p, metric=f"M{i}") for i, p in enumerate(others)]
    alarms = [alarm(f"M{i}") for i in range(len(others))]
    finding = only(check_id, inventory(trail(), *filters, *alarms))
    assert finding.status is FAIL and "No metric filter" in finding.message.en


CHECK = "cloudwatch_alarm_root_usage"
ROOT = PATTERNS[CHECK]


@pytest.mark.parametrize(
    ("resources", "words"),
    [
        ((trail(), metric_filter(ROOT)), "no enabled alarm"),
        ((trail(), metric_filter(ROOT), alarm(actions=())), "f-M → alarm-M"),
        ((trail(), metric_filter(ROOT), alarm(enabled=False)), "no enabled alarm"),
        ((trail(), metric_filter(ROOT), alarm("OTHER")), "no enabled alarm"),
        ((trail(), metric_filter(ROOT), alarm(region="eu-west-1")), "no enabled alarm"),  # alarms are regional
        ((trail(), metric_filter(ROOT, group="other-group"), alarm()), "No metric filter"),
        ((trail(), metric_filter('{ $.userIdentity.type = "IAMUser" }'), alarm()), "No metric filter"),
        ((trail(multi_region=False), metric_filter(ROOT), alarm()), "No multi-region"),
        ((trail(logging=False), metric_filter(ROOT), alarm()), "No multi-region"),
        ((trail(cloudwatch_log_group_arn=None), metric_filter(ROOT), alarm()), "No multi-region"),
        ((metric_filter(ROOT), alarm()), "No multi-region"),  # no trail at all
    ],
)
def test_missing_pieces_fail(resources: tuple[Resource, ...], words: str) -> None:
    finding = only(CHECK, inventory(*resources, regions=("us-east-1", "eu-west-1")))
    assert finding.status is FAIL and words in finding.message.en


def test_log_group_in_another_region_is_looked_up_there() -> None:
    arn = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{GROUP}"
    inv = inventory(trail(cloudwatch_log_group_arn=arn), metric_filter(ROOT, region="eu-west-1"),
                    alarm(region="eu-west-1"), regions=("us-east-1", "eu-west-1"))
    assert verdicts(CHECK, inv) == {ACCOUNT: PASS}


@pytest.mark.parametrize("resource_type", ["aws.cloudtrail.trail", "aws.logs.metric_filter", "aws.cloudwatch.alarm"])
def test_fault_on_a_needed_type_is_an_error_and_no_verdict(resource_type: str) -> None:
    inv = inventory(trail(), metric_filter(ROOT), alarm(), regions=("us-east-1", "eu-west-1"),
                    faults=(fault(resource_type, "eu-west-1"),))
    assert verdicts(CHECK, inv) == {"error:eu-west-1": ERROR}
    # and no false "missing" either, when the faulted data might have held the filter
    inv = inventory(trail(), regions=("us-east-1", "eu-west-1"), faults=(fault(resource_type, "eu-west-1"),))
    assert verdicts(CHECK, inv) == {"error:eu-west-1": ERROR}


def test_each_account_gets_its_own_verdict() -> None:
    other = "222222222222"
    inv = inventory(trail(), metric_filter(ROOT), alarm(),
                    res("aws.account", other, region=GLOBAL, account=other, regions=["us-east-1"]))
    assert verdicts(CHECK, inv) == {ACCOUNT: PASS, other: FAIL}


def test_no_aws_account_means_no_findings() -> None:
    inv = Inventory([trail(), metric_filter(ROOT), alarm()])
    assert run(CHECK, inv) == []
