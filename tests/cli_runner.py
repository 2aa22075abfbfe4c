"""Run the real CLI entry point in-process and capture stdout, stderr and the exit code."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from checksheet.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
