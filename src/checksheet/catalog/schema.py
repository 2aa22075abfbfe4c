"""Pydantic schema for the catalog's YAML files: the parse boundary for control data.

Unknown keys are errors, so a typo in a data file cannot silently drop evidence.
"""

from __future__ import annotations

import re
import string
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checksheet.model import RecordKind

CONTROL_ID = re.compile(r"^[A-Z]{2,6}-\d{2}$")
ISO_ANNEX_A = re.compile(r"^A\.([5-8])\.(\d{1,2})$")
#: Number of controls in each theme of ISO/IEC 27001:2022 Annex A.
ANNEX_A_SIZES = {"5": 37, "6": 8, "7": 14, "8": 34}
#: Placeholders an answer template may use; evaluate/answer fill them.
PLACEHOLDERS = frozenset({"summary", "date", "passed", "failed", "total"})

NonEmpty = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _is_annex_a(ref: str) -> bool:
    match = ISO_ANNEX_A.match(ref)
    return match is not None and 1 <= int(match.group(2)) <= ANNEX_A_SIZES[match.group(1)]


class TextSchema(Strict):
    ja: NonEmpty
    en: NonEmpty


class PhrasesSchema(Strict):
    ja: list[NonEmpty]
    en: list[NonEmpty]


class MappingsSchema(Strict):
    iso27001: list[str] = Field(min_length=1)
    soc2: list[str] = []
    cis_aws: list[str] = []
    other: list[str] = []

    @field_validator("iso27001")
    @classmethod
    def _annex_a(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _is_annex_a(v)]
        if bad:
            raise ValueError(f"not an ISO/IEC 27001:2022 Annex A control: {', '.join(bad)}")
        return value


class EvidenceSchema(Strict):
    checks: list[str] = []
    records: list[RecordKind] = []
    attestation: bool = False

    @model_validator(mode="after")
    def _some_evidence(self) -> EvidenceSchema:
        if not (self.checks or self.records or self.attestation):
            raise ValueError("a control needs checks, records or attestation as evidence")
        return self


class AnswersSchema(Strict):
    met: TextSchema
    partial: TextSchema
    not_met: TextSchema
    needs_evidence: TextSchema

    @model_validator(mode="after")
    def _known_placeholders(self) -> AnswersSchema:
        for state, text in self:
            for lang in ("ja", "en"):
                names = {f for _, f, _, _ in string.Formatter().parse(getattr(text, lang)) if f}
                unknown = names - PLACEHOLDERS
                if unknown:
                    raise ValueError(f"{state}.{lang}: unknown placeholder {sorted(unknown)}")
        return self


class ControlSchema(Strict):
    id: str
    title: TextSchema
    requirement: TextSchema
    rationale: TextSchema
    questions: PhrasesSchema
    keywords: PhrasesSchema
    mappings: MappingsSchema
    evidence: EvidenceSchema
    answers: AnswersSchema

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not CONTROL_ID.match(value):
            raise ValueError(f"control id {value!r} must look like NET-01")
        return value

    @field_validator("questions")
    @classmethod
    def _four_questions(cls, value: PhrasesSchema) -> PhrasesSchema:
        if len(value.ja) < 4 or len(value.en) < 4:
            raise ValueError("at least 4 question phrasings in ja and 4 in en")
        return value


class DomainSchema(Strict):
    domain: str = Field(pattern=r"^[A-Z]{2,6}$")
    title: TextSchema
    controls: list[ControlSchema] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_in_domain(self) -> DomainSchema:
        for control in self.controls:
            if not control.id.startswith(self.domain + "-"):
                raise ValueError(f"{control.id} is not in domain {self.domain}")
        return self
