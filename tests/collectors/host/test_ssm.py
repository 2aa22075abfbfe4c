"""SSM Run Command as a transport, against moto: as far as moto goes (it accepts commands and answers
Success with empty output, so every area must become a fault, never a pass)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from checksheet.checks import ALL, run_checks
from checksheet.collectors.host.commands import COMMANDS
from checksheet.collectors.host.scan import collect_host
from checksheet.collectors.host.ssm import SsmTransport
from checksheet.inventory import Inventory
from checksheet.model import Status

REGION = "ap-northeast-1"
INSTANCE = "i-0123456789abcdef0"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("ssm", region_name=REGION)


def test_every_declared_command_is_sent_with_run_shell_script(ssm: object) -> None:
    result = collect_host(SsmTransport(INSTANCE, region=REGION, poll_seconds=0, timeout=30, host="batch-1"))
    sent = ssm.list_commands()["Commands"]  # type: ignore[attr-defined]
    assert {c["DocumentName"] for c in sent} == {"AWS-RunShellScript"}
    assert sorted(c["Parameters"]["commands"][0] for c in sent) == sorted(c.command_line for c in COMMANDS)
    assert all(c["InstanceIds"] == [INSTANCE] for c in sent)
    # moto runs nothing and returns empty output: no closing marker, so nothing is taken as evidence.
    assert not result.resources
    assert {f.region for f in result.faults} == {"ssm"} and {f.account for f in result.faults} == {"batch-1"}
    assert all("incomplete" in f.message for f in result.faults)
    findings = [f for f in run_checks(ALL, Inventory(result.resources, result.faults)) if f.provider == "host"]
    assert findings and {f.status for f in findings} == {Status.ERROR}
