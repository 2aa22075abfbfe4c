"""What a collector sees: its account and region, clients, and calls that turn failures into faults."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from checksheet.collectors.aws.faults import fault_message
from checksheet.collectors.aws.registry import Collector, iam_action
from checksheet.model import Fault, Resource

if TYPE_CHECKING:
    from checksheet.collectors.aws.session import Account

PROVIDER = "aws"
GLOBAL = "global"
DETAIL_THREADS = "checksheet-aws-detail"

T = TypeVar("T")
R = TypeVar("R")


class UndeclaredCall(RuntimeError):
    """A collector called an API its declaration does not list: a bug in checksheet."""


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code") or "")


class Ctx:
    """One collector's run in one account and region ("global" for account-wide collectors).

    `call` and `pages` return what they got and record a `Fault` for every resource type the
    failed call feeds; error codes listed as `absent` mean "not configured" and return empty.
    """

    def __init__(
        self, collector: Collector, account: Account, region: str, regions: tuple[str, ...],
        details: Executor | None = None,
    ) -> None:
        self.collector = collector
        self.account = account.account_id
        self.partition = account.partition
        self.region = region
        self.regions = regions  # every region scanned in this account
        self.collected: list[Resource] = []
        self.faults: list[Fault] = []
        self._session = account
        self._faulted: set[tuple[str, str, str]] = set()
        self._details = details
        self._lock = threading.Lock()

    @property
    def client_region(self) -> str:
        return self._session.home_region if self.region == GLOBAL else self.region

    def client(self, service: str, region: str | None = None) -> Any:
        return self._session.client(service, region or self.client_region)

    def _action(self, client: Any, operation: str) -> str:
        service = client.meta.service_model.service_name
        api_name = client.meta.method_to_api_mapping.get(operation)
        if api_name is None:  # not in the model: cut to the scan's declared operations (models.py), or a typo
            raise UndeclaredCall(f"collector {self.collector.name} calls {service}.{operation}, which no "
                                 f"collector of this scan declares")
        action = iam_action(service, api_name)
        if action not in self.collector.actions:
            raise UndeclaredCall(f"collector {self.collector.name} calls undeclared {action}")
        return action

    def call(
        self, service: str, operation: str, *, absent: tuple[str, ...] = (), region: str | None = None,
        **params: Any,
    ) -> dict[str, Any] | None:
        """One API call: the response, {} when the error code says "absent", None on a fault."""
        client = self.client(service, region)
        action = self._action(client, operation)
        try:
            response: dict[str, Any] = getattr(client, operation)(**params)
            return response
        except ClientError as err:
            if error_code(err) in absent:
                return {}
            self.fail(service, action, fault_message(err, action), region)
        except BotoCoreError as err:
            self.fail(service, action, fault_message(err, action), region)
        return None

    def pages(
        self, service: str, operation: str, key: str, *, absent: tuple[str, ...] = (),
        region: str | None = None, **params: Any,
    ) -> list[Any]:
        """Every item under `key` across all pages; what was read before a fault is kept."""
        return [item for page in self.raw_pages(service, operation, absent=absent, region=region, **params)
                for item in page.get(key) or ()]

    def raw_pages(
        self, service: str, operation: str, *, absent: tuple[str, ...] = (), region: str | None = None,
        **params: Any,
    ) -> list[dict[str, Any]]:
        """Each page of a paginated operation (one for an operation that cannot paginate)."""
        client = self.client(service, region)
        action = self._action(client, operation)
        pages: list[dict[str, Any]] = []
        try:
            if client.can_paginate(operation):
                pages.extend(client.get_paginator(operation).paginate(**params))
            else:
                pages.append(getattr(client, operation)(**params))
        except ClientError as err:
            if error_code(err) not in absent:
                self.fail(service, action, fault_message(err, action), region)
        except BotoCoreError as err:
            self.fail(service, action, fault_message(err, action), region)
        return pages

    def each(self, describe: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`describe` applied to every item, in order, concurrently on the scan's detail pool.

        For per-resource calls (a bucket's settings, a key's rotation): on real AWS they are
        latency-bound, and hundreds of them in a row would dominate the scan.
        """
        listed = list(items)
        nested = threading.current_thread().name.startswith(DETAIL_THREADS)  # waiting on our own pool could starve it
        if self._details is None or len(listed) < 2 or nested:
            return [describe(item) for item in listed]
        return list(self._details.map(describe, listed))

    def fail(self, service: str, action: str, message: str, region: str | None = None) -> None:
        """Record that `action` failed: a fault for every resource type it feeds, once per region."""
        where = region or self.region
        with self._lock:
            if (where, service, action) in self._faulted:
                return
            self._faulted.add((where, service, action))
            for resource_type in self.collector.fed_by(action):
                self.faults.append(Fault(PROVIDER, self.account, where, service, resource_type, action, message))

    def fail_all(self, message: str) -> None:
        """The collector itself broke: every type it yields is unknown in this region."""
        for resource_type in self.collector.yields:
            self.faults.append(
                Fault(PROVIDER, self.account, self.region, self.collector.service, resource_type,
                      self.collector.name, message)
            )

    def resource(
        self, resource_type: str, resource_id: str, attributes: Mapping[str, Any], region: str | None = None
    ) -> Resource:
        if resource_type not in self.collector.yields:
            raise UndeclaredCall(f"collector {self.collector.name} yields undeclared {resource_type}")
        return Resource(PROVIDER, self.account, region or self.region, resource_type, resource_id, dict(attributes))
