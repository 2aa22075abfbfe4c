"""auditd.conf and audit rules (auditctl syntax, as in audit.rules and rules.d/*.rules). Pure."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any


def parse_auditd_conf(text: str) -> dict[str, str]:
    """`key = value` lines; keys lower-case, values as written (actions lower-cased)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        key, sep, value = line.partition("=")
        if sep and key.strip():
            values[key.strip().lower()] = value.strip()
    return values


@dataclass(frozen=True, slots=True)
class AuditRule:
    kind: str  # watch | syscall | control
    action: str = ""  # always,exit ... for syscall rules; the flag for control rules (-e, -D, -b...)
    path: str = ""  # -w PATH, or -F path= / -F dir=
    perms: str = ""  # -p rwxa, or -F perm=
    syscalls: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # -F and -C expressions as written
    key: str = ""
    value: str = ""  # argument of a control rule (-e 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "action": self.action, "path": self.path, "perms": self.perms,
            "syscalls": list(self.syscalls), "fields": list(self.fields), "key": self.key, "value": self.value,
        }


def _field_value(expr: str, name: str) -> str | None:
    key, sep, value = expr.partition("=")
    return value if sep and key == name else None


def parse_rule(line: str) -> AuditRule | None:
    """One auditctl rule line; None for blank lines, comments and lines that are not rules."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return None
    if not tokens:
        return None
    flag = tokens[0]
    args = tokens[1:]
    if flag == "-w":
        path, perms, key = (args[0] if args else ""), "", ""
        for opt, val in zip(args[1::2], args[2::2], strict=False):
            if opt == "-p":
                perms = val
            elif opt == "-k":
                key = val
        return AuditRule("watch", path=path, perms=perms, key=key)
    if flag in ("-a", "-A"):
        action = args[0] if args else ""
        syscalls: list[str] = []
        fields: list[str] = []
        key = path = perms = ""
        for opt, val in zip(args[1::2], args[2::2], strict=False):
            if opt == "-S":
                syscalls += [s for s in val.split(",") if s]
            elif opt in ("-F", "-C"):
                fields.append(val)
                path = _field_value(val, "path") or _field_value(val, "dir") or path
                perms = _field_value(val, "perm") or perms
                key = _field_value(val, "key") or key
            elif opt == "-k":
                key = val
        return AuditRule("syscall", action=action, path=path, perms=perms, syscalls=tuple(syscalls),
                         fields=tuple(fields), key=key)
    if flag.startswith("-") and flag not in ("-W", "-d"):
        return AuditRule("control", action=flag, value=args[0] if args else "")
    return None


def parse_rules(text: str) -> list[AuditRule]:
    return [r for r in (parse_rule(line) for line in text.splitlines()) if r is not None]


def enabled_flag(rules: list[AuditRule]) -> int | None:
    """The last `-e` value: 0 off, 1 on, 2 on and locked (immutable until reboot)."""
    value = None
    for rule in rules:
        if rule.kind == "control" and rule.action == "-e" and rule.value.isdigit():
            value = int(rule.value)
    return value
