"""/etc/passwd, /etc/shadow and /etc/group into accounts. Password hashes are read, classified and dropped. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOLOGIN_SHELLS = frozenset({"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync",
                            "/sbin/shutdown", "/sbin/halt", ""})


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    uid: int
    gid: int
    home: str
    shell: str
    interactive: bool  # a login shell, not nologin/false
    password: str  # set | empty | locked | none (no password login) | unknown (shadow not read)
    groups: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "uid": self.uid, "gid": self.gid, "home": self.home, "shell": self.shell,
                "interactive": self.interactive, "password": self.password, "groups": list(self.groups)}


def password_state(field: str) -> str:
    """What a passwd/shadow password field allows, without keeping it."""
    if field == "":
        return "empty"
    if field.startswith("!"):
        return "locked"
    if field in ("*", "x") or field.startswith("*"):
        return "none"
    return "set"


def _records(text: str, width: int) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", "+", "-")):  # NIS compat lines are not local accounts
            continue
        fields = line.split(":")
        if len(fields) >= width:
            rows.append(fields)
    return rows


def parse_accounts(passwd: str, shadow: str | None, group: str | None) -> list[Account]:
    """Accounts from passwd; with shadow the password state of each, else `unknown` (unless in passwd itself)."""
    shadow_fields = {f[0]: f[1] for f in _records(shadow or "", 2)}
    members: dict[str, list[str]] = {}
    primary: dict[int, str] = {}
    for g in _records(group or "", 4):
        if g[2].isdigit():
            primary[int(g[2])] = g[0]
        for user in filter(None, g[3].split(",")):
            members.setdefault(user.strip(), []).append(g[0])
    accounts = []
    for f in _records(passwd, 7):
        if not (f[2].isdigit() and f[3].isdigit()):
            continue
        name, field = f[0], f[1]
        if field != "x":
            state = password_state(field)  # a hash or an empty field right in passwd
        elif name in shadow_fields:
            state = password_state(shadow_fields[name])
        else:
            state = "unknown" if shadow is None else "none"
        gid = int(f[3])
        groups = tuple(dict.fromkeys(([primary[gid]] if gid in primary else []) + members.get(name, [])))
        shell = f[6].strip()
        accounts.append(Account(name, int(f[2]), gid, f[5], shell, shell not in NOLOGIN_SHELLS, state, groups))
    return accounts
