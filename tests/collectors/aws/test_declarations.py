"""Meta-tests over the collector registry: every API call is declared, read-only, documented, in the policy.

Each collector runs alone against a seeded moto with a botocore `before-call` hook that records
every operation it sends; the recorded operations, mapped to IAM actions, must be exactly what
the collector declares (except calls moto gives no data to reach).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml

from checksheet.collectors import aws
from checksheet.collectors.aws import policy
from checksheet.collectors.aws.context import GLOBAL
from checksheet.collectors.aws.engine import REGION, SETUP_ACTIONS, resource_types, run_task
from checksheet.collectors.aws.registry import Scope, iam_action, is_read_only
from checksheet.model import Resource
from tests.collectors.aws.moto_server import MotoServer, aws_environment, environment
from tests.collectors.aws.seed import REGIONS, seed

CONTRACT = Path(__file__).parents[3] / "docs" / "aws-resources.md"
#: Declared calls the seeded moto account cannot lead to, and why.
UNREACHED_IN_MOTO = {
    "backup:GetBackupSelection": "moto does not implement ListBackupSelections",
    "backup:ListRecoveryPointsByBackupVault": "moto has no backup jobs: every vault holds 0 recovery points",
    "ssm:DescribeInstancePatchStates": "moto does not implement DescribeInstanceInformation",
}
SERVICES = ("ec2", "elbv2", "wafv2", "rds", "s3", "s3control", "cloudtrail", "logs", "cloudwatch", "guardduty",
            "securityhub", "config", "iam", "accessanalyzer", "kms", "ssm", "backup", "dynamodb", "efs",
            "elasticache", "acm", "organizations")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **kwargs: Any) -> None:
        self.calls.append(iam_action(model.service_model.service_name, model.name))


@pytest.fixture(scope="module")
def recorded(moto: MotoServer) -> Iterator[tuple[dict[str, set[str]], list[Resource], set[str]]]:
    """IAM actions each collector called, everything they collected, and what the engine called itself."""
    moto.seeded(seed)
    recorder = Recorder()
    with environment(aws_environment(moto.url)):
        access = aws.Access(hooks=(("before-call", recorder),))
        connector = aws.Connector(access)
        by_collector: dict[str, set[str]] = {}
        resources: list[Resource] = []
        with ThreadPoolExecutor(4) as details:
            for c in aws.ALL:
                recorder.calls.clear()
                for region in (GLOBAL,) if c.scope is Scope.GLOBAL else REGIONS:
                    ctx = run_task(connector.caller, c, region, REGIONS, details)
                    resources += ctx.collected
                    assert not [f for f in ctx.faults if "internal error" in f.message], ctx.faults
                by_collector[c.name] = set(recorder.calls)
        recorder.calls.clear()
        aws.collect(connector, (), REGIONS)  # no collectors: only the engine's own calls
        yield by_collector, resources, set(recorder.calls)


def test_every_call_is_declared(recorded: Any) -> None:
    by_collector, _, _ = recorded
    declared = {c.name: set(c.actions) for c in aws.ALL}
    undeclared = {name: sorted(calls - declared[name])
                  for name, calls in by_collector.items() if calls - declared[name]}
    assert undeclared == {}


def test_every_declaration_is_called(recorded: Any) -> None:
    by_collector, _, _ = recorded
    unused = {a for c in aws.ALL for a in c.actions if a not in by_collector[c.name]}
    assert unused == set(UNREACHED_IN_MOTO)


def test_the_engine_calls_only_its_setup_actions(recorded: Any) -> None:
    assert recorded[2] == set(SETUP_ACTIONS)


def test_declared_actions_are_read_only_and_exist() -> None:
    session = botocore.session.get_session()
    real = {iam_action(s, op) for s in SERVICES for op in session.get_service_model(s).operation_names}
    for action in aws.actions():
        assert is_read_only(action), action
        assert action in real, f"{action} names no API operation"
    assert not is_read_only("ec2:DeleteVolume") and not is_read_only("iam:CreateAccessKey")


def test_feeds_name_declared_types() -> None:
    for c in aws.ALL:
        assert c.yields, c.name
        for action in c.actions:
            assert set(c.fed_by(action)) <= set(c.yields), (c.name, action)
    assert len({c.name for c in aws.ALL}) == len(aws.ALL)


def _contract() -> dict[str, str]:
    rows = re.findall(r"^\| `(aws\.[a-z0-9_.]+)` \|([^\n]*)$", CONTRACT.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(rows)


def test_types_match_the_contract() -> None:
    assert set(resource_types(aws.ALL)) == set(_contract())
    assert REGION in _contract()


def test_every_collected_attribute_is_documented(recorded: Any) -> None:
    contract = _contract()
    undocumented = {(r.type, key) for r in recorded[1] for key in r.attributes if f"`{key}`" not in contract[r.type]}
    assert undocumented == set()


def test_policy_formats_carry_every_action() -> None:
    actions = aws.actions()
    assert list(actions) == sorted(set(actions))
    document = json.loads(policy.policy_json(actions))
    assert document["Statement"] == [{"Sid": "ChecksheetReadOnly", "Effect": "Allow", "Action": list(actions),
                                      "Resource": "*"}]
    assert not [a for a in actions if "*" in a]
    template = yaml.safe_load(policy.cloudformation(actions))
    role = template["Resources"]["ChecksheetReadOnlyRole"]["Properties"]
    assert role["Policies"][0]["PolicyDocument"] == document
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": {"Ref": "TrustedPrincipalArn"}} and trust["Action"] == "sts:AssumeRole"
    hcl = policy.terraform(actions)
    assert all(f'"{a}",' in hcl for a in actions)
    assert hcl.count("{") == hcl.count("}") and 'resource "aws_iam_role" "checksheet_readonly"' in hcl
    # An inline role policy may hold 10,240 characters without white space.
    assert len(re.sub(r"\s", "", json.dumps(document))) < 10_240
