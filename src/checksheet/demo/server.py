"""Emulated AWS on loopback: moto's threaded server in this process, with a request counter.

Nothing leaves the machine: the server binds 127.0.0.1 on a port the OS picks, and the
AWS settings that point SDK clients at it exist only inside `aws_env()`, which puts the
caller's environment back as it was.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

from checksheet.demo.seed import DUMMY_KEY, PRIMARY, Manifest, Step, seed
from checksheet.errors import CollectionError

ACCOUNT_ID = "123456789012"  # moto's default account
LOOPBACK = "127.0.0.1"
# moto reads these when a backend is created, so they hold for the server's lifetime.
_MOTO_VARS = ("MOTO_AMIS_PATH", "MOTO_IAM_LOAD_MANAGED_POLICIES")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def amis_path() -> Path:
    """Two AMIs instead of moto's catalogue of hundreds per region: region backends stay light."""
    return Path(str(resources.files("checksheet.demo") / "data" / "amis.json"))


@dataclass(frozen=True, slots=True)
class RequestCounts:
    total: int
    by_service: Mapping[str, int]
    server_errors: int  # 5xx: mostly calls moto does not implement


class _Counter:
    """WSGI middleware counting requests per service (from the SigV4 credential scope) and 5xx answers."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._services: Counter[str] = Counter()
        self._errors = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        service = _service_of(environ.get("HTTP_AUTHORIZATION", ""))
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            with self._lock:
                self._services[service] += 1

        def counting_start(status: str, headers: Any, *args: Any) -> Any:
            if status[:1] == "5":
                with self._lock:
                    self._errors += 1
            return start_response(status, headers, *args)

        try:
            return self._app(environ, counting_start)
        except Exception as err:  # moto raises for actions it does not implement
            # Answer the 500 here: werkzeug would print a full traceback for each.
            with self._lock:
                self._errors += 1
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
            return [f"{type(err).__name__}: {err}".encode()]

    def snapshot(self) -> RequestCounts:
        with self._lock:
            return RequestCounts(sum(self._services.values()), dict(self._services), self._errors)


def _not_implemented(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The answer for a service the emulator does not have."""
    service = _service_of(environ.get("HTTP_AUTHORIZATION", ""))
    body = json.dumps({"__type": "NotImplemented", "message": f"the emulated AWS does not implement {service}"})
    start_response("501 Not Implemented", [("Content-Type", "application/json"),
                                           ("x-amzn-ErrorType", "NotImplemented")])
    return [body.encode()]


def _service_of(authorization: str) -> str:
    # "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ec2/aws4_request, ..."
    scope = authorization.partition("Credential=")[2].split(",")[0].split("/")
    return scope[3] if len(scope) >= 5 else "unsigned"


class EmulatedAws:
    """moto's ThreadedMotoServer on a free loopback port; a context manager.

    `MOTO_AMIS_PATH` must be set before moto's EC2 models load and while region backends
    are created; AWS managed policies (AdministratorAccess...) exist only when moto is asked
    to load them. Both are set for the server's lifetime and then restored.
    """

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}
        self._server: Any = None
        self._counter: _Counter | None = None
        self.endpoint = ""

    def __enter__(self) -> EmulatedAws:
        self._saved = {k: os.environ.get(k) for k in _MOTO_VARS}
        os.environ.update({"MOTO_AMIS_PATH": str(amis_path()), "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
        try:
            self._start()
        except BaseException:
            self._restore()
            raise
        return self

    def _start(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from moto.server import ThreadedMotoServer
        from werkzeug.serving import make_server

        class _Quiet(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """One line per request on stderr would drown the CLI's own output."""

        class _Dispatcher(DomainDispatcherApplication):
            # moto prints a hint to stdout for each request to a service it lacks (Access
            # Analyzer); stdout belongs to the CLI.
            def get_backend_for_host(self, host: str | None) -> Any:
                if host and "amazonaws.com" in host and not any(
                    p.match(f"http://{host}") for _, p in self.backend_url_patterns
                ):
                    return None
                return super().get_backend_for_host(host)

        def _backend_app(service: Any) -> Any:
            # A service moto lacks is answered as a real endpoint answers an operation it lacks
            # (HTTP 501, NotImplemented), not by an internal error that clients retry.
            return _not_implemented if service is None else create_backend_app(service)

        outer = self

        class _Server(ThreadedMotoServer):
            # Same wiring as moto's own entry point, with the counter around the app.
            def _server_entry(self) -> None:
                outer._counter = _Counter(_Dispatcher(_backend_app))
                self._server = make_server(self._ip_address, self._port, outer._counter, True, request_handler=_Quiet)
                self._server_ready_event.set()
                self._server.serve_forever()

        server = _Server(ip_address=LOOPBACK, port=0, verbose=False)
        try:
            server.start()
        except OSError as err:
            raise CollectionError(
                f"cannot start the emulated AWS server on {LOOPBACK}: {err}",
                ja=f"{LOOPBACK} でエミュレートした AWS サーバーを起動できません: {err}",
            ) from err
        self._server = server
        host, port = server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.reset()  # moto's backends are process-wide: start from an empty account

    def reset(self) -> None:
        """Forget every emulated resource (moto's documented reset call)."""
        url = f"{self.endpoint}/moto-api/reset"  # http://127.0.0.1:port, built above
        request = urllib.request.Request(url, method="POST", data=b"")  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            answer.read()

    def seed(self, size: int = 1, on_step: Step | None = None) -> Manifest:
        """Create Acme SaaS (seed.py), then age the access keys that no API can backdate.

        Inside `aws_env`: the caller's AWS_PROFILE or config file must not steer the seed's clients.
        """
        with aws_env(self.endpoint, PRIMARY):
            manifest = seed(self.endpoint, size, on_step)
        self.backdate_access_keys(manifest.account_id, manifest.key_ages)
        return manifest

    def backdate_access_keys(self, account_id: str, ages: Mapping[str, int]) -> None:
        """Set each user's access keys to be `days` old, in moto's memory (it keeps naive UTC)."""
        from moto.iam.models import AccessKeyLastUsed, iam_backends

        backend = iam_backends[account_id]["aws"]
        now = datetime.now(UTC).replace(tzinfo=None)
        for user, days in ages.items():
            for key in backend.get_user(user).access_keys:
                key.create_date = now - timedelta(days=days)
                key.last_used = AccessKeyLastUsed(now - timedelta(days=min(days, 2)), "s3", "ap-northeast-1")

    def requests(self) -> RequestCounts:
        """Requests answered so far (moto's own API excluded)."""
        return self._counter.snapshot() if self._counter else RequestCounts(0, {}, 0)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self._server is not None:
                self.reset()  # release the emulated account's memory
                self._server.stop()
        finally:
            self._server = None
            self._restore()

    def _restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def emulated_environ(endpoint: str, region: str) -> dict[str, str]:
    """The AWS variables that send every SDK client, STS included, to `endpoint` with dummy keys."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        # The caller's profiles, roles and endpoints must not leak into the emulated account.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


@contextmanager
def aws_env(endpoint: str, region: str) -> Iterator[None]:
    """Inside: only the emulated account's AWS settings, loopback never proxied. After: the caller's, as they were."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k.lower() == "no_proxy"}
    for key in saved:
        del os.environ[key]
    os.environ.update(emulated_environ(endpoint, region))
    no_proxy = ",".join(filter(None, (saved.get("NO_PROXY") or saved.get("no_proxy"), LOOPBACK, "localhost")))
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = no_proxy
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith("AWS_") or k.lower() == "no_proxy"]:
            del os.environ[key]
        os.environ.update(saved)
