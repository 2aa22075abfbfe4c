"""Pure pieces of the AWS layer: failure messages, the emulator host rule, client settings."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.utils import parse_timestamp

from checksheet.collectors.aws.faults import fault_message
from checksheet.collectors.aws.registry import iam_action
from checksheet.collectors.aws.session import _client_config, parse_time, unprefix_account_host


def error(code: str, message: str = "", status: int = 400, retries: int = 0) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": message},
                     "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": retries}}
    return ClientError(response, "DescribeVolumes")


@pytest.mark.parametrize(("err", "expected"), [
    (error("UnauthorizedOperation", "You are not authorized", 403),
     "access denied: the scanning identity needs ec2:DescribeVolumes (UnauthorizedOperation: You are not authorized)"),
    (error("AccessDeniedException", status=400), "access denied: the scanning identity needs ec2:DescribeVolumes "
                                                 "(AccessDeniedException)"),
    (error("OptInRequired", "opt in first", 401),
     "the region is not enabled for this account or the credentials are not valid there (OptInRequired: opt in first)"),
    (error("RequestLimitExceeded", "slow down", 503, retries=4),
     "throttled by AWS after 5 attempts (RequestLimitExceeded: slow down)"),
    (error("500", "<!doctype html><title>500 Internal Server Error</title>", 500, retries=2),
     "server error HTTP 500 after 3 attempts (an emulator may not implement ec2:DescribeVolumes)"),
    (error("NotImplemented", "not here", 501), "the endpoint does not implement ec2:DescribeVolumes "
                                               "(NotImplemented: not here)"),
    (error("ExpiredToken", "expired", 400), "the credentials expired during the scan (ExpiredToken: expired)"),
    (error("InvalidParameterValue", "bad\n  value", 400), "InvalidParameterValue: bad value"),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "endpoint unreachable: http://127.0.0.1:9"),
    (ReadTimeoutError(endpoint_url="https://ec2.us-east-1.amazonaws.com/"),
     "timed out: https://ec2.us-east-1.amazonaws.com/"),
    (KeyError("Vpcs"), "internal error in the collector: KeyError: 'Vpcs'"),
])
def test_fault_messages(err: Exception, expected: str) -> None:
    assert fault_message(err, "ec2:DescribeVolumes") == expected


def test_long_messages_are_cut() -> None:
    assert len(fault_message(error("ValidationError", "x" * 1000), "ec2:DescribeVolumes")) < 300


def test_iam_action_names() -> None:
    assert iam_action("ec2", "DescribeVolumes") == "ec2:DescribeVolumes"
    assert iam_action("elbv2", "DescribeLoadBalancers") == "elasticloadbalancing:DescribeLoadBalancers"
    assert iam_action("s3", "ListBuckets") == "s3:ListAllMyBuckets"
    assert iam_action("s3", "GetBucketEncryption") == "s3:GetEncryptionConfiguration"
    assert iam_action("s3control", "GetPublicAccessBlock") == "s3:GetAccountPublicAccessBlock"
    assert iam_action("accessanalyzer", "ListAnalyzers") == "access-analyzer:ListAnalyzers"
    assert iam_action("efs", "DescribeFileSystems") == "elasticfilesystem:DescribeFileSystems"


@pytest.mark.parametrize(("url", "sent"), [
    ("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock",
     "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"),
    ("http://123456789012.localhost:4566/v20180820/x", "http://localhost:4566/v20180820/x"),
    # real AWS and named emulator hosts keep the account prefix S3 Control needs
    ("https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x",
     "https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x"),
    ("http://123456789012.s3-control.emulator.internal/x", "http://123456789012.s3-control.emulator.internal/x"),
])
def test_s3_control_account_prefix_on_emulators(url: str, sent: str) -> None:
    request = AWSRequest(method="GET", url=url)
    unprefix_account_host(request)
    assert request.url == sent


def test_client_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    config = _client_config(botocore.session.Session(), workers=24)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 3}
    assert config.max_pool_connections == 48 and config.connect_timeout == 5
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    assert _client_config(botocore.session.Session(), workers=4).retries["total_max_attempts"] == 7


@pytest.mark.parametrize("value", [
    "2026-11-28T22:35:55.000Z", "2026-11-28T22:35:55Z", "2026-11-28T22:35:55.144944+00:00",
    "2026-11-28T22:35:55+09:00", "2026-11-28T22:35:55", "2026-11-28T22:35:55.123456789Z",
    "Sat, 28 Nov 2026 22:35:55 GMT", 1795905355, 1795905355.25, "1795905355",
])
def test_response_times_parse_as_botocore_parses_them(value: Any) -> None:
    ours, theirs = parse_time(value), parse_timestamp(value)
    assert ours == theirs and (ours.tzinfo is None) == (theirs.tzinfo is None)
    assert ours.utcoffset() == theirs.utcoffset()
