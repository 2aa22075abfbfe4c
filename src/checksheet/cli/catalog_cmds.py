"""`checksheet controls`: browse the controls catalog."""

from __future__ import annotations

from typing import Any

import typer

from checksheet.cli import context
from checksheet.cli.output import Format, LangChoice, console, headings, print_json, table
from checksheet.errors import UsageError
from checksheet.model import Control, Lang

controls_app = typer.Typer(
    help="Browse the controls catalog (ja/en, mapped to ISO 27001, SOC 2, CIS AWS).",
    invoke_without_command=True,
)


def control_json(c: Control, lang: Lang | None = None) -> dict[str, Any]:
    def text(t: Any) -> Any:
        return t.get(lang) if lang else {"ja": t.ja, "en": t.en}

    return {
        "id": c.id,
        "domain": c.domain,
        "title": text(c.title),
        "requirement": text(c.requirement),
        "rationale": text(c.rationale),
        "questions": {"ja": list(c.questions_ja), "en": list(c.questions_en)},
        "keywords": {"ja": list(c.keywords_ja), "en": list(c.keywords_en)},
        "mappings": {
            "iso27001": list(c.mappings.iso27001),
            "soc2": list(c.mappings.soc2),
            "cis_aws": list(c.mappings.cis_aws),
            "other": list(c.mappings.other),
        },
        "evidence": {
            "checks": list(c.evidence.checks),
            "records": [r.value for r in c.evidence.records],
            "attestation": c.evidence.attestation,
        },
    }


@controls_app.callback()
def controls(
    ctx: typer.Context,
    lang: LangChoice | None = typer.Option(None, "--lang", help="ja or en (default: the project's lang)."),
    domain: str | None = typer.Option(None, "--domain", help="Only this domain, e.g. NET or LOG."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """List the controls; `controls show ID` prints one in full."""
    from checksheet import catalog

    if ctx.invoked_subcommand is not None:
        return
    out_lang = context.lang(lang)
    selected = [c for c in catalog.catalog().values() if domain is None or c.domain == domain.upper()]
    if domain and not selected:
        known = ", ".join(d.id for d in catalog.domains())
        raise UsageError(
            f"unknown domain {domain!r}; known: {known}", ja=f"ドメイン {domain!r} はありません。候補: {known}"
        )
    if format is Format.JSON:
        print_json([control_json(c, lang.value if lang else None) for c in selected])
        return
    t = table(*headings(out_lang, "ID", "domain", "title", "ISO 27001"))
    for c in selected:
        t.add_row(c.id, c.domain, c.title.get(out_lang), ", ".join(c.mappings.iso27001))
    console.print(t)


@controls_app.command("show")
def show(
    control_id: str = typer.Argument(..., help="A control id such as NET-01."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="ja or en (default: the project's lang)."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Print one control: requirement, questions it answers, mappings, evidence."""
    from checksheet import catalog

    found = catalog.catalog().get(control_id.upper())
    if found is None:
        raise UsageError(f"unknown control {control_id!r}", ja=f"コントロール {control_id!r} はありません")
    out_lang = context.lang(lang)
    if format is Format.JSON:
        print_json(control_json(found, lang.value if lang else None))
        return
    ja = out_lang == "ja"
    console.print(f"[bold]{found.id}[/] {found.title.get(out_lang)}", markup=True)
    rows = [
        ("要件" if ja else "Requirement", found.requirement.get(out_lang)),
        ("理由" if ja else "Rationale", found.rationale.get(out_lang)),
        ("質問例" if ja else "Questions", "\n".join(found.questions_ja if ja else found.questions_en)),
        ("ISO/IEC 27001:2022", ", ".join(found.mappings.iso27001)),
        ("SOC 2", ", ".join(found.mappings.soc2) or "-"),
        ("CIS AWS v3", ", ".join(found.mappings.cis_aws) or "-"),
        ("チェック" if ja else "Checks", ", ".join(found.evidence.checks) or "-"),
        ("記録" if ja else "Records", ", ".join(r.value for r in found.evidence.records) or "-"),
    ]
    t = table("", "")
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(controls_app, name="controls")
