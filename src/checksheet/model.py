"""Shared value types: frozen dataclasses and enums used by every layer.

This module is a leaf: it imports nothing from checksheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")


class Status(StrEnum):
    """Outcome of one check on one resource."""

    PASS = "pass"  # noqa: S105 (a status, not a password)
    FAIL = "fail"
    ERROR = "error"  # the evidence could not be collected: never counts as a pass
    MANUAL = "manual"  # needs a person or a record


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class ControlState(StrEnum):
    """Roll-up of all evidence for one control."""

    MET = "met"
    PARTIAL = "partial"
    NOT_MET = "not_met"
    NEEDS_EVIDENCE = "needs_evidence"
    STALE = "stale"


class RecordKind(StrEnum):
    """Evidence that no API can see, kept by checksheet itself."""

    ACCOUNT_REVIEW = "account_review"
    PATCH_SLA = "patch_sla"
    DRILL = "drill"
    ASSESSMENT = "assessment"
    ATTESTATION = "attestation"
    EVIDENCE_FILE = "evidence_file"


@dataclass(frozen=True, slots=True)
class Text:
    """A user-facing string in both languages."""

    ja: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True, slots=True)
class Resource:
    """One collected thing (a bucket, a trail, a host's sshd config...)."""

    provider: str
    account: str
    region: str
    type: str
    id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.provider, self.account, self.region, self.type, self.id)


@dataclass(frozen=True, slots=True)
class Fault:
    """Evidence that could not be collected: an API call refused, unreachable or unsupported.

    Checks that need `resource_type` in this scope turn a fault into an `error` finding.
    """

    provider: str
    account: str
    region: str
    service: str
    resource_type: str
    action: str
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one check on one resource (or on the account/region as a whole)."""

    check_id: str
    control_ids: tuple[str, ...]
    status: Status
    severity: Severity
    provider: str
    account: str
    region: str
    resource_type: str
    resource_id: str
    message: Text

    def to_json(self, lang: Lang = "en") -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "control_ids": list(self.control_ids),
            "status": self.status.value,
            "severity": self.severity.value,
            "provider": self.provider,
            "account": self.account,
            "region": self.region,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "message": self.message.get(lang),
        }


@dataclass(frozen=True, slots=True)
class Mappings:
    iso27001: tuple[str, ...]
    soc2: tuple[str, ...] = ()
    cis_aws: tuple[str, ...] = ()
    other: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What proves a control: automated checks, kept records, or a signed statement."""

    checks: tuple[str, ...] = ()
    records: tuple[RecordKind, ...] = ()
    attestation: bool = False


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    domain: str
    title: Text
    requirement: Text
    rationale: Text
    questions_ja: tuple[str, ...]
    questions_en: tuple[str, ...]
    keywords_ja: tuple[str, ...]
    keywords_en: tuple[str, ...]
    mappings: Mappings
    evidence: Evidence
    answers: Mapping[ControlState, Text]


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    title: Text
    controls: tuple[Control, ...]


@dataclass(frozen=True, slots=True)
class ControlStatus:
    """One control's state, with the figures and reasons behind it."""

    control_id: str
    state: ControlState
    passed: int
    failed: int
    errors: int
    reasons: tuple[Text, ...]
    evidence_ids: tuple[str, ...]
    evaluated_at: datetime

    def to_json(self, lang: Lang = "en") -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "state": self.state.value,
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "reasons": [r.get(lang) for r in self.reasons],
            "evidence_ids": list(self.evidence_ids),
            "evaluated_at": self.evaluated_at.isoformat(),
        }
