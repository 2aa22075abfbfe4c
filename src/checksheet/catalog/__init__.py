"""The controls catalog: YAML data files, one per domain, loaded into frozen Controls.

The embedded catalog is validated once per version and edit; later loads read the validated copy
(catalog/validated.py) and need neither YAML nor pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from checksheet.catalog import validated
from checksheet.errors import CatalogError
from checksheet.model import Control, ControlState, Domain, Evidence, Mappings, Text

if TYPE_CHECKING:
    from checksheet.catalog.schema import ControlSchema, TextSchema

DATA = resources.files(__package__) / "data"
PENDING_FILE = "pending_checks.yaml"


def _text(schema: TextSchema) -> Text:
    return Text(ja=schema.ja, en=schema.en)


def _control(domain: str, c: ControlSchema) -> Control:
    return Control(
        id=c.id,
        domain=domain,
        title=_text(c.title),
        requirement=_text(c.requirement),
        rationale=_text(c.rationale),
        questions_ja=tuple(c.questions.ja),
        questions_en=tuple(c.questions.en),
        keywords_ja=tuple(c.keywords.ja),
        keywords_en=tuple(c.keywords.en),
        mappings=Mappings(
            iso27001=tuple(c.mappings.iso27001),
            soc2=tuple(c.mappings.soc2),
            cis_aws=tuple(c.mappings.cis_aws),
            other=tuple(c.mappings.other),
        ),
        evidence=Evidence(
            checks=tuple(c.evidence.checks),
            records=tuple(c.evidence.records),
            attestation=c.evidence.attestation,
        ),
        answers={ControlState(state): _text(text) for state, text in c.answers},
    )


def parse_domain(text: str, source: str) -> Domain:
    """Parse and validate one domain file; raise CatalogError naming the file and field."""
    import yaml
    from pydantic import ValidationError

    from checksheet.catalog.schema import DomainSchema

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, several times faster, when present
    try:
        raw = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader: C or pure-Python)
        schema = DomainSchema.model_validate(raw)
    except yaml.YAMLError as err:
        raise CatalogError(f"{source}: not valid YAML: {err}") from err
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"{source}: {where}: {first['msg']}") from err
    return Domain(
        id=schema.domain,
        title=_text(schema.title),
        controls=tuple(_control(schema.domain, c) for c in schema.controls),
    )


def load_domains(directory: Path | None = None) -> tuple[Domain, ...]:
    """Load every domain file; a duplicate control id anywhere is an error."""
    root = directory if directory is not None else DATA
    files = sorted(
        (f for f in root.iterdir() if f.name.endswith(".yaml") and f.name != PENDING_FILE),
        key=lambda f: f.name,
    )
    if not files:
        raise CatalogError(f"no catalog files in {root}")
    kept = validated.cache_file([Path(str(f)) for f in files]) if directory is None else None
    domains = validated.read(kept)
    if domains is not None:
        return domains
    domains = tuple(parse_domain(f.read_text(encoding="utf-8"), f.name) for f in files)
    seen: set[str] = set()
    for domain in domains:
        for control in domain.controls:
            if control.id in seen:
                raise CatalogError(f"duplicate control id {control.id}")
            seen.add(control.id)
    validated.write(kept, domains)
    return domains


@cache
def catalog() -> Mapping[str, Control]:
    """The embedded catalog, by control id, in file order."""
    return {c.id: c for d in domains() for c in d.controls}


@cache
def domains() -> tuple[Domain, ...]:
    return load_domains()


def pending_checks() -> Mapping[str, str]:
    """Check ids the catalog may refer to before they are implemented."""
    import yaml

    raw = yaml.safe_load((DATA / PENDING_FILE).read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in raw.items()}
