"""os-release, lsblk, packet filter rulesets, time sources and log forwarding settings. Pure."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from typing import Any

AUDIT_LOG_DIR = "/var/log/audit"


def parse_os_release(text: str) -> dict[str, str]:
    """os-release(5): KEY=value with shell quoting; keys lower-cased."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, raw = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip().lower()] = parts[0] if parts else ""
    return values


def parse_lsblk(output: str) -> list[dict[str, Any]]:
    """Mounted filesystems from `lsblk -J`, each with whether a dm-crypt layer sits beneath it."""
    try:
        tree = json.loads(output)
    except json.JSONDecodeError:
        return []
    if not isinstance(tree, dict) or not isinstance(tree.get("blockdevices"), list):
        return []
    mounts: list[dict[str, Any]] = []

    def walk(device: Any, encrypted: bool, model: str) -> None:
        if not isinstance(device, dict):
            return
        encrypted = encrypted or device.get("type") == "crypt"
        model = str(device.get("model") or model or "").strip()
        mountpoint = device.get("mountpoint")
        if mountpoint:
            mounts.append({"device": device.get("name"), "type": device.get("type"), "fstype": device.get("fstype"),
                           "mountpoint": mountpoint, "encrypted": encrypted, "model": model})
        children = device.get("children")
        for child in children if isinstance(children, list) else ():
            walk(child, encrypted, model)

    for device in tree["blockdevices"]:
        if isinstance(device, dict) and device.get("type") not in ("rom", "loop") and not str(
                device.get("name", "")).startswith("zram"):
            walk(device, False, "")
    return mounts


def nft_summary(output: str) -> dict[str, int]:
    """Counts of chains with a hook, of those whose policy drops, and of rules in `nft list ruleset`."""
    base = drop = rules = 0
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("type ") and " hook " in text:
            base += 1
            drop += "policy drop" in text
        elif text and not text.startswith(("table ", "chain ", "}", "type ", "policy ", "set ", "map ",
                                            "elements", "flags ", "#", "counter ", "comment ")):
            rules += 1
    return {"base_chains": base, "drop_policies": drop, "rules": rules}


def iptables_summary(output: str) -> dict[str, int]:
    """Counts of appended rules and of built-in chains whose policy is DROP in `iptables-save`."""
    rules = sum(line.startswith("-A ") for line in output.splitlines())
    drop = len(re.findall(r"^:(INPUT|FORWARD) DROP", output, flags=re.M))
    return {"rules": rules, "drop_policies": drop}


def chrony_sources(texts: list[str]) -> list[str]:
    return [line.split()[1] for t in texts for line in t.splitlines()
            if line.split()[:1] in (["server"], ["pool"], ["peer"], ["refclock"]) and len(line.split()) > 1]


def ntp_sources(texts: list[str]) -> list[str]:
    return chrony_sources(texts)  # ntpd and ntpsec share the server/pool/peer syntax


def timesyncd_sources(texts: list[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.strip() in ("NTP", "FallbackNTP") and not line.lstrip().startswith("#"):
                found += value.split()
    return found


def rsyslog_targets(texts: list[str]) -> list[str]:
    """Remote targets of rsyslog: legacy `@host`/`@@host` actions and `omfwd` actions."""
    targets = []
    for text in texts:
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            legacy = re.search(r"\s@@?(\(\S*\))?([\w.\-:\[\]]+)", " " + line)
            if legacy and not line.startswith(("$", "module(", "input(")):
                targets.append(legacy.group(2))
            for target in re.findall(r'type\s*=\s*"omfwd"[^)]*?target\s*=\s*"([^"]+)"', line):
                targets.append(target)
            for target in re.findall(r'target\s*=\s*"([^"]+)"[^)]*?type\s*=\s*"omfwd"', line):
                targets.append(target)
    return targets


def ini_value(texts: list[str], key: str) -> str | None:
    """The last `key=value` of systemd-style ini files (journald.conf, journal-upload.conf)."""
    value = None
    for text in texts:
        for line in text.splitlines():
            name, sep, raw = line.strip().partition("=")
            if sep and name.strip() == key and not line.lstrip().startswith(("#", ";")):
                value = raw.strip()
    return value


def audisp_plugins(texts: Mapping[str, str]) -> list[dict[str, str]]:
    """Active audit dispatcher plugins (au-remote, syslog...) from plugins.d/*.conf."""
    plugins = []
    for path, text in texts.items():
        values = {k.strip().lower(): v.strip() for k, _, v in
                  (line.split("#", 1)[0].partition("=") for line in text.splitlines()) if k.strip()}
        if values.get("active", "").lower() == "yes":
            plugins.append({"file": path, "path": values.get("path", ""), "args": values.get("args", "")})
    return plugins


def mentions_audit_log(text: str) -> bool:
    """A collector configuration that tails the audit log (comments ignored)."""
    for line in text.splitlines():
        code = re.sub(r"(^|\s)(#|//).*$", "", line)
        if AUDIT_LOG_DIR in code:
            return True
    return False
