"""run_check: metadata, and faults turned into error findings that suppress passes."""

from __future__ import annotations

from collections.abc import Iterator

from checksheet.checks.base import GLOBAL, Check, Outcome, account_subject, registry, run_check
from checksheet.inventory import Inventory
from checksheet.model import Fault, Resource, Severity, Status, Text

CHECKS: list[Check] = []
check = registry(CHECKS)


@check(id="demo_region_ok", controls=("LOG-01",), severity=Severity.HIGH, title=Text("題", "title"),
       remediation=Text("対策", "fix"), needs=("aws.demo",))
def _demo(inv: Inventory) -> Iterator[Outcome]:
    for r in inv.of("aws.demo"):
        yield Outcome.of(r, bool(r.attributes["ok"]), Text("日本語", "english"))
    for a in inv.of("aws.account"):
        yield Outcome.of(account_subject("aws", a.id), True, Text("全体", "overall"))


def _res(region: str, ok: bool) -> Resource:
    return Resource("aws", "111", region, "aws.demo", f"d-{region}", {"ok": ok})


ACCOUNT = Resource("aws", "111", GLOBAL, "aws.account", "111")


def test_outcomes_carry_the_checks_metadata() -> None:
    findings = list(run_check(CHECKS[0], Inventory([_res("r1", True), _res("r2", False)])))
    assert [(f.region, f.status) for f in findings] == [("r1", Status.PASS), ("r2", Status.FAIL)]
    assert all(f.control_ids == ("LOG-01",) and f.severity is Severity.HIGH for f in findings)


def test_a_fault_becomes_an_error_and_suppresses_verdicts_from_that_scope() -> None:
    fault = Fault("aws", "111", "r2", "demo", "aws.demo", "demo:List", "AccessDenied")
    inventory = Inventory([ACCOUNT, _res("r1", True), _res("r2", True)], [fault])
    findings = list(run_check(CHECKS[0], inventory))
    by_region = {(f.region, f.status) for f in findings}
    assert ("r1", Status.PASS) in by_region
    assert ("r2", Status.PASS) not in by_region
    assert ("r2", Status.ERROR) in by_region
    # An account-wide pass drawn from incomplete data is not reported.
    assert (GLOBAL, Status.PASS) not in by_region
    [error] = [f for f in findings if f.status is Status.ERROR]
    assert "demo:List" in error.message.en and "AccessDenied" in error.message.ja


def test_faults_on_types_the_check_does_not_need_are_ignored() -> None:
    fault = Fault("aws", "111", "r1", "other", "aws.other", "other:List", "AccessDenied")
    findings = list(run_check(CHECKS[0], Inventory([_res("r1", True)], [fault])))
    assert [f.status for f in findings] == [Status.PASS]
