"""The scan: accounts x regions x collectors on a bounded thread pool, into one Inventory.

Nothing here prints: progress goes to the caller's callback, failures become `Fault`s.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from botocore.exceptions import BotoCoreError, ClientError

from checksheet.collectors.aws.context import DETAIL_THREADS, GLOBAL, PROVIDER, Ctx
from checksheet.collectors.aws.faults import fault_message
from checksheet.collectors.aws.registry import Collector, Scope
from checksheet.collectors.aws.session import Account, Connector, Target
from checksheet.errors import UsageError
from checksheet.inventory import Inventory
from checksheet.model import Fault, Resource

REGION = "aws.region"
#: Calls the engine makes itself, before any collector runs.
SETUP_ACTIONS = ("ec2:DescribeRegions",)
_ENABLED = ("opt-in-not-required", "opted-in")

#: on_progress(done, total, label) after each finished task, from the calling thread.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class Collection:
    inventory: Inventory
    accounts: tuple[str, ...]
    regions: tuple[str, ...]  # in the order asked for
    requests: int  # HTTP requests sent, retries included


@dataclass(frozen=True, slots=True)
class _Plan:
    """One account ready to scan (account None: it could not be reached) and what setting it up found."""

    account_id: str
    account: Account | None
    regions: tuple[str, ...]
    resources: tuple[Resource, ...]
    faults: tuple[Fault, ...]


@dataclass(frozen=True, slots=True)
class _Task:
    account: Account
    collector: Collector
    region: str
    regions: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.account.account_id} {self.region} {self.collector.name}"


def resource_types(collectors: Iterable[Collector]) -> tuple[str, ...]:
    return tuple(sorted({REGION, *(t for c in collectors for t in c.yields)}))


def _unreachable(target: Target, collectors: Sequence[Collector], err: Exception) -> _Plan:
    message = f"cannot assume {target.role_arn}: {fault_message(err, 'sts:AssumeRole')}"
    faults = tuple(
        Fault(PROVIDER, target.account_id, GLOBAL, "sts", t, "sts:AssumeRole", message)
        for t in resource_types(collectors)
    )
    return _Plan(target.account_id, None, (), (), faults)


def _regions(account: Account, wanted: tuple[str, ...], collectors: Sequence[Collector]) -> _Plan:
    """The regions to scan: those asked for, or every region enabled for the account."""
    me = account.account_id
    try:
        answer = account.client("ec2", account.home_region).describe_regions(AllRegions=True)["Regions"]
    except (ClientError, BotoCoreError) as err:
        # Scan what was asked for (or the home region); whether other regions are enabled stays unknown.
        fault = Fault(PROVIDER, me, GLOBAL, "ec2", REGION, SETUP_ACTIONS[0], fault_message(err, SETUP_ACTIONS[0]))
        regions = wanted or (account.home_region,)
        scanned = tuple(Resource(PROVIDER, me, r, REGION, r, {"opt_in_status": None}) for r in regions)
        return _Plan(me, account, regions, scanned, (fault,))
    status = {r["RegionName"]: r.get("OptInStatus") or "opt-in-not-required" for r in answer}
    unknown = [w for w in wanted if w not in status]
    if unknown:
        known = ", ".join(sorted(status))
        raise UsageError(
            f"unknown AWS region {', '.join(unknown)}; known: {known}",
            ja=f"AWS リージョン {', '.join(unknown)} は存在しません。候補: {known}",
        )
    enabled = {name for name, s in status.items() if s in _ENABLED}
    regions = tuple(w for w in wanted if w in enabled) if wanted else tuple(sorted(enabled))
    resources = tuple(Resource(PROVIDER, me, r, REGION, r, {"opt_in_status": status[r]}) for r in regions)
    regional = [c for c in collectors if c.scope is Scope.REGIONAL]
    faults = tuple(
        Fault(PROVIDER, me, off, c.service, t, SETUP_ACTIONS[0],
              f"region {off} is not enabled for this account (opt-in status: {status[off]})")
        for off in wanted if off not in enabled
        for c in regional for t in c.yields
    )
    return _Plan(me, account, regions, resources, faults)


def _prepare(connector: Connector, wanted: tuple[str, ...], collectors: Sequence[Collector], target: Target) -> _Plan:
    try:
        account = connector.open(target)
    except (ClientError, BotoCoreError) as err:
        return _unreachable(target, collectors, err)
    return _regions(account, wanted, collectors)


def run_task(
    account: Account, collector: Collector, region: str, regions: tuple[str, ...], details: Executor | None = None
) -> Ctx:
    """Run one collector in one account and region; its resources and faults are on the returned Ctx.

    `details` runs a collector's per-resource calls; it must not be the pool running this task
    (a task waiting on its own pool could starve it).
    """
    ctx = Ctx(collector, account, region, regions, details)
    try:
        for resource in collector.collect(ctx):
            ctx.collected.append(resource)
    except Exception as err:  # a bug or an answer of unexpected shape: an error finding, never a silent gap
        ctx.fail_all(fault_message(err, collector.name))
    return ctx


def _tasks(plans: Sequence[_Plan], collectors: Sequence[Collector]) -> list[_Task]:
    tasks = []
    for plan in plans:
        if plan.account is None:
            continue
        for c in collectors:
            for region in (GLOBAL,) if c.scope is Scope.GLOBAL else plan.regions:
                tasks.append(_Task(plan.account, c, region, plan.regions))
    return tasks


_M_ARENA_MAX = -8  # glibc malloc.h
_MALLOC_ARENAS = 2


@cache
def _few_malloc_arenas() -> None:
    """Cap glibc's malloc arenas (as MALLOC_ARENA_MAX=2 would) before the scan starts its threads.

    glibc gives threads that allocate at once arenas of their own, up to eight per core, and memory
    freed in one arena serves only that arena: with 2 x `workers` threads parsing responses, the
    scan's peak RSS grew by some 25 MB. Python allocates under the GIL anyway, so two arenas cost no
    parallelism. Other C libraries (musl) have no such arenas and no `mallopt`: nothing to do.
    """
    if sys.platform != "linux":
        return
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, _MALLOC_ARENAS)


def collect(
    connector: Connector,
    collectors: Sequence[Collector],
    regions: Sequence[str] = (),
    on_progress: Progress | None = None,
) -> Collection:
    """Collect every account the connector reaches, in the regions asked for (default: all enabled)."""
    wanted = tuple(dict.fromkeys(regions))
    resources: list[Resource] = []
    faults: list[Fault] = []
    workers = connector.access.workers
    _few_malloc_arenas()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="checksheet-aws")
    details = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=DETAIL_THREADS)
    try:
        plans = list(pool.map(lambda t: _prepare(connector, wanted, collectors, t), connector.targets()))
        for plan in plans:
            resources.extend(plan.resources)
            faults.extend(plan.faults)
        tasks = _tasks(plans, collectors)
        futures: dict[Future[Ctx], _Task] = {
            pool.submit(run_task, t.account, t.collector, t.region, t.regions, details): t for t in tasks
        }
        if on_progress:
            on_progress(0, len(tasks), "")
        for done, future in enumerate(as_completed(futures), start=1):
            ctx = future.result()
            resources.extend(ctx.collected)
            faults.extend(ctx.faults)
            if on_progress:
                on_progress(done, len(tasks), futures[future].label)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        details.shutdown(wait=True, cancel_futures=True)
    inventory = Inventory(
        sorted(resources, key=lambda r: r.key),
        sorted(faults, key=lambda f: (f.account, f.region, f.resource_type, f.action)),
        collected_at=datetime.now(UTC),
    )
    return Collection(
        inventory,
        tuple(p.account_id for p in plans),
        tuple(dict.fromkeys(r for p in plans for r in p.regions)),
        connector.requests.value,
    )
