"""How the CLI prints: JSON alone on stdout, tables and messages through rich."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from checksheet.model import ControlState, Lang, Text

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


class LangChoice(StrEnum):
    JA = "ja"
    EN = "en"


#: Column headings shared by the tables of several commands.
HEADINGS: dict[str, Text] = {
    "domain": Text("ドメイン", "Domain"),
    "title": Text("タイトル", "Title"),
    "state": Text("状態", "State"),
    "evidence": Text("根拠", "Evidence"),
}


def headings(lang: Lang, *names: str) -> list[str]:
    return [HEADINGS[n].get(lang) if n in HEADINGS else n for n in names]


def print_json(document: Any) -> None:
    """One JSON document on stdout and nothing else there."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")
    sys.stdout.flush()


def table(*columns: str, title: str | None = None) -> Table:
    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    return t


STATE_LABELS: dict[ControlState, Text] = {
    ControlState.MET: Text("適合", "met"),
    ControlState.PARTIAL: Text("一部適合", "partial"),
    ControlState.NOT_MET: Text("不適合", "not met"),
    ControlState.NEEDS_EVIDENCE: Text("証跡不足", "needs evidence"),
    ControlState.STALE: Text("証跡が古い", "stale evidence"),
}
STATE_STYLES: dict[ControlState, str] = {
    ControlState.MET: "green",
    ControlState.PARTIAL: "yellow",
    ControlState.NOT_MET: "red",
    ControlState.NEEDS_EVIDENCE: "magenta",
    ControlState.STALE: "yellow",
}


def state_label(state: ControlState, lang: Lang) -> str:
    return f"[{STATE_STYLES[state]}]{STATE_LABELS[state].get(lang)}[/]"


def say(text: Text, lang: Lang, **values: Any) -> None:
    """A status line for a person, on stderr so that stdout stays machine-readable."""
    err_console.print(text.get(lang).format(**values))
