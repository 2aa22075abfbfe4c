"""Parse the framed output of a declared command (see `commands.py`) into files, stats and probe results.

Pure: text in, frozen values out. A path that cannot be seen because a parent directory is
unreadable counts as `denied`, never as `missing`, so a permission problem cannot pass for
"not installed".
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from checksheet.collectors.host.commands import MARKER


class State(StrEnum):
    OK = "ok"
    MISSING = "missing"
    DENIED = "denied"
    OTHER = "other"  # exists but is not a regular file


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    state: State
    content: str | None = None
    mode: int | None = None  # permission bits, from Stat specs
    uid: int | None = None
    gid: int | None = None
    mtime: int | None = None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    name: str
    present: bool  # the probed binary was on PATH
    rc: int | None = None
    output: str = ""


@dataclass(frozen=True, slots=True)
class Bundle:
    files: dict[str, Entry] = field(default_factory=dict)
    stats: dict[str, Entry] = field(default_factory=dict)
    dirs: dict[str, State] = field(default_factory=dict)
    procs: tuple[str, ...] = ()
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    complete: bool = False  # the closing marker was seen (output not cut short)

    def _hidden(self, path: str) -> bool:
        parent = posixpath.dirname(path)
        while parent and parent != "/":
            if self.dirs.get(parent) is State.DENIED:
                return True
            parent = posixpath.dirname(parent)
        return False

    def file(self, path: str) -> Entry:
        entry = self.files.get(path) or self.stats.get(path)
        if entry is None or entry.state is State.MISSING:
            return Entry(path, State.DENIED if self._hidden(path) else State.MISSING)
        return entry

    def text(self, path: str) -> str | None:
        """The content of a file read in full, or None when it does not exist."""
        return self.file(path).content

    def exists(self, path: str) -> bool:
        return self.file(path).state in (State.OK, State.OTHER)

    def matching(self, prefix: str, suffix: str = "") -> Iterator[Entry]:
        """Entries found by a glob under `prefix`, in name order (the order tools read them in)."""
        seen = {**self.stats, **self.files}
        for path in sorted(seen):
            if path.startswith(prefix) and path.endswith(suffix) and seen[path].state is State.OK:
                yield seen[path]

    def denied(self) -> list[str]:
        """Paths that could not be read for lack of permission."""
        paths = [p for p, e in {**self.stats, **self.files}.items() if e.state is State.DENIED]
        return sorted(paths + [d for d, s in self.dirs.items() if s is State.DENIED])


def _stat_entry(path_and_fields: str) -> Entry | None:
    """`MODE UID GID MTIME PATH`; None for a line cut short or garbled."""
    fields = path_and_fields.split(" ", 4)
    if len(fields) != 5 or not all(f.isdigit() for f in fields[:4]):
        return None
    mode, uid, gid, mtime, path = fields
    return Entry(path, State.OK, mode=int(mode, 8), uid=int(uid), gid=int(gid), mtime=int(mtime))


def _body(lines: list[str], start: int, end_prefix: str) -> tuple[str, int, str]:
    """Lines from `start` up to the marker line starting with `end_prefix`; strip the newline echo added."""
    i = start
    while i < len(lines) and not lines[i].startswith(end_prefix):
        i += 1
    body = lines[start:i]
    if body and body[-1] == "":
        body = body[:-1]
    closing = lines[i] if i < len(lines) else ""
    return "\n".join(body) + ("\n" if body else ""), i + 1, closing


def parse_bundle(output: str) -> Bundle:
    """Read the marker-framed output of one command."""
    files: dict[str, Entry] = {}
    stats: dict[str, Entry] = {}
    dirs: dict[str, State] = {}
    procs: tuple[str, ...] = ()
    probes: dict[str, ProbeResult] = {}
    complete = False
    lines = output.split("\n")
    head = MARKER + " "
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith(head):
            continue
        kind, _, rest = line[len(head):].partition(" ")
        if kind == "file":
            content, i, _ = _body(lines, i, f"{MARKER} end")
            files[rest] = Entry(rest, State.OK, content=content)
        elif kind in ("missing", "denied", "other"):
            if not any(ch in rest for ch in "*?["):  # an unmatched glob prints itself
                files.setdefault(rest, Entry(rest, State(kind)))
        elif kind == "stat":
            entry = _stat_entry(rest)
            if entry is not None:
                stats[entry.path] = entry
        elif kind == "dir":
            state, _, path = rest.partition(" ")
            if state in ("ok", "denied", "missing"):
                dirs[path] = State(state)
        elif kind == "procs":
            body, i, _ = _body(lines, i, f"{MARKER} end")
            procs = tuple(p for p in body.splitlines() if p)
        elif kind == "run":
            body, i, closing = _body(lines, i, f"{MARKER} rc ")
            rc = closing.removeprefix(f"{MARKER} rc ")
            probes[rest] = ProbeResult(rest, True, int(rc) if rc.isdigit() else None, body)
        elif kind == "absent":
            probes[rest] = ProbeResult(rest, False)
        elif kind == "done":
            complete = True
    # A stat'ed path reported missing by the stat helper lands in files; keep stats authoritative.
    for path in stats:
        files.pop(path, None)
    return Bundle(files, stats, dirs, procs, probes, complete)
