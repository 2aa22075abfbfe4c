"""An immutable, indexed view over the resources and faults of one collection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType

from checksheet.model import Fault, Resource


class Inventory:
    """Resources by type and by (type, id), plus the faults met while collecting.

    Checks read it; nothing writes to it after construction.
    """

    __slots__ = ("_by_key", "_by_type", "collected_at", "faults", "resources")

    def __init__(
        self,
        resources: Iterable[Resource] = (),
        faults: Iterable[Fault] = (),
        collected_at: datetime | None = None,
    ) -> None:
        self.resources: tuple[Resource, ...] = tuple(resources)
        self.faults: tuple[Fault, ...] = tuple(faults)
        self.collected_at = collected_at or datetime.now(UTC)
        by_type: defaultdict[str, list[Resource]] = defaultdict(list)
        by_key: dict[tuple[str, str], Resource] = {}
        for r in self.resources:
            by_type[r.type].append(r)
            by_key[(r.type, r.id)] = r
        self._by_type: Mapping[str, tuple[Resource, ...]] = MappingProxyType(
            {t: tuple(rs) for t, rs in by_type.items()}
        )
        self._by_key: Mapping[tuple[str, str], Resource] = MappingProxyType(by_key)

    def of(self, resource_type: str) -> tuple[Resource, ...]:
        """All resources of one type, in collection order."""
        return self._by_type.get(resource_type, ())

    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        return self._by_key.get((resource_type, resource_id))

    def types(self) -> frozenset[str]:
        return frozenset(self._by_type)

    def faults_for(self, resource_type: str) -> tuple[Fault, ...]:
        return tuple(f for f in self.faults if f.resource_type == resource_type)

    def merged(self, other: Inventory) -> Inventory:
        return Inventory(
            (*self.resources, *other.resources),
            (*self.faults, *other.faults),
            min(self.collected_at, other.collected_at),
        )

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)
