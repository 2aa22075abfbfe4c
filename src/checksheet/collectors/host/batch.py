"""Several declared commands in one round trip, and the per-command fallback.

Over SSH every command costs a remote login shell start-up (often more than the command
itself), so the SSH transport sends the declared command lines of a host as one string:
`LINE1; echo "MARKER exit ID1 $?"; LINE2; echo "MARKER exit ID2 $?"...`. Each line is
exactly the declared one (with `sudo -n` in front where allowed), so allow-lists still match.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from checksheet.collectors.host.commands import MARKER, Command


@dataclass(frozen=True, slots=True)
class Result:
    """What a command did. `error` is set when it could not run or did not finish (a fault)."""

    stdout: str
    rc: int
    error: str | None = None


_EXIT = f"{MARKER} exit "
#: Commands run at once on one host by the per-command path, after the first has run alone.
PER_HOST_PARALLEL = 4


def batch_line(commands: Sequence[Command], sudo: bool) -> str:
    parts = []
    for c in commands:
        line = ("sudo -n " if sudo and c.needs_sudo else "") + c.command_line
        parts.append(f'{line}; echo "{_EXIT}{c.id} $?"')
    return "; ".join(parts)


def split_batch(stdout: str, commands: Sequence[Command], stderr: str = "") -> dict[str, Result]:
    """Each command's output and exit code; a command whose exit line never came did not finish."""
    results: dict[str, Result] = {}
    current: list[str] = []
    for line in stdout.split("\n"):
        if line.startswith(_EXIT):
            command_id, _, rc_text = line[len(_EXIT):].partition(" ")
            rc = int(rc_text) if rc_text.isdigit() else -1
            error = None if rc == 0 else f"exit {rc}" + (f": {stderr}" if stderr else "")
            results[command_id] = Result("\n".join(current) + "\n", rc, error)
            current = []
        else:
            current.append(line)
    for c in commands:
        results.setdefault(c.id, Result("", -1, "no answer: the batch stopped before this command"))
    return results


def run_each(run: Callable[[Command], Result], commands: Sequence[Command]) -> dict[str, Result]:
    """One call per command: the first alone (it may open a connection), then a few at a time."""
    first, rest = commands[0], commands[1:]
    results = {first.id: run(first)}
    head = results[first.id]
    if head.error and (head.rc == 255 or "timed out" in head.error):  # unreachable: do not try again and again
        return results | {c.id: head for c in rest}
    with ThreadPoolExecutor(max_workers=PER_HOST_PARALLEL) as pool:
        for command, outcome in zip(rest, pool.map(run, rest), strict=True):
            results[command.id] = outcome
    return results
