"""Cost of host scans over SSH: 50 hosts, concurrently and one after another.

    PYTHONPATH=src:. .venv/bin/python bench/hosts.py [--hosts 50] [--concurrency 10] [--skip-sequential]

Starts a real sshd on 127.0.0.1 with throwaway keys (tests/collectors/host/sshd.py) and scans
it through N distinct Host aliases, so every "host" has its own SSH connection and runs every
declared command (in one round trip; `--per-command` also measures one round trip per
command). Prints the wall time, the per-host cost (wall / hosts), the spread of one host's
scan time, and the floor of one round trip: sshd's session plus the remote login shell's
start-up. Needs root (the scan logs in as root by key).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.collectors.host.sshd import ensure_sshd, local_sshd

from checksheet.collectors.host import COMMANDS, Command, SshControlDir, SshOptions, SshTransport, collect_hosts
from checksheet.collectors.host.batch import Result, run_each
from checksheet.collectors.host.scan import HostResult


class PerCommandSsh(SshTransport):
    """The same transport with one round trip per declared command (what batching saves)."""

    def run_batch(self, commands: Sequence[Command]) -> dict[str, Result]:
        return run_each(self.run, commands)


def _run(aliases: tuple[str, ...], config: Path, concurrency: int,
         kind: type[SshTransport] = SshTransport) -> tuple[float, list[HostResult]]:
    control = SshControlDir()
    try:
        options = SshOptions(timeout=120, config_file=config)
        transports = [kind(a, options, control) for a in aliases]
        start = time.perf_counter()
        _, hosts = collect_hosts(transports, concurrency=concurrency)
        return time.perf_counter() - start, hosts
    finally:
        control.remove()


def _report(label: str, wall: float, hosts: list[HostResult]) -> None:
    seconds = sorted(h.seconds for h in hosts)
    faults = sum(len(h.faults) for h in hosts)
    p95 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))]
    print(f"{label}: {len(hosts)} hosts in {wall:.1f} s wall = {wall / len(hosts):.3f} s per host; "
          f"one host's scan: median {statistics.median(seconds):.2f} s, p95 {p95:.2f} s; faults {faults}")


def _round_trip_floor(alias: str, config: Path, count: int = 10) -> float:
    """Seconds of one `ssh HOST true` over an open master: sshd's session plus the login shell's start-up."""
    control = SshControlDir()
    transport = SshTransport(alias, SshOptions(config_file=config), control)
    try:
        argv = [*transport._base(), "-T", "--", alias, "true"]
        subprocess.run(argv, check=True, capture_output=True)  # opens the master
        start = time.perf_counter()
        for _ in range(count):
            subprocess.run(argv, check=True, capture_output=True)
        return (time.perf_counter() - start) / count
    finally:
        transport.close()
        control.remove()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--skip-sequential", action="store_true")
    parser.add_argument("--per-command", action="store_true", help="also scan with one round trip per command")
    args = parser.parse_args()
    problem = ensure_sshd()
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cs-bench-") as tmp, local_sshd(Path(tmp), aliases=args.hosts) as server:
        floor = _round_trip_floor(server.aliases[0], server.config_file)
        print(f"one round trip over an open connection (`ssh HOST true`): {floor * 1000:.0f} ms "
              f"({len(COMMANDS)} declared commands per host)")
        wall, hosts = _run(server.aliases, server.config_file, args.concurrency)
        _report(f"concurrent (x{args.concurrency})", wall, hosts)
        if not args.skip_sequential:
            wall, hosts = _run(server.aliases, server.config_file, 1)
            _report("sequential", wall, hosts)
        if args.per_command:
            wall, hosts = _run(server.aliases, server.config_file, args.concurrency, PerCommandSsh)
            _report(f"concurrent (x{args.concurrency}), one round trip per command", wall, hosts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
