"""A validated copy of the embedded catalog in the user's cache folder, read without YAML or pydantic.

Parsing 18 YAML files and validating them with the schema costs more than most commands' own work
(0.15 s, pydantic included). The copy is keyed by checksheet's version and each data file's name,
size and modification time, so an edited or upgraded catalog is validated again. A copy that cannot
be read is ignored and one that cannot be written is skipped: the catalog itself never depends on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checksheet import __version__
from checksheet.config import keep_in_cache, read_cache, user_cache_dir
from checksheet.model import Control, ControlState, Domain, Evidence, Mappings, RecordKind, Text


def cache_file(files: Sequence[Path], folder: Path | None = None) -> Path | None:
    """Where the validated copy of these data files is kept; None when a file cannot be examined."""
    try:
        stats = [(f.name, f.stat()) for f in files]
    except OSError:
        return None
    identity = [__version__, *[(name, st.st_size, st.st_mtime_ns) for name, st in stats]]
    digest = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]
    return (folder or user_cache_dir()) / f"catalog-{digest}.json"


def _text(t: Text) -> list[str]:
    return [t.ja, t.en]


def _control(c: Control) -> dict[str, Any]:
    return {
        "id": c.id, "domain": c.domain, "title": _text(c.title), "requirement": _text(c.requirement),
        "rationale": _text(c.rationale), "questions_ja": c.questions_ja, "questions_en": c.questions_en,
        "keywords_ja": c.keywords_ja, "keywords_en": c.keywords_en,
        "mappings": [c.mappings.iso27001, c.mappings.soc2, c.mappings.cis_aws, c.mappings.other],
        "evidence": [c.evidence.checks, [r.value for r in c.evidence.records], c.evidence.attestation],
        "answers": {state.value: _text(text) for state, text in c.answers.items()},
    }


def _from_control(d: dict[str, Any]) -> Control:
    checks, records, attestation = d["evidence"]
    return Control(
        id=d["id"], domain=d["domain"], title=Text(*d["title"]), requirement=Text(*d["requirement"]),
        rationale=Text(*d["rationale"]), questions_ja=tuple(d["questions_ja"]), questions_en=tuple(d["questions_en"]),
        keywords_ja=tuple(d["keywords_ja"]), keywords_en=tuple(d["keywords_en"]),
        mappings=Mappings(*(tuple(m) for m in d["mappings"])),
        evidence=Evidence(tuple(checks), tuple(RecordKind(r) for r in records), bool(attestation)),
        answers={ControlState(k): Text(*v) for k, v in d["answers"].items()},
    )


def read(file: Path | None) -> tuple[Domain, ...] | None:
    data = None if file is None else read_cache(file)
    if data is None:
        return None
    try:
        raw = json.loads(data)
        return tuple(
            Domain(d["id"], Text(*d["title"]), tuple(_from_control(c) for c in d["controls"])) for d in raw
        )
    except (ValueError, KeyError, TypeError):
        return None  # absent, half-written or from another layout: validated again


def write(file: Path | None, domains: Sequence[Domain]) -> None:
    if file is None:
        return
    document = [{"id": d.id, "title": _text(d.title), "controls": [_control(c) for c in d.controls]}
                for d in domains]
    keep_in_cache(file, json.dumps(document, ensure_ascii=False))
