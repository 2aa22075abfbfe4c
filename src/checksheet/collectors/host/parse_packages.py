"""Package manager output and automatic-update settings (apt, dnf, yum). Pure."""

from __future__ import annotations

import configparser
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

_APT_LINE = re.compile(r"^(?P<name>[a-z0-9][a-z0-9+.\-]*)/(?P<suites>\S+)\s+(?P<version>\S+)\s+(?P<arch>\S+)"
                       r"\s+\[upgradable from: (?P<old>[^\]]+)\]")
_ADVISORY = re.compile(r"^(?P<id>[A-Z][A-Za-z0-9]*-[\w:.-]+)\s+(?P<kind>\S+)\s+(?P<package>\S+)")
_APT_FILE = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True, slots=True)
class PendingUpdate:
    package: str
    version: str
    security: bool


def parse_apt_upgradable(output: str) -> list[PendingUpdate]:
    """`apt list --upgradable`: security when one of the candidate's suites is a -security suite."""
    updates = []
    for line in output.splitlines():
        found = _APT_LINE.match(line.strip())
        if found:
            suites = found.group("suites").split(",")
            security = any(s.endswith("-security") or s == "security" for s in suites)
            updates.append(PendingUpdate(found.group("name"), found.group("version"), security))
    return updates


def parse_updateinfo(output: str) -> list[PendingUpdate]:
    """`dnf updateinfo list --security` / `yum updateinfo list security`: one advisory and package per line."""
    updates: dict[str, PendingUpdate] = {}
    for line in output.splitlines():
        found = _ADVISORY.match(line.strip())
        if found:  # the query asked for security advisories only
            package = found.group("package")
            updates[package] = PendingUpdate(package, "", True)
    return list(updates.values())


def _apt_conf_files(files: Mapping[str, str]) -> list[str]:
    """Files apt reads from apt.conf.d, in its order: names without extension or ending in .conf."""
    names = []
    for path in sorted(p for p in files if p.startswith("/etc/apt/apt.conf.d/")):
        name = posixpath.basename(path)
        if _APT_FILE.match(name) and ("." not in name or name.endswith(".conf")):
            names.append(path)
    return names


def _strip_apt_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"(^|\s)(//|#).*$", "", line) for line in text.splitlines())


def apt_periodic(files: Mapping[str, str]) -> dict[str, str]:
    """APT::Periodic::* values as apt resolves them (the last file read wins)."""
    values: dict[str, str] = {}
    for path in _apt_conf_files(files):
        for key, value in re.findall(r'APT::Periodic::([\w-]+)\s+"([^"]*)"', _strip_apt_comments(files[path])):
            values[key] = value
    return values


def unattended_security_origins(files: Mapping[str, str]) -> list[str]:
    """Origins unattended-upgrades may install from that name a security archive."""
    origins = []
    for path in _apt_conf_files(files):
        text = _strip_apt_comments(files[path])
        for block in re.findall(r"Unattended-Upgrade::(?:Origins-Pattern|Allowed-Origins)\s*\{(.*?)\}\s*;",
                                text, flags=re.S):
            origins += [o for o in re.findall(r'"([^"]*)"', block) if "security" in o.lower()]
    return origins


def ini_commands(text: str | None) -> dict[str, str]:
    """The [commands] section of dnf-automatic's automatic.conf or yum-cron.conf."""
    if not text:
        return {}
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    return {k.lower(): v.strip() for k, v in parser["commands"].items()} if parser.has_section("commands") else {}
