"""sshd_config as sshd reads it: first value wins, Include in place (globs, relative to /etc/ssh), Match blocks.

Pure. `files` maps the paths that were read to their content; an Include that names files
outside what was read is reported as unresolved rather than guessed.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

MAIN = "/etc/ssh/sshd_config"
READ_DIR = "/etc/ssh/sshd_config.d"
#: Keywords whose values add up instead of the first one winning.
CUMULATIVE = frozenset({"allowusers", "denyusers", "allowgroups", "denygroups", "include"})
MAX_DEPTH = 16  # sshd's own limit on nested includes


@dataclass(frozen=True, slots=True)
class MatchBlock:
    criteria: str
    settings: dict[str, str]


@dataclass(slots=True)
class SshdConfig:
    settings: dict[str, str] = field(default_factory=dict)  # lower-case keyword -> first value
    lists: dict[str, list[str]] = field(default_factory=dict)  # AllowUsers & co., accumulated
    matches: list[MatchBlock] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # in the order sshd reads them
    unresolved_includes: list[str] = field(default_factory=list)


_LINE = re.compile(r"([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*)")


def _split(line: str) -> tuple[str, str] | None:
    """`Keyword value`, `Keyword=value` or `Keyword = value`; None for blanks and comments."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    found = _LINE.fullmatch(line)
    if found is None:
        return None
    return found.group(1).lower(), found.group(2).strip().strip('"')


def _expand(pattern: str, files: Mapping[str, str]) -> list[str]:
    path = pattern if pattern.startswith("/") else posixpath.join("/etc/ssh", pattern)
    return sorted(p for p in files if fnmatch.fnmatchcase(p, path))


def parse_sshd_config(files: Mapping[str, str], main: str = MAIN) -> SshdConfig:
    config = SshdConfig()
    match: dict[str, str] | None = None

    def feed(path: str, depth: int) -> None:
        nonlocal match
        config.files.append(path)
        for line in files[path].splitlines():
            parsed = _split(line)
            if parsed is None:
                continue
            key, value = parsed
            if key == "include":
                try:
                    patterns = shlex.split(value)
                except ValueError:  # unbalanced quotes: sshd would refuse the file; read the words
                    patterns = value.split()
                for pattern in patterns:
                    found = _expand(pattern, files)
                    outside = posixpath.dirname(pattern if pattern.startswith("/") else "/etc/ssh/" + pattern)
                    if not found and outside != READ_DIR:
                        config.unresolved_includes.append(pattern)
                    for included in found:
                        if depth < MAX_DEPTH:
                            feed(included, depth + 1)
                continue
            if key == "match":
                if value.lower() == "all":
                    match = None
                else:
                    match = {}
                    config.matches.append(MatchBlock(value, match))
                continue
            target = config.settings if match is None else match
            if key in CUMULATIVE and match is None:
                config.lists.setdefault(key, []).extend(value.split())
            else:
                target.setdefault(key, value)
        match = None  # a Match block ends with the file that opened it

    if main in files:
        feed(main, 0)
    return config
