"""Linux host evidence: the declared read-only commands (commands.py), run locally, over SSH or through
SSM (transport.py, ssm.py), parsed by pure parsers (parse_*.py) into the resource types of
docs/host-resources.md (areas.py), for many hosts at once (scan.py).
"""

from __future__ import annotations

from pathlib import Path

from checksheet.collectors.host.commands import COMMANDS, Command
from checksheet.collectors.host.scan import HostResult, collect_host, collect_hosts
from checksheet.collectors.host.targets import Target, check_unique, load_inventory
from checksheet.collectors.host.transport import (
    LocalTransport,
    SshControlDir,
    SshOptions,
    SshTransport,
    Transport,
)


def transport_for(target: Target, *, timeout: float, ssh: SshOptions, control: SshControlDir,
                  root: Path | None = None, profile: str | None = None) -> Transport:
    if target.transport == "ssh":
        options = SshOptions(timeout=timeout, config_file=ssh.config_file, sudo=ssh.sudo or target.sudo)
        return SshTransport(target.address, options, control, host=target.name)
    if target.transport == "ssm":
        from checksheet.collectors.host.ssm import SsmTransport  # boto3 only when SSM is asked for

        return SsmTransport(target.address, region=target.region, profile=profile, timeout=timeout, host=target.name)
    return LocalTransport(target.name or None, root=root, sudo=target.sudo or ssh.sudo, timeout=timeout)


__all__ = [
    "COMMANDS", "Command", "HostResult", "LocalTransport", "SshControlDir", "SshOptions", "SshTransport",
    "Target", "Transport", "check_unique", "collect_host", "collect_hosts", "load_inventory", "transport_for",
]
