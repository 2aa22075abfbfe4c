"""Faults never pass silently: refused, throttled, unreachable and disabled-region calls become `Fault`s.

Access is refused by moto's own IAM enforcement (a scanning user whose policy denies RDS);
throttling, which moto cannot produce, is answered by a botocore `before-send` hook with the
service's own error document, so botocore's retry machinery runs for real.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from checksheet.collectors import aws
from checksheet.collectors.aws import dynamodb, ec2, elasticache, iam, organizations, rds
from checksheet.collectors.aws.context import GLOBAL
from checksheet.collectors.aws.engine import resource_types, run_task
from checksheet.collectors.aws.registry import Collector, Scope, registry
from checksheet.errors import CollectionError, UsageError
from checksheet.model import Resource
from tests.collectors.aws.moto_server import ACCOUNT, MotoServer, aws_environment, environment, free_port
from tests.collectors.aws.seed import HOME

SCANNER_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": ["rds:*", "sts:AssumeRole", "ec2:DescribeRegions"], "Resource": "*"},
]}
SOME = (*organizations.COLLECTORS, *ec2.COLLECTORS, *rds.COLLECTORS, *dynamodb.COLLECTORS,
        *elasticache.COLLECTORS)


@pytest.fixture(scope="module")
def endpoint(moto: MotoServer) -> Iterator[str]:
    moto.reset()
    with environment(aws_environment(moto.url)):
        client = boto3.client("rds", region_name=HOME)
        client.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres", DBInstanceClass="db.t3.micro",
                                  MasterUsername="app", MasterUserPassword="not-a-secret", AllocatedStorage=20)
        boto3.client("dynamodb", region_name=HOME).create_table(
            TableName="sessions", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    yield moto.url


@pytest.fixture
def scanner(moto: MotoServer, endpoint: str) -> Iterator[dict[str, str]]:
    """Credentials of a user whose policy denies RDS and sts:AssumeRole, with IAM enforced by moto."""
    with environment(aws_environment(endpoint)):
        iam_client = boto3.client("iam")
        name = f"scanner-{free_port()}"
        iam_client.create_user(UserName=name)
        iam_client.put_user_policy(UserName=name, PolicyName="scan", PolicyDocument=json.dumps(SCANNER_POLICY))
        key = iam_client.create_access_key(UserName=name)["AccessKey"]
    moto.enforce_iam(True)
    try:
        yield {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    finally:
        moto.enforce_iam(False)


def test_access_denied_names_the_missing_action_and_the_scan_completes(endpoint: str, scanner: Any) -> None:
    with environment(aws_environment(endpoint, **scanner)):
        collection = aws.collect(aws.Connector(aws.Access()), SOME, (HOME,))
    inv = collection.inventory
    denied = {(f.resource_type, f.action) for f in inv.faults}
    assert denied == {("aws.rds.instance", "rds:DescribeDBInstances"), ("aws.rds.cluster", "rds:DescribeDBClusters"),
                      ("aws.rds.snapshot", "rds:DescribeDBSnapshots"),
                      ("aws.rds.snapshot", "rds:DescribeDBClusterSnapshots"),
                      ("aws.region", "ec2:DescribeRegions")}
    # without the region list, the regions asked for are still scanned, their opt-in status unknown
    assert [(r.id, r.attributes) for r in inv.of("aws.region")] == [(HOME, {"opt_in_status": None})]
    assert next(f for f in inv.faults if f.resource_type == "aws.region").region == GLOBAL
    message = next(f.message for f in inv.faults if f.action == "rds:DescribeDBInstances")
    assert message.startswith("access denied: the scanning identity needs rds:DescribeDBInstances")
    assert not inv.of("aws.rds.instance")
    assert inv.of("aws.ec2.security_group") and inv.get("aws.dynamodb.table", "sessions") is not None
    assert inv.get("aws.account", ACCOUNT) is not None


def test_a_role_that_cannot_be_assumed_faults_every_type(endpoint: str, scanner: Any) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/auditor"
    with environment(aws_environment(endpoint, **scanner)):
        collection = aws.collect(aws.Connector(aws.Access(role_arns=(arn,))), SOME, (HOME,))
    assert collection.accounts == (ACCOUNT,) and len(collection.inventory) == 0
    faults = collection.inventory.faults
    assert {f.resource_type for f in faults} == set(resource_types(SOME))
    assert {(f.region, f.action) for f in faults} == {(GLOBAL, "sts:AssumeRole")}
    assert all(f.message.startswith(f"cannot assume {arn}: access denied") for f in faults)


def test_rejected_credentials_are_one_error(endpoint: str, scanner: Any) -> None:
    with environment(aws_environment(endpoint, AWS_ACCESS_KEY_ID="AKIAUNKNOWNKEY000000")), \
            pytest.raises(CollectionError) as raised:
        aws.Connector(aws.Access())
    assert "did not accept the credentials" in raised.value.diagnostics("en")
    assert "認証情報を受け付けませんでした" in raised.value.diagnostics("ja")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def test_throttling_beyond_retries(endpoint: str) -> None:
    attempts: list[str] = []

    def throttle(request: Any, **kwargs: Any) -> AWSResponse:
        attempts.append(request.url)
        body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}'
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body))

    hooks = (("before-send.dynamodb.ListTables", throttle),)
    with environment(aws_environment(endpoint, AWS_MAX_ATTEMPTS="2")):
        collection = aws.collect(aws.Connector(aws.Access(hooks=hooks)), SOME, (HOME,))
    assert len(attempts) == 2  # botocore retried once (AWS_MAX_ATTEMPTS=2), then gave up
    faults = collection.inventory.faults
    assert [(f.resource_type, f.action) for f in faults] == [("aws.dynamodb.table", "dynamodb:ListTables")]
    assert faults[0].message.startswith("throttled by AWS after 2 attempts (ThrottlingException")
    assert collection.inventory.get("aws.rds.instance", "orders") is not None


def _answering(status: int, body: bytes, content_type: str, attempts: list[str]) -> Any:
    def answer(request: Any, **kwargs: Any) -> AWSResponse:
        attempts.append(request.url)
        return AWSResponse(request.url, status, {"Content-Type": content_type}, _Raw(body))
    return answer


@pytest.mark.parametrize(("status", "body", "content_type", "sent", "message"), [
    # an emulator's answer for an operation it lacks: asking again cannot help
    (500, b"NotImplementedError: The list_tables action has not been implemented", "text/plain", 1,
     "the endpoint does not implement dynamodb:ListTables (HTTP 500) (500: NotImplementedError: The list_tables "
     "action has not been implemented)"),
    (501, b'{"__type":"NotImplemented","message":"not here"}', "application/x-amz-json-1.0", 1,
     "the endpoint does not implement dynamodb:ListTables (NotImplemented: not here)"),
    # a real service's transient failure keeps botocore's retries (AWS_MAX_ATTEMPTS=3)
    (500, b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}',
     "application/x-amz-json-1.0", 3, "server error HTTP 500 after 3 attempts (an emulator may not implement "
                                      "dynamodb:ListTables) (InternalServerError: Internal server error)"),
    (503, b"<html><body>Service Unavailable</body></html>", "text/html", 3,
     "server error HTTP 503 after 3 attempts (an emulator may not implement dynamodb:ListTables) "
     "(503: Service Unavailable)"),
])
def test_only_failures_that_a_retry_can_cure_are_retried(
    endpoint: str, status: int, body: bytes, content_type: str, sent: int, message: str,
) -> None:
    attempts: list[str] = []
    hooks = (("before-send.dynamodb.ListTables", _answering(status, body, content_type, attempts)),)
    with environment(aws_environment(endpoint, AWS_MAX_ATTEMPTS="3")):
        connector = aws.Connector(aws.Access(hooks=hooks), aws.actions())
        collection = aws.collect(connector, dynamodb.COLLECTORS, (HOME,))
    assert len(attempts) == sent
    faults = collection.inventory.faults
    assert [(f.resource_type, f.action) for f in faults] == [("aws.dynamodb.table", "dynamodb:ListTables")]
    assert faults[0].message == message


def test_a_disabled_region_faults_every_regional_type(endpoint: str) -> None:
    with environment(aws_environment(endpoint)):
        collection = aws.collect(aws.Connector(aws.Access()), SOME, (HOME, "ap-east-1"))
    assert collection.regions == (HOME,)
    inv = collection.inventory
    assert inv.get("aws.account", ACCOUNT).attributes["regions"] == [HOME]  # type: ignore[union-attr]
    regional = {t for c in SOME if c.scope is Scope.REGIONAL for t in c.yields}
    off = [f for f in inv.faults if f.region == "ap-east-1"]
    assert {f.resource_type for f in off} == regional
    assert all(f.message == "region ap-east-1 is not enabled for this account (opt-in status: not-opted-in)"
               for f in off)
    assert not [r for r in inv if r.region == "ap-east-1"]


def test_an_unknown_region_is_a_usage_error(endpoint: str) -> None:
    with environment(aws_environment(endpoint)), pytest.raises(UsageError) as raised:
        aws.collect(aws.Connector(aws.Access()), SOME, ("us-east-9",))
    assert "unknown AWS region us-east-9" in raised.value.diagnostics("en")


def test_an_unreachable_endpoint(endpoint: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with environment(aws_environment(endpoint, AWS_ENDPOINT_URL_ELASTICACHE=closed)):
        collection = aws.collect(aws.Connector(aws.Access()), SOME, (HOME,))
    faults = collection.inventory.faults
    assert [(f.resource_type, f.action) for f in faults] == [
        ("aws.elasticache.replication_group", "elasticache:DescribeReplicationGroups")]
    assert faults[0].message.startswith(f"endpoint unreachable: {closed}")
    assert collection.inventory.of("aws.ec2.security_group")


def test_no_credentials_and_unknown_profile(endpoint: str) -> None:
    bare = {k: v for k, v in aws_environment(endpoint).items() if not k.startswith("AWS_ACCESS_KEY_ID")
            and not k.startswith("AWS_SECRET")}
    with environment(bare):
        os.environ.pop("AWS_ACCESS_KEY_ID", None)
        os.environ.pop("AWS_SECRET_ACCESS_KEY", None)
        with pytest.raises(CollectionError) as raised:
            aws.Connector(aws.Access())
        assert raised.value.diagnostics("en").startswith("no AWS credentials found: set AWS_PROFILE")
        assert raised.value.diagnostics("ja").startswith("AWS の認証情報が見つかりません")
        with pytest.raises(CollectionError) as raised:
            aws.Connector(aws.Access(profile="nope"))
        assert "AWS profile 'nope' not found" in raised.value.diagnostics("en")


_BROKEN: list[Collector] = []
_broken = registry(_BROKEN)


@_broken(name="test.half", service="ec2", scope=Scope.REGIONAL, yields=("aws.ec2.vpc",),
         actions=("ec2:DescribeVpcs",))
def _half(ctx: Any) -> Iterator[Resource]:
    for v in ctx.pages("ec2", "describe_vpcs", "Vpcs"):
        yield ctx.resource("aws.ec2.vpc", v["VpcId"], {})
    raise KeyError("Unexpected")


@_broken(name="test.undeclared", service="iam", scope=Scope.GLOBAL, yields=(iam.USER,),
         actions=("iam:ListUsers",))
def _undeclared(ctx: Any) -> Iterator[Resource]:
    ctx.call("iam", "list_roles")
    yield from ()


def test_a_broken_collector_keeps_what_it_got_and_says_so(endpoint: str) -> None:
    with environment(aws_environment(endpoint)):
        account = aws.Connector(aws.Access()).caller
        half = run_task(account, _BROKEN[0], HOME, (HOME,))
        undeclared = run_task(account, _BROKEN[1], GLOBAL, (HOME,))
    assert half.collected  # the VPCs read before the failure are kept
    assert [(f.resource_type, f.action) for f in half.faults] == [("aws.ec2.vpc", "test.half")]
    assert half.faults[0].message == "internal error in the collector: KeyError: 'Unexpected'"
    assert undeclared.faults[0].message.startswith("internal error in the collector: UndeclaredCall: collector "
                                                   "test.undeclared calls undeclared iam:ListRoles")
