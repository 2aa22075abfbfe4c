from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checksheet.catalog import catalog
from checksheet.model import Finding, Severity, Status, Text
from checksheet.report.ocsf import CLASS_UID, to_ocsf

WHEN = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _finding(status: Status, provider: str = "aws") -> Finding:
    return Finding("ec2_sg_no_ssh_open_to_internet", ("NET-02",), status, Severity.HIGH, provider, "123456789012",
                   "ap-northeast-1", "aws.ec2.security_group", "sg-1", Text("SSH が公開されています", "SSH is open"))


@pytest.mark.parametrize(("status", "status_id"), [(Status.PASS, 1), (Status.FAIL, 3), (Status.ERROR, 0)])
def test_compliance_status_follows_the_finding(status: Status, status_id: int) -> None:
    event = to_ocsf(_finding(status), catalog(), WHEN, "ja", title="SSH が公開されていない")
    assert event["class_uid"] == CLASS_UID and event["type_uid"] == 200301
    assert event["compliance"]["status_id"] == status_id
    assert event["time"] == int(WHEN.timestamp() * 1000)
    assert event["severity_id"] == 4
    assert event["message"] == "SSH が公開されています"
    assert event["finding_info"]["title"] == "SSH が公開されていない"


def test_standards_come_from_the_controls_mappings() -> None:
    event = to_ocsf(_finding(Status.FAIL), catalog(), WHEN)
    iso = {f"ISO/IEC 27001:2022 {a}" for a in catalog()["NET-02"].mappings.iso27001}
    assert iso <= set(event["compliance"]["standards"])
    assert event["cloud"]["account"]["uid"] == "123456789012"


def test_host_findings_name_the_device_not_a_cloud() -> None:
    event = to_ocsf(_finding(Status.PASS, provider="host"), catalog(), WHEN)
    assert "cloud" not in event and event["device"]["hostname"] == "123456789012"
