"""sudoers(5): user specifications, NOPASSWD tags, aliases, Defaults, and @include/@includedir. Pure.

Enough of the grammar to answer two questions an auditor asks: who may run commands
without a password, and who may become root with any command.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAIN = "/etc/sudoers"
_TAGS = re.compile(r"^((?:[A-Z_]+:\s*)+)")
_ALIAS = re.compile(r"^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$")
_INCLUDE = re.compile(r"^[@#](include|includedir)\s+(.+)$")


@dataclass(frozen=True, slots=True)
class SudoRule:
    users: tuple[str, ...]
    runas: str  # as written, without parentheses; "" means root
    command: str
    nopasswd: bool
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"users": list(self.users), "runas": self.runas, "command": self.command,
                "nopasswd": self.nopasswd, "source": self.source}


@dataclass(slots=True)
class Sudoers:
    rules: list[SudoRule] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)  # alias name -> members
    no_authenticate: list[str] = field(default_factory=list)  # Defaults lines with !authenticate
    files: list[str] = field(default_factory=list)
    unresolved_includes: list[str] = field(default_factory=list)

    def expand(self, items: tuple[str, ...] | list[str]) -> set[str]:
        """Members with aliases resolved (one level deeper per alias, cycles ignored)."""
        out: set[str] = set()
        todo = list(items)
        seen: set[str] = set()
        while todo:
            item = todo.pop().lstrip("!")
            if item in self.aliases and item not in seen:
                seen.add(item)
                todo += self.aliases[item]
            else:
                out.add(item)
        return out

    def root_equivalent(self, rule: SudoRule) -> bool:
        """Any command as root: ALL commands, run as ALL or root (the default)."""
        runas_users = self.expand(rule.runas.split(":", 1)[0].split(",")) if rule.runas else {"root"}
        return "ALL" in self.expand([rule.command]) and bool(runas_users & {"ALL", "root", "#0"})


def _logical_lines(text: str) -> list[str]:
    """Join backslash continuations and drop comments (but keep #include, #includedir and #uid)."""
    joined: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            buffer += raw.rstrip()[:-1] + " "
            continue
        line = (buffer + raw).strip()
        buffer = ""
        if not _INCLUDE.match(line):
            line = re.sub(r"(^|\s)#(?!\d).*$", "", line).strip()
        if line:
            joined.append(line)
    return joined


def _split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _user_spec(line: str, source: str) -> list[SudoRule]:
    left, sep, right = line.partition("=")
    if not sep:
        return []
    words = re.sub(r"\s*,\s*", ",", left.strip()).split()
    if len(words) < 2:
        return []
    users = tuple(u for w in words[:-1] for u in w.split(",") if u)
    rules = []
    runas, nopasswd = "", False
    # Further `: host = cmnds` groups are rare; read only the commands of the first.
    for item in _split_top(right.split(" : ")[0], ","):
        if item.startswith("("):
            close = item.find(")")
            runas, item = item[1:close].strip(), item[close + 1:].strip()
        tags = _TAGS.match(item)
        if tags:
            names = [t.strip() for t in tags.group(1).split(":") if t.strip()]
            if "NOPASSWD" in names:
                nopasswd = True
            if "PASSWD" in names:
                nopasswd = False
            item = item[tags.end():].strip()
        rules.append(SudoRule(users, runas, item, nopasswd, source))
    return rules


def _included(pattern: str, directive: str, including: str, files: Mapping[str, str]) -> list[str]:
    path = pattern.strip('"') if pattern.startswith("/") else posixpath.join(posixpath.dirname(including), pattern)
    if directive == "include":
        return [path] if path in files else []
    prefix = path.rstrip("/") + "/"
    names = sorted(p for p in files if p.startswith(prefix) and "/" not in p[len(prefix):])
    # sudo skips files whose name ends in ~ or contains a dot (editor backups, package leftovers).
    return [p for p in names if not (p.endswith("~") or "." in posixpath.basename(p))]


def parse_sudoers(files: Mapping[str, str], main: str = MAIN) -> Sudoers:
    policy = Sudoers()

    def feed(path: str, depth: int) -> None:
        policy.files.append(path)
        for line in _logical_lines(files[path]):
            include = _INCLUDE.match(line)
            if include:
                directive, target = include.groups()
                found = _included(target.strip(), directive, path, files)
                if not found and not fnmatch.fnmatch(target.strip(), "/etc/sudoers.d*"):
                    policy.unresolved_includes.append(target.strip())
                for included in found:
                    if depth < 128 and included not in policy.files:
                        feed(included, depth + 1)
                continue
            alias = _ALIAS.match(line)
            if alias:
                for definition in alias.group(2).split(":"):
                    name, _, members = definition.partition("=")
                    policy.aliases[name.strip()] = _split_top(members, ",")
                continue
            if line.startswith("Defaults"):
                if re.search(r"!\s*authenticate\b", line):
                    policy.no_authenticate.append(line)
                continue
            policy.rules += _user_spec(line, path)

    if main in files:
        feed(main, 0)
    return policy
