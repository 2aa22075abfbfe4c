"""Meta-tests over the command registry: every command is declared, used, constant and read-only."""

from __future__ import annotations

import re
import shlex

from checksheet.collectors.host.areas import AREAS
from checksheet.collectors.host.commands import COMMANDS, MARKER, Probe, by_id

# A redirection into a file, or a writing tool in command position.
WRITES = re.compile(r"(?<![0-9&])>(?!\s*/dev/null|&[12])|(?:^|[;|&({]|\bthen|\bdo|\belse)\s*(?:sudo\s+)?"
                    r"(?:rm|mv|cp|tee|dd|install|chmod|chown|systemctl|service|sed\s+-i|apt-get\s+(?:install|update|"
                    r"upgrade)|dnf\s+(?:install|upgrade|makecache)|yum\s+(?:install|update))\b", re.M)


def test_ids_are_unique_and_every_area_names_declared_commands() -> None:
    assert len(by_id()) == len(COMMANDS)
    used = {c for area in AREAS for c in area.commands}
    assert used <= set(by_id()), used - set(by_id())
    assert set(by_id()) <= used, f"declared but never read: {set(by_id()) - used}"
    assert len({a.type for a in AREAS}) == len(AREAS)


def test_commands_are_constant_framed_and_read_only() -> None:
    for command in COMMANDS:
        assert command.argv[:2] == ("sh", "-c")
        assert command.script.rstrip().endswith('echo "$m done"') and MARKER in command.script
        assert shlex.split(command.command_line) == list(command.argv)
        assert not WRITES.search(command.script), (command.id, WRITES.search(command.script))
        assert command.purpose.ja and command.purpose.en and command.purpose.ja != command.purpose.en


def test_the_write_detector_works() -> None:
    assert WRITES.search('cat /etc/passwd > /tmp/x') and WRITES.search('if true; then rm -f /x; fi')
    assert not WRITES.search('st "$r"/etc/systemd/system/*.wants/auditd.service 2>/dev/null')


def test_only_probes_make_a_command_live() -> None:
    live = {c.id for c in COMMANDS if c.live}
    assert live == {c.id for c in COMMANDS if any(isinstance(s, Probe) for s in c.specs)}
    assert live == {"updates_pending", "firewall_rules", "disks"}


def test_a_batch_runs_the_declared_lines_and_splits_per_command() -> None:
    import subprocess

    from checksheet.collectors.host.batch import batch_line, split_batch
    from checksheet.collectors.host.bundle import parse_bundle

    chosen = [by_id()["os"], by_id()["ssm_agent"], by_id()["accounts"]]
    line = batch_line(chosen, sudo=True)
    assert "sudo -n " + by_id()["accounts"].command_line in line  # the declared line, as allow-listed
    assert "sudo -n " + by_id()["os"].command_line not in line
    done = subprocess.run(["sh", "-c", batch_line(chosen, sudo=False)], capture_output=True, text=True, check=True)
    results = split_batch(done.stdout, chosen)
    assert set(results) == {"os", "ssm_agent", "accounts"}
    assert all(r.rc == 0 and r.error is None and parse_bundle(r.stdout).complete for r in results.values())
    cut = split_batch(done.stdout[: done.stdout.index("exit ssm_agent")], chosen)
    assert cut["os"].error is None and cut["accounts"].error and "stopped" in cut["accounts"].error
