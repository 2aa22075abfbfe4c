"""How an AWS collector is declared: service, scope, resource types, and the IAM actions it calls.

The declarations are the single source of the least-privilege policy (`policy.py`), and a
collector cannot call an API it has not declared (`Ctx.call` refuses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from checksheet.model import Resource

if TYPE_CHECKING:
    from checksheet.collectors.aws.context import Ctx


class Scope(StrEnum):
    GLOBAL = "global"  # once per account (IAM, Organizations, S3 account settings)
    REGIONAL = "regional"  # once per account and scanned region


Collect = Callable[["Ctx"], Iterable[Resource]]


@dataclass(frozen=True, slots=True)
class Collector:
    name: str
    service: str
    scope: Scope
    yields: tuple[str, ...]
    actions: tuple[str, ...]
    #: action -> the resource types its answer feeds, where narrower than `yields`.
    feeds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    collect: Collect = field(default=lambda ctx: (), repr=False)

    def fed_by(self, action: str) -> tuple[str, ...]:
        return self.feeds.get(action, self.yields)


def registry(into: list[Collector]) -> Callable[..., Callable[[Collect], Collect]]:
    """Return a decorator that declares a collector into the module's own list."""

    def declare(
        *,
        name: str,
        service: str,
        scope: Scope,
        yields: tuple[str, ...],
        actions: tuple[str, ...],
        feeds: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Callable[[Collect], Collect]:
        unknown = {a for a in (feeds or {}) if a not in actions}
        if unknown:
            raise ValueError(f"{name}: feeds names undeclared actions {sorted(unknown)}")

        def wrap(fn: Collect) -> Collect:
            into.append(Collector(name, service, scope, yields, actions, dict(feeds or {}), fn))
            return fn

        return wrap

    return declare


# boto3 service name -> IAM action prefix, where the two differ.
_PREFIX = {
    "elbv2": "elasticloadbalancing",
    "accessanalyzer": "access-analyzer",
    "efs": "elasticfilesystem",
    "s3control": "s3",
}
# Operations whose IAM action is not named after the API operation.
_RENAMED = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
}
#: Actions that change nothing; anything else in a declaration is a mistake.
READ_ONLY_VERBS = ("Describe", "Get", "List")
READ_ONLY_EXTRA = frozenset({"iam:GenerateCredentialReport"})


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorises one API operation (`ec2`, `DescribeVolumes` -> `ec2:DescribeVolumes`)."""
    renamed = _RENAMED.get((service, operation))
    return renamed or f"{_PREFIX.get(service, service)}:{operation}"


def is_read_only(action: str) -> bool:
    verb = action.partition(":")[2]
    return action in READ_ONLY_EXTRA or verb.startswith(READ_ONLY_VERBS)
