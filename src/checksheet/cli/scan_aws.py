"""`checksheet scan aws` and `checksheet aws policy`: AWS evidence, and the read-only policy it needs."""

from __future__ import annotations

import gc
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, assert_never

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from checksheet.cli import context
from checksheet.cli.findings import STATUS_STYLE, scan_app
from checksheet.cli.output import Format, LangChoice, console, err_console, print_json, say, table
from checksheet.config import Settings
from checksheet.errors import UsageError
from checksheet.model import Finding, Lang, Status, Text

if TYPE_CHECKING:
    from checksheet import run
    from checksheet.collectors import aws

T = TypeVar("T")

aws_app = typer.Typer(help="AWS helpers: the read-only IAM policy a scan needs.", no_args_is_help=True)

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_DONE = Text(
    "AWS アカウント {accounts} 件・リージョン {regions} 件をスキャンしました: リソース {resources} 件、"
    "API リクエスト {requests} 回、{seconds:.1f} 秒。所見: 適合 {passed}、不適合 {failed}、取得失敗 {errors}",
    "Scanned {accounts} AWS account(s) in {regions} region(s): {resources} resources, {requests} API requests, "
    "{seconds:.1f} s. Findings: {passed} pass, {failed} fail, {errors} not collected",
)
_MORE = Text("すべての所見: checksheet findings", "Every finding: checksheet findings")


def _regions(value: str | None, configured: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return configured
    regions = tuple(dict.fromkeys(r.strip() for r in value.split(",") if r.strip()))
    bad = [r for r in regions if not _REGION.match(r)]
    if bad or not regions:
        shown = ", ".join(bad) or repr(value)
        raise UsageError(
            f"--regions: {shown} is not a region name (e.g. us-east-1,ap-northeast-1)",
            ja=f"--regions: {shown} はリージョン名ではありません (例: us-east-1,ap-northeast-1)",
        )
    return regions


def _access(profile: str | None, role_arns: list[str], org_role: str | None, external_id: str | None,
            workers: int) -> aws.Access:
    if role_arns and org_role:
        raise UsageError("use --role-arn or --org-role, not both",
                         ja="--role-arn と --org-role は同時に指定できません")
    bad = [a for a in role_arns if not _ROLE_ARN.match(a)]
    if bad:
        raise UsageError(f"--role-arn: {bad[0]} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
                         ja=f"--role-arn: {bad[0]} は IAM ロールの ARN ではありません "
                         "(arn:aws:iam::123456789012:role/NAME)")
    if org_role is not None and not _ROLE_NAME.match(org_role):
        raise UsageError(f"--org-role: {org_role!r} is not a role name",
                         ja=f"--org-role: {org_role!r} はロール名ではありません")
    from checksheet.collectors import aws  # botocore: loaded once the arguments are known to be good

    return aws.Access(profile=profile, role_arns=tuple(role_arns), org_role=org_role, external_id=external_id,
                      workers=workers)


def _in_background(work: Callable[[], T]) -> Future[T]:
    """Run `work` on a daemon thread: an error in the foreground exits without waiting for it."""
    future: Future[T] = Future()

    def target() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(work())
            except BaseException as err:  # handed to the caller of future.result()
                future.set_exception(err)

    threading.Thread(target=target, name="checksheet-collect", daemon=True).start()
    return future


def _collect(
    cfg: Settings, access: aws.Access, regions: tuple[str, ...], lang: Lang
) -> tuple[aws.Collection, run.ScanResult]:
    """Scan with a progress bar on stderr (only on a terminal: stdout stays machine-readable).

    The API calls start first; the database layer and the catalog load while AWS answers, which
    takes most of a scan's time, rather than before the first call.
    """
    from checksheet.collectors import aws

    label = "AWS を収集中" if lang == "ja" else "Collecting AWS"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[what]}", style="dim"), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task(label, total=None, what="")

        def tick(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total or None, what=what[-60:])

        started = datetime.now(UTC)
        gc.freeze()  # the modules loaded so far stay: later collections need not trace them again
        pending = _in_background(lambda: aws.scan(access, regions, tick))
        from checksheet import catalog, run

        store = context.store(cfg)
        catalog.catalog()  # parsed now, not after the last answer
        # What is loaded now, and then the inventory, lives until exit: out of the cyclic collector's way
        # (its full passes over them cost more than recording the scan).
        gc.freeze()
        collection = pending.result()
        gc.freeze()
        return collection, run.record_aws(store, cfg, access, collection, started)


