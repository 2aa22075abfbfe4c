"""botocore service models parsed once per scan, without documentation, cut to the operations a scan calls.

A scan creates a client per service and region; botocore parses each service's JSON model once
per Loader, builds a method and resolves shapes for every operation of the model on every
client, and keeps the parsed model for the life of the process. For EC2 that is some 700
operations and 15 MB of Python objects, mostly API documentation, to call fifteen of them.

`ScanLoader` is a botocore Loader (registered as the sessions' `data_loader`) that
- parses JSON into plain dicts (botocore asks for OrderedDict, twice as slow to build; dicts keep order),
- drops the documentation strings of service models while parsing (docstrings are their only use),
- keeps, of a service whose operations the scan declares, only those operations, the shapes they
  reach, the service's modeled errors, and the few operations botocore itself may call;
  every other service model (STS and SSO for credentials, anything a user's hook asks for) is whole,
- looks up only the requested service's folder (botocore lists every service folder, three times),
- keeps each cut model in the user's cache folder (~/.cache/checksheet, or $XDG_CACHE_HOME), keyed
  by botocore's version, the model file and the operations kept: the next scan reads a few kilobytes
  instead of parsing megabytes (EC2's model alone is 4 MB of JSON). A cache that cannot be read or
  written is skipped; it holds only botocore's public API descriptions.

Everything is computed here from the installed botocore data; nothing is downloaded or copied.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import botocore
from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader

from checksheet.collectors.aws.registry import iam_action
from checksheet.config import keep_in_cache, read_cache, user_cache_dir

SERVICE_MODEL = "service-2"
#: Never cut: the credential chain calls them (AssumeRoleWithWebIdentity, SSO GetRoleCredentials...).
WHOLE = frozenset({"sts", "sso", "sso-oidc", "signin"})
#: Operations botocore calls on its own: S3's region redirect (HeadBucket) and S3 Express sessions.
SDK_CALLS: dict[str, frozenset[str]] = {"s3": frozenset({"HeadBucket", "CreateSession"})}

Json = dict[str, Any]
_OPEN: tuple[tuple[str, Callable[..., Any]], ...] = ((".json", open), (".json.gz", gzip.open))  # botocore's order


def _without_documentation(obj: Json) -> Json:
    # Only string values: a structure may have a *member* named "documentation" (a dict).
    if obj.get("documentation").__class__ is str:
        del obj["documentation"]
    return obj


class _PlainJson(JSONFileLoader):  # type: ignore[misc]
    """botocore's file loader with plain dicts instead of OrderedDict (same order, half the cost)."""

    def load_file(self, file_path: str) -> Any:
        return _read(file_path)


def _read(path: str, object_hook: Callable[[Json], Json] | None = None) -> Any:
    """The JSON file at `path` + .json or .json.gz, or None."""
    found = _model_file(path)
    return None if found is None else _read_file(found, object_hook)


def _model_file(path: str) -> str | None:
    return next((path + ext for ext, _ in _OPEN if os.path.isfile(path + ext)), None)


def _read_file(file: str, object_hook: Callable[[Json], Json] | None = None) -> Any:
    with (gzip.open if file.endswith(".gz") else open)(file, "rb") as fp:
        return json.loads(fp.read(), object_hook=object_hook)


def default_cache_dir() -> Path:
    return user_cache_dir() / "botocore-models"


def cut(model: Json, keep: Callable[[str], bool]) -> Json:
    """The model with only the operations `keep` accepts (and endpoint-discovery ones) and the shapes they use.

    Response parsing needs every shape an output reaches, so the closure follows members, list
    members, map keys and values; modeled errors stay whole so that `client.exceptions` and
    error parsing are unchanged.
    """
    operations = {name: op for name, op in model.get("operations", {}).items()
                  if keep(name) or op.get("endpointoperation")}
    shapes: Json = model.get("shapes", {})
    pending = [n for n, s in shapes.items() if s.get("exception")]
    for op in operations.values():
        pending += [op[k]["shape"] for k in ("input", "output") if k in op]
        pending += [e["shape"] for e in op.get("errors", ())]
    used: set[str] = set()
    while pending:
        name = pending.pop()
        if name in used or name not in shapes:
            continue
        used.add(name)
        shape = shapes[name]
        pending += [m["shape"] for m in shape.get("members", {}).values()]
        pending += [shape[k]["shape"] for k in ("member", "key", "value") if k in shape]
    return {**model, "operations": operations, "shapes": {n: s for n, s in shapes.items() if n in used}}


