"""Settings: defaults < checksheet.toml in the project folder < CHECKSHEET_* variables.

The project folder is the current directory unless CHECKSHEET_HOME names another.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checksheet.errors import ConfigError

CONFIG_FILE = "checksheet.toml"
STATE_DIR = ".checksheet"
ENV_PREFIX = "CHECKSHEET_"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str | None = None
    lang: Literal["ja", "en"] = "ja"
    aws_regions: list[str] = []
    drill_interval_days: int = Field(default=92, ge=1)
    restore_drill_interval_days: int = Field(default=92, ge=1)
    account_review_interval_days: int = Field(default=92, ge=1)
    assessment_interval_days: int = Field(default=365, ge=1)
    evidence_max_age_days: int = Field(default=30, ge=1)
    answer_threshold: float = Field(default=0.8, ge=0, le=1)


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str
    lang: Literal["ja", "en"]
    aws_regions: tuple[str, ...]
    drill_interval_days: int
    restore_drill_interval_days: int
    account_review_interval_days: int
    assessment_interval_days: int
    evidence_max_age_days: int
    answer_threshold: float

    @property
    def state_dir(self) -> Path:
        return self.home / STATE_DIR

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _from_env(environ: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for field in _Settings.model_fields:
        raw = environ.get(ENV_PREFIX + field.upper())
        if raw is None:
            continue
        values[field] = [r.strip() for r in raw.split(",") if r.strip()] if field == "aws_regions" else raw
    return values


def _from_file(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    section = data.get("checksheet", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [checksheet] must be a table")
    return section


def load_settings(home: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    root = (home or Path(env.get(ENV_PREFIX + "HOME") or Path.cwd())).resolve()
    merged = {**_from_file(root / CONFIG_FILE), **_from_env(env)}
    try:
        parsed = _Settings.model_validate(merged)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"setting {where}: {first['msg']}") from err
    url = parsed.database_url or f"sqlite:///{root / STATE_DIR / 'checksheet.db'}"
    return Settings(
        home=root,
        database_url=url,
        lang=parsed.lang,
        aws_regions=tuple(parsed.aws_regions),
        drill_interval_days=parsed.drill_interval_days,
        restore_drill_interval_days=parsed.restore_drill_interval_days,
        account_review_interval_days=parsed.account_review_interval_days,
        assessment_interval_days=parsed.assessment_interval_days,
        evidence_max_age_days=parsed.evidence_max_age_days,
        answer_threshold=parsed.answer_threshold,
    )


DEFAULT_CONFIG = """\
# checksheet settings. CHECKSHEET_<NAME> variables override these.
[checksheet]
# database_url = "postgresql+psycopg://user@host/checksheet"   # default: SQLite in .checksheet/
lang = "ja"                     # language of reports and CLI output: ja | en
# aws_regions = ["ap-northeast-1", "us-east-1"]   # default: every enabled region
drill_interval_days = 92        # an incident-response drill at least this often
restore_drill_interval_days = 92
account_review_interval_days = 92
assessment_interval_days = 365  # a third-party vulnerability assessment at least this often
evidence_max_age_days = 30      # scan results older than this make a control "stale"
answer_threshold = 0.8          # below this confidence a question is left for a person
"""
