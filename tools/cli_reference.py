"""Print (or --write into README.md) the CLI reference: every command's --help, in order.

A test keeps README.md identical to what this prints.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from checksheet.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- cli-reference:begin -->", "<!-- cli-reference:end -->"


def _walk(command: typer.core.TyperGroup | typer.core.TyperCommand, path: list[str]) -> Iterator[tuple[str, str]]:
    ctx = typer.Context(command, info_name=" ".join(path), terminal_width=100, max_content_width=100)
    yield " ".join(path), command.get_help(ctx)
    subcommands = getattr(command, "commands", {})
    for name in subcommands:
        yield from _walk(subcommands[name], [*path, name])


def reference() -> str:
    parts = []
    for name, text in _walk(typer.main.get_command(app), ["checksheet"]):
        parts.append(f"### `{name}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def with_reference(readme: str) -> str:
    block = f"{BEGIN}\n{reference()}{END}"
    return re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, readme, flags=re.S)


if __name__ == "__main__":
    if "--write" in sys.argv:
        README.write_text(with_reference(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(reference())
