"""Collect many hosts concurrently: run the declared commands, parse them, build resources or faults."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from checksheet.collectors.host.areas import AREAS, Area
from checksheet.collectors.host.batch import Result
from checksheet.collectors.host.bundle import Bundle, parse_bundle
from checksheet.collectors.host.commands import COMMANDS, Command, Probe
from checksheet.collectors.host.transport import Transport
from checksheet.inventory import Inventory
from checksheet.model import Fault, Resource

PROVIDER = "host"


@dataclass(frozen=True, slots=True)
class HostResult:
    host: str
    transport: str
    resources: tuple[Resource, ...]
    faults: tuple[Fault, ...]
    seconds: float


def _problem(command: Command, result: Result) -> tuple[Bundle | None, str | None]:
    """The parsed output, or why it cannot be trusted."""
    if result.error:
        return None, result.error
    bundle = parse_bundle(result.stdout)
    if not bundle.complete:
        return None, "output incomplete (cut short or not produced)"
    denied = [p for p in bundle.denied() if not command.optional(p)]
    if denied:
        hint = " (run as root or with --sudo)" if command.needs_sudo else ""
        return None, f"permission denied: {', '.join(denied[:5])}{hint}"
    for spec in command.specs:
        if isinstance(spec, Probe):
            probe = bundle.probes.get(spec.name)
            if probe is not None and probe.present and probe.rc not in spec.ok:
                last = probe.output.strip().splitlines()[-1:] or [""]
                return None, f"{spec.command}: exit {probe.rc}: {last[0][:200]}"
    return bundle, None


def collect_host(transport: Transport, areas: Sequence[Area] = AREAS,
                 commands: Sequence[Command] = COMMANDS) -> HostResult:
    """Every resource type of one host, or a fault for each type whose commands failed."""
    start = datetime.now(UTC)
    try:
        results = transport.run_batch(commands)
    finally:
        transport.close()
    snapshot: dict[str, Bundle] = {}
    problems: dict[str, str] = {}
    for command in commands:
        bundle, problem = _problem(command, results[command.id])
        if bundle is not None:
            snapshot[command.id] = bundle
        else:
            problems[command.id] = problem or "failed"
    resources, faults = [], []
    for area in areas:
        failed = [c for c in area.commands if c in problems]
        if failed:
            faults += [Fault(PROVIDER, transport.host, transport.name, "host", area.type, f"command {c}",
                             problems[c]) for c in failed]
            continue
        attributes = area.build(snapshot)
        attributes["transport"] = transport.name
        resources.append(Resource(PROVIDER, transport.host, transport.name, area.type, transport.host, attributes))
    return HostResult(transport.host, transport.name, tuple(resources), tuple(faults),
                      (datetime.now(UTC) - start).total_seconds())


def collect_hosts(
    transports: Iterable[Transport],
    *,
    concurrency: int = 8,
    progress: Callable[[HostResult], None] | None = None,
) -> tuple[Inventory, list[HostResult]]:
    """Scan hosts `concurrency` at a time; one Inventory for all of them."""
    started = datetime.now(UTC)
    hosts: list[HostResult] = []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for result in pool.map(collect_host, transports):
            hosts.append(result)
            if progress is not None:
                progress(result)
    inventory = Inventory([r for h in hosts for r in h.resources], [f for h in hosts for f in h.faults], started)
    return inventory, hosts