def _summary(scan: run.ScanResult, collection: aws.Collection, findings: list[Finding],
             seconds: float) -> dict[str, Any]:
    counts = Counter(f.status.value for f in findings)
    return {
        "id": scan.scan.id,
        "provider": "aws",
        "started_at": scan.scan.started_at.isoformat(),
        "finished_at": scan.scan.finished_at.isoformat() if scan.scan.finished_at else None,
        "accounts": list(collection.accounts),
        "regions": list(collection.regions),
        "resources": len(collection.inventory),
        "faults": len(collection.inventory.faults),
        "requests": collection.requests,
        "seconds": round(seconds, 3),
        "findings": {s.value: counts.get(s.value, 0) for s in Status},
        "digest": scan.scan.digest,
    }


def scan_aws(
    profile: str | None = typer.Option(
        None, "--profile", metavar="NAME", help="AWS profile (default: AWS_PROFILE, then the standard credential "
        "chain)."),
    regions: str | None = typer.Option(
        None, "--regions", metavar="R1,R2", help="Comma-separated regions, e.g. us-east-1,ap-northeast-1 (default: "
        "aws_regions in checksheet.toml, else every region enabled for the account)."),
    role_arn: list[str] = typer.Option(
        [], "--role-arn", metavar="ARN", help="Scan the account behind this role (repeatable)."),
    org_role: str | None = typer.Option(
        None, "--org-role", metavar="NAME", help="Scan every account of the AWS Organization through the role of "
        "this name in each account."),
    external_id: str | None = typer.Option(
        None, "--external-id", metavar="ID", help="External id for --role-arn/--org-role."),
    workers: int = typer.Option(16, "--workers", min=1, max=64, metavar="N", help="API calls in flight at once."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json (scan summary and findings)."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="Language of messages: ja or en."),
    fail_on: Status | None = typer.Option(None, "--fail-on", help="Exit 1 when any finding has this status."),
) -> None:
    """Collect AWS evidence read-only (standard AWS configuration; AWS_ENDPOINT_URL honoured) and evaluate it."""
    cfg = context.settings()
    out_lang: Lang = context.lang(lang, cfg)
    context.require_project(cfg)
    access = _access(profile, role_arn, org_role, external_id, workers)
    wanted = _regions(regions, cfg.aws_regions)
    clock = time.monotonic()
    collection, result = _collect(cfg, access, wanted, out_lang)
    findings = [f for f in result.findings if f.provider == "aws"]
    summary = _summary(result, collection, findings, time.monotonic() - clock)
    if format is Format.JSON:
        print_json({"scan": summary, "findings": [f.to_json(out_lang) for f in findings]})
    else:
        t = table("check", "status", "resource", "region", "message")
        for f in findings:
            if f.status is not Status.PASS:
                t.add_row(f.check_id, f"[{STATUS_STYLE[f.status]}]{f.status.value}[/]",
                          f"{f.resource_type} {f.resource_id}", f.region, f.message.get(out_lang))
        console.print(t)
        say(_MORE, out_lang)
    counts = summary["findings"]
    say(_DONE, out_lang, accounts=len(collection.accounts), regions=len(collection.regions),
        resources=summary["resources"], requests=collection.requests, seconds=summary["seconds"],
        passed=counts["pass"], failed=counts["fail"], errors=counts["error"])
    if fail_on is not None and any(f.status is fail_on for f in findings):
        raise typer.Exit(1)


class PolicyFormat(StrEnum):
    JSON = "json"
    CLOUDFORMATION = "cloudformation"
    TERRAFORM = "terraform"


def policy(
    format: PolicyFormat = typer.Option(PolicyFormat.JSON, "--format", help="json (the IAM policy), "
                                        "cloudformation or terraform (a cross-account read-only role)."),
) -> None:
    """Print the least-privilege read-only IAM policy `scan aws` needs, made from the collectors' declarations."""
    from checksheet.collectors import aws
    from checksheet.collectors.aws import policy as aws_policy

    actions = aws.actions()
    match format:
        case PolicyFormat.JSON:
            text = aws_policy.policy_json(actions)
        case PolicyFormat.CLOUDFORMATION:
            text = aws_policy.cloudformation(actions)
        case PolicyFormat.TERRAFORM:
            text = aws_policy.terraform(actions)
        case _:
            assert_never(format)
    sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    scan_app.command("aws")(scan_aws)
    aws_app.command("policy")(policy)
    app.add_typer(aws_app, name="aws")
