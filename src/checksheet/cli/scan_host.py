"""`checksheet scan host` and `checksheet host commands`: Linux host evidence, locally, over SSH or through SSM."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from checksheet.cli import context
from checksheet.cli.findings import STATUS_STYLE, scan_app
from checksheet.cli.output import Format, LangChoice, console, print_json, say, table
from checksheet.errors import UsageError
from checksheet.model import Lang, Status, Text

if TYPE_CHECKING:  # the host collectors (pydantic, YAML) load when a host command runs
    from checksheet.collectors.host import Target

host_app = typer.Typer(help="Linux host evidence: what checksheet runs on hosts.", no_args_is_help=True)

_DONE = Text("{hosts} 台のホストを {seconds:.1f} 秒でスキャンしました (1 台あたり平均 {each:.2f} 秒)。"
             "取得できなかった項目: {faults} 件",
             "Scanned {hosts} hosts in {seconds:.1f} s ({each:.2f} s per host on average); "
             "{faults} items could not be collected")


def _aws_managed_targets(cfg: Any) -> list[Target]:
    """Linux instances that were online in SSM at the newest stored AWS scan."""
    from checksheet.collectors.host import Target
    from checksheet.store.scans import inventory_of, latest_scans

    aws = [s for s in latest_scans(context.store(cfg)) if s.provider == "aws"]
    if not aws:
        raise UsageError("--from-aws needs an AWS scan first: run `checksheet scan aws`",
                         ja="--from-aws には AWS のスキャン結果が必要です。"
                         "先に `checksheet scan aws` を実行してください")
    inventory = inventory_of(context.store(cfg), aws[0].id)
    return [Target("ssm", r.id, r.id, region=r.region) for r in inventory.of("aws.ssm.managed_instance")
            if r.attributes.get("ping_status") == "Online" and "linux" in str(r.attributes.get("platform", "")).lower()]


def _targets(ssh: list[str], ssm: list[str], inventory: Path | None, local: bool, root: Path | None,
             name: str | None, ssm_region: str | None, from_aws: bool, cfg: Any) -> list[Target]:
    from checksheet.collectors.host import Target, check_unique, load_inventory

    targets = [Target("ssh", d, d.rpartition("@")[2]) for d in ssh]
    targets += [Target("ssm", i, i, region=ssm_region) for i in ssm]
    if inventory is not None:
        targets += load_inventory(inventory)
    if from_aws:
        targets += _aws_managed_targets(cfg)
    if local or root is not None or not targets:
        targets.append(Target("local", "", name or ""))
    if root is not None and any(t.transport != "local" for t in targets):
        raise UsageError("--root scans a directory on this machine; it cannot be combined with --ssh, --ssm or "
                         "--inventory", ja="--root はこのマシン上のディレクトリをスキャンします。--ssh、--ssm、"
                         "--inventory とは併用できません")
    check_unique(targets)
    return targets


def scan_host(
    ssh: list[str] = typer.Option([], "--ssh", help="USER@HOST or a Host alias of ~/.ssh/config (repeatable)."),
    inventory: Path | None = typer.Option(None, "--inventory", help="YAML file listing hosts (see docs)."),
    ssm: list[str] = typer.Option([], "--ssm", help="EC2 instance id reached through SSM Run Command (repeatable)."),
    from_aws: bool = typer.Option(False, "--from-aws", help="Also scan the online Linux SSM managed instances "
                                  "found by the newest AWS scan."),
    local: bool = typer.Option(False, "--local", help="Also scan this machine (the default with no target)."),
    root: Path | None = typer.Option(None, "--root", help="Scan the files under DIR (a mounted image or chroot) "
                                     "instead of this machine's /."),
    name: str | None = typer.Option(None, "--name", help="Name of the local host in findings (default: hostname)."),
    sudo: bool = typer.Option(False, "--sudo", help="Run the declared root-only commands with `sudo -n`."),
    ssh_config: Path | None = typer.Option(None, "--ssh-config", help="ssh_config file to use instead of "
                                           "~/.ssh/config (ssh -F)."),
    ssm_region: str | None = typer.Option(None, "--ssm-region", help="AWS region of the --ssm instances."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile for SSM."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=256, help="Hosts scanned at once."),
    timeout: float = typer.Option(60.0, "--timeout", min=1, help="Seconds allowed for each command on a host."),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="Language of messages: ja or en."),
    fail_on: Status | None = typer.Option(None, "--fail-on", help="Exit 1 when any finding has this status."),
) -> None:
    """Collect evidence from Linux hosts (auditd, SSH, sudo, updates, accounts...) and evaluate the host checks."""
    from checksheet import run
    from checksheet.collectors.host import SshControlDir, SshOptions, collect_hosts, transport_for

    cfg = context.settings()
    out_lang: Lang = context.lang(lang, cfg)
    store = context.store(cfg)
    if ssh_config is not None and not ssh_config.is_file():
        raise UsageError(f"{ssh_config}: no such file", ja=f"{ssh_config} が見つかりません")
    targets = _targets(ssh, ssm, inventory, local, root, name, ssm_region, from_aws, cfg)
    control = SshControlDir()
    try:
        options = SshOptions(timeout=timeout, config_file=ssh_config, sudo=sudo)
        transports = [transport_for(t, timeout=timeout, ssh=options, control=control, root=root, profile=profile)
                      for t in targets]
        started = datetime.now(UTC)
        collected, hosts = collect_hosts(transports, concurrency=concurrency)
    finally:
        control.remove()
    scope = {"hosts": [{"name": h.host, "transport": h.transport, "seconds": round(h.seconds, 3)} for h in hosts],
             "root": str(root) if root else None, "sudo": sudo}
    result = run.record_scan(store, cfg, "host", collected, scope=scope, started_at=started)
    host_findings = [f for f in result.findings if f.provider == "host"]
    if format is Format.JSON:
        print_json([f.to_json(out_lang) for f in host_findings])
    else:
        t = table("check", "status", "host", "message")
        for f in host_findings:
            t.add_row(f.check_id, f"[{STATUS_STYLE[f.status]}]{f.status.value}[/]", f.account, f.message.get(out_lang))
        console.print(t)
    seconds = (datetime.now(UTC) - started).total_seconds()
    say(_DONE, out_lang, hosts=len(hosts), seconds=seconds, each=sum(h.seconds for h in hosts) / max(1, len(hosts)),
        faults=len(collected.faults))
    if fail_on is not None and any(f.status is fail_on for f in host_findings):
        raise typer.Exit(1)


def commands(
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="Language of purposes: ja or en."),
) -> None:
    """Print every command a host scan may run, for review or allow-listing (sudoers, SSM document policies)."""
    from checksheet.collectors.host import COMMANDS
    from checksheet.collectors.host.areas import AREAS

    out_lang = context.lang(lang)
    rows: list[dict[str, Any]] = []
    for c in COMMANDS:
        feeds = [a.type for a in AREAS if c.id in a.commands]
        rows.append({"id": c.id, "needs_sudo": c.needs_sudo, "probes_running_system": c.live,
                     "purpose": c.purpose.get(out_lang), "feeds": feeds, "command": c.command_line})
    if format is Format.JSON:
        print_json(rows)
        return
    t = table("id", "sudo", "purpose", "command", title="checksheet host commands")
    for row in rows:
        t.add_row(row["id"], "yes" if row["needs_sudo"] else "", row["purpose"], row["command"])
    console.print(t)


def register(app: typer.Typer) -> None:
    scan_app.command("host")(scan_host)
    host_app.command("commands")(commands)
    app.add_typer(host_app, name="host")
