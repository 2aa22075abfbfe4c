"""A real OpenSSH server on 127.0.0.1 with throwaway keys, for scanning this machine over SSH.

Used by the SSH tests and by bench/hosts.py. Installs openssh-server with apt when sshd is
missing and we are root; when that is impossible the caller decides to skip (never in CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")


def ensure_sshd() -> str | None:
    """None when sshd is usable, else why not."""
    if SSHD.exists() and shutil.which("ssh") and shutil.which("ssh-keygen"):
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "sshd is not installed and apt-get cannot install it here (not root or not Debian)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "openssh-server", "openssh-client"]):
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=600)
        if done.returncode != 0:
            return f"apt-get failed to install openssh-server: {done.stderr.strip()[-300:]}"
    return None if SSHD.exists() else "openssh-server installed but /usr/sbin/sshd is missing"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class SshServer:
    port: int
    config_file: Path  # client ssh_config with Host aliases cs-test-1..N
    aliases: tuple[str, ...]


@contextmanager
def local_sshd(workdir: Path, aliases: int = 1) -> Iterator[SshServer]:
    """sshd -D on a free loopback port, root allowed by key only, and a client config naming it N times."""
    workdir.mkdir(parents=True, exist_ok=True)
    host_key, user_key = workdir / "host_ed25519", workdir / "id_ed25519"
    for key in (host_key, user_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    shutil.copy(user_key.with_suffix(".pub"), workdir / "authorized_keys")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    port = _free_port()
    server_config = workdir / "sshd_config"
    server_config.write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {workdir}/sshd.pid
AuthorizedKeysFile {workdir}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 200
MaxStartups 200:30:400
LogLevel ERROR
""")
    names = tuple(f"cs-test-{i}" for i in range(1, aliases + 1))
    client_config = workdir / "ssh_config"
    client_config.write_text(f"""\
Host cs-test-*
  HostName 127.0.0.1
  Port {port}
  User root
  IdentityFile {user_key}
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
""")
    server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(server_config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"sshd exited: {server.stderr.read().decode() if server.stderr else ''}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield SshServer(port, client_config, names)
    finally:
        server.terminate()
        server.wait(timeout=10)
