"""What every AWS check shares: which accounts and regions were scanned, times, tags, networks.

Checks only speak about accounts present as `aws.account` resources, so a host-only scan
yields no AWS findings, and they take "now" from the inventory, never from the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from checksheet.checks.base import account_subject
from checksheet.inventory import Inventory
from checksheet.model import Resource

PROVIDER = "aws"
WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"
#: Tags that declare a deliberate public entry point (bastion, load-balancer-less edge).
ENTRY_POINT_TAGS: Mapping[str, str] = {"role": "bastion", "checksheet:entry-point": "true"}


def account_ids(inv: Inventory) -> frozenset[str]:
    return frozenset(a.id for a in inv.of("aws.account") if a.provider == PROVIDER)


def accounts(inv: Inventory) -> tuple[Resource, ...]:
    """Scanned accounts; empty for a scan without AWS."""
    return tuple(a for a in inv.of("aws.account") if a.provider == PROVIDER)


def regions(inv: Inventory) -> Iterator[Resource]:
    """Scanned regions of scanned accounts, skipping regions the account has not opted into."""
    scanned = account_ids(inv)
    for r in inv.of("aws.region"):
        if r.account in scanned and r.attributes.get("opt_in_status") != "not-opted-in":
            yield r


def scoped(inv: Inventory, resource_type: str) -> Iterator[Resource]:
    """Resources of one type that belong to a scanned account."""
    scanned = account_ids(inv)
    return (r for r in inv.of(resource_type) if r.account in scanned)


def in_region(inv: Inventory, resource_type: str, account: str, region: str) -> list[Resource]:
    return [r for r in inv.of(resource_type) if r.account == account and r.region == region]


def in_account(inv: Inventory, resource_type: str, account: str) -> list[Resource]:
    return [r for r in inv.of(resource_type) if r.account == account]


def find(inv: Inventory, resource_type: str, account: str, resource_id: str) -> Resource | None:
    """One resource by id within an account (ids such as bucket names are global)."""
    found = inv.get(resource_type, resource_id)
    if found is not None and found.account == account:
        return found
    return next((r for r in in_account(inv, resource_type, account) if r.id == resource_id), None)


def region_subject(region: Resource) -> Resource:
    return account_subject(PROVIDER, region.account, region.id)


def complete(inv: Inventory, account: str, needs: Iterable[str]) -> bool:
    """True when nothing the verdict reads failed to be collected in this account.

    Account-wide verdicts drawn from regional data would otherwise fail on what was missed;
    the fault's own `error` finding speaks for the account instead.
    """
    return not any(f.account == account for t in needs for f in inv.faults_for(t))


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 string (or datetime) as an aware UTC datetime; None when absent or unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age_days(value: Any, now: datetime) -> int | None:
    """Whole days from `value` to `now`; None when the time is unknown."""
    moment = parse_time(value)
    return None if moment is None else (now - moment).days


def tag(resource: Resource, key: str) -> str | None:
    """A tag's value, matching the key case-insensitively."""
    tags = resource.attributes.get("tags") or {}
    wanted = key.lower()
    return next((str(v) for k, v in tags.items() if str(k).lower() == wanted), None)


def public_subnet(subnet: Resource) -> bool:
    """Routes to an internet gateway, or gives instances public IPs on launch (as default-VPC subnets do).

    The second holds even where the route is missing: the subnet is laid out to face the internet.
    """
    return bool(subnet.attributes.get("public")) or bool(subnet.attributes.get("map_public_ip_on_launch"))


def is_entry_point(resource: Resource) -> bool:
    """Tagged Role=bastion or checksheet:entry-point=true (values case-insensitive)."""
    return any((tag(resource, k) or "").strip().lower() == v for k, v in ENTRY_POINT_TAGS.items())


def listing(items: Iterable[str], limit: int = 5) -> str:
    """A short, stable list for messages: 'a, b, c (+4)'."""
    values = sorted(set(items))
    shown = ", ".join(values[:limit])
    return f"{shown} (+{len(values) - limit})" if len(values) > limit else shown


def all_true(flags: Mapping[str, Any] | None, keys: Iterable[str]) -> bool:
    return flags is not None and all(bool(flags.get(k)) for k in keys)
