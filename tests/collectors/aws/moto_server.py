"""moto's server in its own process on a loopback port: real HTTP, real parallelism, no internet.

One server serves the whole test session; `reset()` empties it between modules.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

AMIS = Path(__file__).parent / "data" / "amis.json"
ACCOUNT = "123456789012"  # moto's default account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._resets = 0
        self._seeded: tuple[int, Any] | None = None
        env = {**os.environ, "MOTO_AMIS_PATH": str(AMIS)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto server did not start")

    def _post(self, path: str, data: bytes = b"") -> None:
        request = urllib.request.Request(f"{self.url}{path}", data=data, method="POST",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10).close()

    def reset(self) -> None:
        self._post("/moto-api/reset")
        self._resets += 1

    def seeded(self, seed: Callable[[], Any]) -> Any:
        """Reset and run `seed` once; later callers share its result until someone resets the server."""
        if self._seeded is None or self._seeded[0] != self._resets:
            self.reset()
            with environment(aws_environment(self.url)):
                self._seeded = (self._resets, seed())
        return self._seeded[1]

    def enforce_iam(self, on: bool) -> None:
        """From now on, authorise every request against moto's IAM (or stop doing so)."""
        self._post("/moto-api/reset-auth", b"0" if on else b"inf")

    def stop(self) -> None:
        # Not terminate(): moto's SIGTERM handler waits for threads still holding clients' keep-alive connections.
        self._process.kill()
        self._process.wait(timeout=10)


def aws_environment(endpoint: str, **extra: str) -> Mapping[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        **extra,
    }


_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_MAX_ATTEMPTS",
            "AWS_RETRY_MODE", "AWS_CA_BUNDLE")


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set AWS variables for the block and put the caller's environment back afterwards."""
    saved = dict(os.environ)
    for name in _CLEARED:
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
        os.environ.pop(name)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)

