"""API values into the inventory's JSON shapes: ISO-8601 UTC times, tag dicts, snake_case facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any


def iso(value: Any) -> str | None:
    """A datetime (any zone) as ISO-8601 in UTC; strings pass through; anything else is None."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, str) and value:
        return value
    return None


def tags(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """[{"Key": k, "Value": v}] (either capitalisation) as {k: v}."""
    out: dict[str, str] = {}
    for item in items or ():
        key = item.get("Key", item.get("key"))
        if key is not None:
            out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out


def key_suffix(key_id: str) -> str:
    """The last four characters of an access key id: enough to match, never the id."""
    return key_id[-4:]
