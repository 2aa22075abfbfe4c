"""`checksheet scan aws` and `checksheet aws policy` through the real entry point, against moto."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import yaml

from checksheet.config import Settings
from tests.cli_runner import invoke
from tests.collectors.aws.moto_server import ACCOUNT, MotoServer, aws_environment, environment
from tests.collectors.aws.seed import HOME, TOKYO, buckets, compute, identities, network

KEYS = {"check_id", "control_ids", "status", "severity", "provider", "account", "region", "resource_type",
        "resource_id", "message"}
REGIONS = f"{HOME},{TOKYO}"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = MotoServer()
    try:
        with environment(aws_environment(server.url)):
            compute(HOME, network(HOME))
            buckets()
            identities()
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def aws_env(endpoint: str) -> Iterator[None]:
    with environment(aws_environment(endpoint)):
        yield


@pytest.fixture
def initialised(project: Settings, aws_env: None, capsys: pytest.CaptureFixture[str]) -> Settings:
    assert invoke(capsys, "init").code == 0
    return project


def test_scan_then_findings(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", "aws", "--regions", REGIONS, "--format", "json", "--lang", "en")
    assert result.code == 0, result.err
    document = json.loads(result.out)  # stdout holds one JSON document and nothing else
    scan = document["scan"]
    assert (scan["provider"], scan["accounts"], scan["regions"]) == ("aws", [ACCOUNT], [HOME, TOKYO])
    assert scan["resources"] > 20 and scan["requests"] > 0 and scan["faults"] > 0  # moto lacks a few calls
    findings = document["findings"]
    assert findings and all(set(f) >= KEYS and f["provider"] == "aws" for f in findings)
    assert sum(scan["findings"].values()) == len(findings)
    statuses = {(f["check_id"], f["status"]) for f in findings}
    assert ("ec2_sg_no_ssh_open_to_internet", "fail") in statuses  # the seeded SSH-open group
    assert ("iam_user_console_mfa_enabled", "fail") in statuses  # alice signs in without MFA
    assert any(f["status"] == "error" and "access-analyzer:ListAnalyzers" in f["message"] for f in findings)

    stored = invoke(capsys, "findings", "--format", "json", "--lang", "en")
    assert stored.code == 0
    rows = json.loads(stored.out)
    aws_rows = [r for r in rows if r["provider"] == "aws"]
    assert sorted(json.dumps(r, sort_keys=True) for r in aws_rows) == sorted(
        json.dumps(f, sort_keys=True) for f in findings)


def test_table_and_fail_on(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", "aws", "--regions", HOME, "--fail-on", "fail", "--lang", "en")
    assert result.code == 1
    assert "fail" in result.out and "pass" not in result.out.split()  # the table lists what needs work
    assert "Scanned 1 AWS account(s) in 1 region(s):" in " ".join(result.err.split())


def test_no_credentials_is_one_line(initialised: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.pop(name)
    result = invoke(capsys, "scan", "aws", "--regions", HOME)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("checksheet: error: AWS の認証情報が見つかりません") and result.err.count("\n") == 1
    os.environ["CHECKSHEET_LANG"] = "en"
    result = invoke(capsys, "scan", "aws", "--regions", HOME)
    assert result.err.startswith("checksheet: error: no AWS credentials found: set AWS_PROFILE")
    assert json.loads(invoke(capsys, "findings", "--format", "json").out) == []  # nothing was stored


@pytest.mark.parametrize(("args", "says"), [
    (("--regions", "tokyo"), "--regions: tokyo is not a region name"),
    (("--regions", "us-east-9"), "unknown AWS region us-east-9"),
    (("--role-arn", "arn:aws:iam::1:user/x"), "--role-arn: arn:aws:iam::1:user/x is not an IAM role ARN"),
    (("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/a", "--org-role", "b"), "use --role-arn or --org-role, not both"),
    (("--profile", "nope"), "AWS profile 'nope' not found"),
])
def test_bad_usage_is_one_line(initialised: Settings, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                               says: str) -> None:
    os.environ["CHECKSHEET_LANG"] = "en"
    result = invoke(capsys, "scan", "aws", *args)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith(f"checksheet: error: {says}") and result.err.count("\n") == 1


def test_scan_needs_a_project(project: Settings, aws_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", "aws", "--regions", HOME)
    assert result.code == 2 and "checksheet init" in result.err


def test_a_database_that_cannot_be_opened_is_one_line_while_aws_is_still_answering(
    project: Settings, aws_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The API calls start before the store opens: its failure is still the one line of a store error.
    monkeypatch.setenv("CHECKSHEET_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/checksheet")
    result = invoke(capsys, "scan", "aws", "--regions", HOME, "--format", "json")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("checksheet: error: ") and result.err.count("\n") == 1


def test_policy_formats(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(invoke(capsys, "aws", "policy").out)
    actions = document["Statement"][0]["Action"]
    assert "ec2:DescribeSecurityGroups" in actions and "s3:GetAccountPublicAccessBlock" in actions
    assert actions == sorted(set(actions))
    template = yaml.safe_load(invoke(capsys, "aws", "policy", "--format", "cloudformation").out)
    properties = template["Resources"]["ChecksheetReadOnlyRole"]["Properties"]
    assert properties["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] == actions
    terraform = invoke(capsys, "aws", "policy", "--format", "terraform").out
    assert 'resource "aws_iam_role" "checksheet_readonly"' in terraform and '"iam:GetCredentialReport",' in terraform
    bad = invoke(capsys, "aws", "policy", "--format", "xml")
    assert bad.code == 2 and bad.out == ""
