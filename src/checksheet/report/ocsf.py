"""Findings as OCSF 1.1 Compliance Findings (class 2003), for SIEMs and Security Hub-style pipelines.

Pure: the caller passes the findings, the controls they support and the time they were observed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from checksheet import __version__
from checksheet.model import Control, Finding, Lang, Severity, Status

OCSF_VERSION = "1.1.0"
CLASS_UID = 2003  # Compliance Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_CREATE = 1

SEVERITY_ID = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
#: compliance.status_id: 1 Pass, 3 Fail, 0 Unknown (evidence missing or not collected), 99 Other.
COMPLIANCE_STATUS = {Status.PASS: (1, "Pass"), Status.FAIL: (3, "Fail"), Status.ERROR: (0, "Unknown"),
                     Status.MANUAL: (99, "Other")}


def _standards(control_ids: tuple[str, ...], controls: Mapping[str, Control]) -> list[str]:
    found = [controls[c] for c in control_ids if c in controls]
    refs = {f"ISO/IEC 27001:2022 {a}" for c in found for a in c.mappings.iso27001}
    refs |= {f"SOC 2 {s}" for c in found for s in c.mappings.soc2}
    refs |= {f"CIS AWS Foundations v3.0.0 {s}" for c in found for s in c.mappings.cis_aws}
    return sorted(refs)


def to_ocsf(
    finding: Finding, controls: Mapping[str, Control], observed: datetime, lang: Lang = "en", title: str | None = None
) -> dict[str, Any]:
    """One finding as an OCSF Compliance Finding event; `title` is the check's title in `lang`."""
    status_id, status = COMPLIANCE_STATUS[finding.status]
    uid = f"{finding.check_id}:{finding.provider}:{finding.account}:{finding.region}:{finding.resource_id}"
    event: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "category_uid": CATEGORY_UID,
        "class_uid": CLASS_UID,
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "time": int(observed.timestamp() * 1000),
        "severity_id": SEVERITY_ID[finding.severity],
        "severity": finding.severity.value.capitalize(),
        "status_id": 1,
        "status": "New",
        "message": finding.message.get(lang),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "checksheet", "vendor_name": "checksheet", "version": __version__},
        },
        "finding_info": {"uid": uid, "title": title or finding.check_id, "desc": finding.message.get(lang)},
        "compliance": {
            "control": finding.check_id,
            "requirements": list(finding.control_ids),
            "standards": _standards(finding.control_ids, controls),
            "status_id": status_id,
            "status": status,
        },
        "resources": [{"uid": finding.resource_id, "type": finding.resource_type, "region": finding.region}],
        "unmapped": {"checksheet_status": finding.status.value},
    }
    if finding.provider == "aws":
        event["cloud"] = {"provider": "AWS", "region": finding.region, "account": {"uid": finding.account}}
    else:
        event["device"] = {"hostname": finding.account, "type_id": 1}
    return event
