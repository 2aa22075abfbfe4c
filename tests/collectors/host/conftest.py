"""Fixtures for host collector tests: a real local sshd, and (opt-in) a real auditd from Debian's packages."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.collectors.host.sshd import SshServer, ensure_sshd, local_sshd


@pytest.fixture(scope="module")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    problem = ensure_sshd()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"sshd is required in CI: {problem}")
        pytest.skip(problem)
    with local_sshd(tmp_path_factory.mktemp("sshd"), aliases=3) as server:
        yield server


@pytest.fixture(scope="session")
def apt_auditd() -> Iterator[None]:
    """auditd installed for real with apt (slow, needs Debian's mirror): only with CHECKSHEET_TEST_APT=1."""
    if os.environ.get("CHECKSHEET_TEST_APT") != "1":
        pytest.skip("set CHECKSHEET_TEST_APT=1 to install auditd with apt for this test")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("installing auditd needs root and apt-get")
    had = shutil.which("auditd") is not None or Path("/usr/sbin/auditd").exists()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not had:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "auditd"], check=True, env=env)
    yield
    if not had:
        subprocess.run(["apt-get", "purge", "-y", "-qq", "auditd"], check=False, env=env)
