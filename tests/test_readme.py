"""README.md is the manual: its CLI reference must be what --help really prints."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "tools" / "cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_in_readme_matches_help() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _tool().with_reference(readme) == readme, (
        "README.md's CLI reference is out of date: run .venv/bin/python tools/cli_reference.py --write"
    )


def test_readme_names_the_two_setup_commands_that_the_makefile_has() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}:" in makefile
