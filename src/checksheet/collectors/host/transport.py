"""How a declared command reaches a host: locally (argument list, no shell) or over the system OpenSSH client.

Both run exactly `Command.argv`; nothing else is ever executed on a host. The SSH transport
uses the user's own `ssh` (so ~/.ssh/config, agents, ProxyJump and bastions work) with
BatchMode and one multiplexed connection per host (ControlMaster), closed at the end.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from checksheet.collectors.host.batch import Result, batch_line, run_each, split_batch
from checksheet.collectors.host.commands import Command
from checksheet.errors import CollectionError


class Transport(Protocol):
    name: str  # local, ssh or ssm: the `region` of the host's resources
    host: str  # the host's name in findings (`account`)

    def run(self, command: Command) -> Result: ...

    def run_batch(self, commands: Sequence[Command]) -> dict[str, Result]: ...

    def close(self) -> None: ...


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _sudo(argv: tuple[str, ...], use_sudo: bool, command: Command) -> tuple[str, ...]:
    return ("sudo", "-n", *argv) if use_sudo and command.needs_sudo else argv


class LocalTransport:
    """This machine, or a directory holding another system's files (`root`)."""

    name = "local"

    def __init__(self, host: str | None = None, *, root: Path | None = None, sudo: bool = False,
                 timeout: float = 60.0) -> None:
        self.root = root
        self.host = host or (root.name if root else os.uname().nodename)
        self.sudo = sudo and os.geteuid() != 0
        self.timeout = timeout
        if root is not None and not root.is_dir():
            raise CollectionError(f"{root}: not a directory", ja=f"{root} はディレクトリではありません")

    def run(self, command: Command) -> Result:
        if self.root is not None and command.live:
            return Result("", 0, "probes the running system; not available when scanning a directory (--root)")
        argv = command.argv + (("checksheet", str(self.root)) if self.root is not None else ())
        try:
            done = subprocess.run(_sudo(argv, self.sudo, command), capture_output=True, timeout=self.timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Result("", -1, f"timed out after {self.timeout:g} s")
        except OSError as err:
            return Result("", -1, f"cannot run: {err}")
        error = None if done.returncode == 0 else f"exit {done.returncode}: {_last_line(_decode(done.stderr))}"
        return Result(_decode(done.stdout), done.returncode, error)

    def run_batch(self, commands: Sequence[Command]) -> dict[str, Result]:
        return run_each(self.run, commands)  # no round trips to save; run a few at once

    def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class SshOptions:
    """What every SSH connection shares; per-host settings belong in ssh_config."""

    timeout: float = 30.0
    config_file: Path | None = None  # `ssh -F`; default: the user's ~/.ssh/config
    sudo: bool = False
    persist_seconds: int = 60


class SshControlDir:
    """A private directory for the ControlMaster sockets of one scan."""

    def __init__(self) -> None:
        # Short path: a unix socket path must stay under ~100 bytes; %C is a 40-char hash.
        # mkdtemp makes it 0700, so no other user can hijack the sockets.
        self.path = Path(tempfile.mkdtemp(prefix="cs-", dir="/tmp" if Path("/tmp").is_dir() else None))  # noqa: S108
        self._slots = itertools.count()
        self._lock = threading.Lock()

    def slot(self) -> str:
        """A socket path of its own for one target: aliases of one address still get separate connections."""
        with self._lock:
            return f"{self.path}/{next(self._slots)}-%C"

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class SshTransport:
    """`ssh DESTINATION -- COMMAND` with one multiplexed connection per host."""

    name = "ssh"

    def __init__(self, destination: str, options: SshOptions, control: SshControlDir, host: str | None = None) -> None:
        if destination.startswith("-") or not destination.strip():
            raise CollectionError(f"not an SSH destination: {destination!r}",
                                  ja=f"SSH の接続先として正しくありません: {destination!r}")
        if shutil.which("ssh") is None:
            raise CollectionError("the OpenSSH client (ssh) is not installed",
                                  ja="OpenSSH クライアント (ssh) がインストールされていません")
        self.destination = destination
        self.host = host or destination.rpartition("@")[2]
        self.options = options
        self.control_path = control.slot()

    def _base(self) -> list[str]:
        argv = ["ssh"]
        if self.options.config_file is not None:
            argv += ["-F", str(self.options.config_file)]
        argv += [
            "-o", "BatchMode=yes",
            "-o", f"ConnectTimeout={max(1, int(self.options.timeout))}",
            "-o", "ControlMaster=auto",
            "-o", f"ControlPath={self.control_path}",
            "-o", f"ControlPersist={self.options.persist_seconds}",
            "-o", "LogLevel=ERROR",
        ]
        return argv

    def _ssh(self, remote: str) -> tuple[Result, str]:
        """Run one remote command line; the result and the last line of stderr."""
        argv = [*self._base(), "-T", "--", self.destination, remote]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self.options.timeout, check=False,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return Result("", -1, f"timed out after {self.options.timeout:g} s"), ""
        except OSError as err:
            return Result("", -1, f"cannot run ssh: {err}"), ""
        stderr = _last_line(_decode(done.stderr))
        if done.returncode == 255:
            return Result("", 255, f"ssh failed: {stderr or 'connection error'}"), stderr
        error = None if done.returncode == 0 else f"exit {done.returncode}: {stderr}"
        return Result(_decode(done.stdout), done.returncode, error), stderr

    def run(self, command: Command) -> Result:
        sudo = self.options.sudo and command.needs_sudo
        return self._ssh(("sudo -n " if sudo else "") + command.command_line)[0]

    def run_batch(self, commands: Sequence[Command]) -> dict[str, Result]:
        """All commands in one round trip (one remote shell start-up instead of one per command)."""
        result, stderr = self._ssh(batch_line(commands, self.options.sudo))
        if result.rc == 255 or (result.error and not result.stdout):
            return dict.fromkeys((c.id for c in commands), result)
        return split_batch(result.stdout, commands, stderr)

    def close(self) -> None:
        """Stop this host's master connection (ControlPersist would otherwise keep it a while)."""
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            subprocess.run([*self._base(), "-O", "exit", "--", self.destination], capture_output=True,
                           timeout=10, check=False, stdin=subprocess.DEVNULL)
