"""What a record must hold, checked where it enters (CLI options, CSV/XLSX rows): pydantic here only.

The `data` of each kind is the contract the record checks read (checks/records.py, docs/ledger-and-records.md).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from checksheet.model import RecordKind

Str = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
DrillType = Literal["incident_response", "restore", "failover", "tabletop"]
DrillResult = Literal["succeeded", "partial", "failed"]
AssessmentType = Literal["external_pentest", "platform", "web"]
Severity = Literal["critical", "high", "medium", "low", "info"]
FindingStatus = Literal["open", "fixed", "accepted"]
DocType = Literal["policy", "manual", "runbook", "procedure", "report", "other"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    control_ids: list[Str] = []

    @field_validator("control_ids")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return sorted({v.upper() for v in value})


class DrillIn(_In):
    drill_type: DrillType
    occurred_on: date
    participants: list[Str] = Field(min_length=1)
    scenario: Str
    runbook: str = ""
    result: DrillResult
    recovery_minutes: int | None = Field(default=None, ge=0)
    follow_ups: list[Str] = []

    kind: Literal[RecordKind.DRILL] = RecordKind.DRILL


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Str
    title: Str
    severity: Severity
    status: FindingStatus = "open"
    due_on: date | None = None
    closed_on: date | None = None

    @model_validator(mode="after")
    def _closed_when_not_open(self) -> FindingIn:
        if self.closed_on is not None and self.status == "open":
            raise ValueError("an open finding has no closed_on date")
        return self


class AssessmentIn(_In):
    vendor: Str
    assessment_type: AssessmentType
    scope: Str
    started_on: date
    ended_on: date
    report_file: str = ""
    findings: list[FindingIn] = []

    kind: Literal[RecordKind.ASSESSMENT] = RecordKind.ASSESSMENT

    @model_validator(mode="after")
    def _dates(self) -> AssessmentIn:
        if self.ended_on < self.started_on:
            raise ValueError("ended_on is before started_on")
        ids = [f.id for f in self.findings]
        if len(ids) != len(set(ids)):
            raise ValueError("finding ids repeat within one assessment")
        return self

    @property
    def occurred_on(self) -> date:
        return self.ended_on


class AttestationIn(_In):
    control_ids: list[Str] = Field(min_length=1)
    statement: Str
    owner: Str
    evidence_file: str = ""
    reviewed_on: date
    expires_on: date

    kind: Literal[RecordKind.ATTESTATION] = RecordKind.ATTESTATION

    @model_validator(mode="after")
    def _expires_after_review(self) -> AttestationIn:
        if self.expires_on <= self.reviewed_on:
            raise ValueError("expires_on must be after reviewed_on")
        return self

    @property
    def occurred_on(self) -> date:
        return self.reviewed_on


class EvidenceIn(_In):
    file: Str
    title: Str
    doc_type: DocType
    dated_on: date

    kind: Literal[RecordKind.EVIDENCE_FILE] = RecordKind.EVIDENCE_FILE

    @property
    def occurred_on(self) -> date:
        return self.dated_on


RecordIn = DrillIn | AssessmentIn | AttestationIn | EvidenceIn


def validate(model: type[RecordIn], fields: dict[str, object], source: str) -> RecordIn:
    """Validate one record given on the command line; the first problem as a one-line InputError."""
    from pydantic import ValidationError

    from checksheet.errors import InputError

    try:
        return model.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or source
        raise InputError(f"{source}: {where}: {first['msg']}", ja=f"{source}: {where}: {first['msg']}") from err
