"""Which hosts to scan and how: from the command line or an inventory file (YAML), validated at the boundary.

Inventory file:

    hosts:
      - name: web-1            # the host's name in findings (default: the address)
        ssh: admin@10.0.1.5    # or an alias from ~/.ssh/config
        sudo: true             # run the declared sudo commands with `sudo -n`
      - name: batch-1
        ssm: i-0123456789abcdef0
        region: ap-northeast-1
      - local: true
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from checksheet.errors import InputError, UsageError


@dataclass(frozen=True, slots=True)
class Target:
    transport: str  # local | ssh | ssm
    address: str  # ssh destination, instance id, or "" for this machine
    name: str  # the `account` of its resources
    sudo: bool = False
    region: str | None = None  # SSM only


class _HostEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1)
    ssh: str | None = Field(default=None, min_length=1)
    ssm: str | None = Field(default=None, pattern=r"^(i|mi)-[0-9a-f]{8,17}$")
    local: bool = False
    sudo: bool = False
    region: str | None = None

    @model_validator(mode="after")
    def _one_transport(self) -> _HostEntry:
        if sum((self.ssh is not None, self.ssm is not None, self.local)) != 1:
            raise ValueError("give exactly one of ssh, ssm or local")
        return self


class _InventoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hosts: list[_HostEntry] = Field(min_length=1)


def _target(entry: _HostEntry) -> Target:
    if entry.ssh is not None:
        return Target("ssh", entry.ssh, entry.name or entry.ssh.rpartition("@")[2], entry.sudo)
    if entry.ssm is not None:
        return Target("ssm", entry.ssm, entry.name or entry.ssm, entry.sudo, entry.region)
    return Target("local", "", entry.name or "", entry.sudo)


def load_inventory(path: Path) -> list[Target]:
    """Targets from an inventory file; a bad file is one InputError naming the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _InventoryFile.model_validate(raw)
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}", ja=f"{path} を読み込めません: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML", ja=f"{path} は正しい YAML ではありません") from err
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}", ja=f"{path}: {where}: {first['msg']}") from err
    return [_target(h) for h in parsed.hosts]


def check_unique(targets: list[Target]) -> None:
    seen: set[str] = set()
    for t in targets:
        if t.name in seen:
            raise UsageError(f"host {t.name!r} is listed twice; give each host a distinct name",
                             ja=f"ホスト {t.name!r} が 2 回指定されています。ホストごとに異なる名前を付けてください")
        seen.add(t.name)
