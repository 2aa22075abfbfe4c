"""What a check is, how checks are declared, and how they turn into findings.

A check is a pure function over an Inventory that yields Outcomes; `run_checks`
adds the check's metadata and turns collection faults into `error` findings, so a
failed API call can never read as a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from checksheet.inventory import Inventory
from checksheet.model import Fault, Finding, Resource, Severity, Status, Text

#: Region used for account-wide resources and outcomes.
GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One verdict of a check about one subject."""

    subject: Resource
    status: Status
    message: Text
    #: Overrides the check's controls (a record check speaks for the record's controls).
    control_ids: tuple[str, ...] | None = None

    @classmethod
    def of(cls, subject: Resource, ok: bool, message: Text) -> Outcome:
        return cls(subject, Status.PASS if ok else Status.FAIL, message)


Evaluate = Callable[[Inventory], Iterable[Outcome]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    control_ids: tuple[str, ...]
    severity: Severity
    title: Text
    remediation: Text
    needs: tuple[str, ...]  # resource types read; their faults become error findings
    evaluate: Evaluate


def registry(into: list[Check]) -> Callable[..., Callable[[Evaluate], Evaluate]]:
    """Return a decorator that declares a check into the module's own list."""

    def declare(
        *,
        id: str,
        controls: tuple[str, ...],
        severity: Severity,
        title: Text,
        remediation: Text,
        needs: tuple[str, ...],
    ) -> Callable[[Evaluate], Evaluate]:
        def wrap(fn: Evaluate) -> Evaluate:
            into.append(Check(id, controls, severity, title, remediation, needs, fn))
            return fn

        return wrap

    return declare


def account_subject(provider: str, account: str, region: str = GLOBAL) -> Resource:
    """A subject for verdicts about an account or region as a whole."""
    return Resource(provider, account, region, f"{provider}.account", account)


def _finding(
    check: Check, subject: Resource, status: Status, message: Text, controls: tuple[str, ...] | None = None
) -> Finding:
    return Finding(
        check_id=check.id,
        control_ids=check.control_ids if controls is None else controls,
        status=status,
        severity=check.severity,
        provider=subject.provider,
        account=subject.account,
        region=subject.region,
        resource_type=subject.type,
        resource_id=subject.id,
        message=message,
    )


def _fault_finding(check: Check, fault: Fault) -> Finding:
    message = Text(
        ja=f"{fault.service} ({fault.region}) の情報を取得できませんでした: {fault.action} — {fault.message}",
        en=f"Could not collect {fault.service} in {fault.region}: {fault.action} — {fault.message}",
    )
    subject = Resource(fault.provider, fault.account, fault.region, fault.resource_type, "*")
    return _finding(check, subject, Status.ERROR, message)


def _suppressed(finding: Finding, faulted: set[tuple[str, str, str]]) -> bool:
    """Drop verdicts drawn from incomplete data: same region, or account-wide passes."""
    if (finding.provider, finding.account, finding.region) in faulted:
        return True
    account_wide = finding.region == GLOBAL and finding.status is Status.PASS
    return account_wide and any(f[:2] == (finding.provider, finding.account) for f in faulted)


def run_check(check: Check, inventory: Inventory) -> Iterator[Finding]:
    faults = [f for t in check.needs for f in inventory.faults_for(t)]
    faulted = {(f.provider, f.account, f.region) for f in faults}
    for outcome in check.evaluate(inventory):
        finding = _finding(check, outcome.subject, outcome.status, outcome.message, outcome.control_ids)
        if not _suppressed(finding, faulted):
            yield finding
    seen: set[tuple[str, str, str, str]] = set()
    for fault in faults:
        key = (fault.account, fault.region, fault.service, fault.action)
        if key not in seen:
            seen.add(key)
            yield _fault_finding(check, fault)


def run_checks(checks: Iterable[Check], inventory: Inventory) -> list[Finding]:
    """Every finding of every check; checks whose inputs were not collected yield nothing."""
    return [f for c in checks for f in run_check(c, inventory)]