def _cached(file: Path | None) -> Any:
    """A model kept by an earlier scan, or None (none kept, or unreadable: it is made again)."""
    data = None if file is None else read_cache(file)
    if data is None:
        return None
    try:
        model = json.loads(data)
    except ValueError:
        return None
    return model if isinstance(model, dict) and "operations" in model else None


class ScanLoader(Loader):  # type: ignore[misc]
    """A botocore data loader for one scan; `actions` (IAM actions) selects the operations kept.

    With `actions` None every model is whole (still without documentation). Thread-safe: clients
    load paginator models from the scan's worker threads.
    """

    FILE_LOADER_CLASS = _PlainJson

    def __init__(self, actions: Iterable[str] | None = None, data_path: str | None = None,
                 cache_dir: Path | None = None) -> None:
        """`cache_dir`: where cut models are kept between scans (None: parse every time)."""
        extra = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else None
        super().__init__(extra_search_paths=extra)
        self._actions = None if actions is None else frozenset(actions)
        self._models: dict[tuple[str, str, str | None], Any] = {}
        self._lock = threading.Lock()
        self._cache_dir = cache_dir

    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        key = (service_name, type_name, api_version)
        with self._lock:
            found = self._models.get(key)
            if found is None:
                found = self._models[key] = self._load(service_name, type_name, api_version)
        return found

    def _load(self, service_name: str, type_name: str, api_version: str | None) -> Any:
        try:
            version = api_version or self.determine_latest_version(service_name, type_name)
        except DataNotFoundError:
            # Not in this service's folder: botocore's own lookup raises UnknownServiceError naming
            # the known services, which client creation relies on (no endpoint rule set: legacy routing).
            return super().load_service_model(service_name, type_name, api_version)
        path = os.path.join(service_name, version, type_name)
        if type_name != SERVICE_MODEL:
            model = self.load_data(path)
            self._extras_processor.process(model, self._find_extras(service_name, type_name, version))
            return model
        file = next((f for p in self._potential_locations(path) if (f := _model_file(p))), None)
        if file is None:
            raise DataNotFoundError(data_path=path)
        cached = self._cache_file(service_name, file)
        model = _cached(cached)
        if model is None:
            model = _read_file(file, _without_documentation)
            for param in model.get("clientContextParams", {}).values():
                param.setdefault("documentation", "")  # the one place botocore indexes it (ServiceModel)
            self._extras_processor.process(model, self._find_extras(service_name, type_name, version))
            if self._actions is not None and service_name not in WHOLE:
                model = self._cut(service_name, model)
            if cached is not None:
                keep_in_cache(cached, json.dumps(model, separators=(",", ":")))
        return model

    def _cache_file(self, service_name: str, model_file: str) -> Path | None:
        """Where the cut model of this model file, botocore and action set is kept (None: no cache)."""
        if self._cache_dir is None:
            return None
        try:
            stat = os.stat(model_file)
        except OSError:
            return None
        kept = sorted(a for a in self._actions or () if a.startswith(f"{service_name}:"))
        identity = json.dumps([botocore.__version__, os.path.abspath(model_file), stat.st_size, stat.st_mtime_ns,
                               self._actions is None, kept, sorted(SDK_CALLS.get(service_name, ()))])
        return self._cache_dir / f"{service_name}-{hashlib.sha256(identity.encode()).hexdigest()[:32]}.json"

    def _cut(self, service_name: str, model: Json) -> Json:
        sdk = SDK_CALLS.get(service_name, frozenset())

        def keep(operation: str) -> bool:
            return operation in sdk or iam_action(service_name, operation) in self._actions  # type: ignore[operator]

        if not any(map(keep, model.get("operations", {}))):
            return model  # a service the scan does not declare (a user's hook, a credential provider)
        return cut(model, keep)
