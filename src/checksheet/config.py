"""Settings: defaults < checksheet.toml in the project folder < CHECKSHEET_* variables.

The project folder is the current directory unless CHECKSHEET_HOME names another.
"""

from __future__ import annotations

import os
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from checksheet.errors import ConfigError
from checksheet.model import Text

CONFIG_FILE = "checksheet.toml"
STATE_DIR = ".checksheet"
ENV_PREFIX = "CHECKSHEET_"


def user_cache_dir() -> Path:
    """Where checksheet keeps what it can make again (parsed models and catalogs): $XDG_CACHE_HOME or ~/.cache."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "checksheet"


def keep_in_cache(file: Path, text: str) -> None:
    """Write a cache file atomically (a concurrent reader sees a whole file or none); skipped when it cannot be.

    A cache holds only what can be made again, so failing to keep it is never an error. Its folders
    are the user's alone (0700), as read_cache requires.
    """
    try:
        root = user_cache_dir()
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}")
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, file)
    except OSError:
        return


def read_cache(file: Path) -> bytes | None:
    """A cache file's bytes, or None when absent or not to be trusted: not the user's own, or writable by
    others (what it holds steers the scan's AWS calls, so it is held to the rule ssh applies to its keys)."""
    try:
        with file.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_uid != os.getuid() or stat.st_mode & 0o022:
                return None
            return handle.read()
    except OSError:
        return None


def _number(kind: type[int] | type[float], low: float, high: float | None = None) -> Callable[[Any], Any]:
    """A parser for a bounded number given in TOML or as the text of a variable."""
    def parse(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        number = kind(value)
        if number != float(value):  # 3.5 days is not a whole number of days
            raise ValueError
        if number < low or (high is not None and number > high):
            raise ValueError
        return number
    return parse


def _lang(value: Any) -> Any:
    if value not in ("ja", "en"):
        raise ValueError
    return value


def _url(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise ValueError
    return value


def _regions(value: Any) -> Any:
    if isinstance(value, str):
        value = [r.strip() for r in value.split(",") if r.strip()]
    if not isinstance(value, list) or not all(isinstance(r, str) and r for r in value):
        raise ValueError
    return tuple(value)


_DAYS = Text("1 以上の整数", "a whole number of days, at least 1")
#: name -> (default, parser, what a valid value is). Kept free of pydantic: every command reads it first.
_FIELDS: dict[str, tuple[Any, Callable[[Any], Any], Text]] = {
    "database_url": (None, _url, Text("SQLAlchemy の URL 文字列", "an SQLAlchemy URL")),
    "lang": ("ja", _lang, Text("ja または en", "ja or en")),
    "aws_regions": ((), _regions, Text("リージョン名のリスト", "a list of region names")),
    "drill_interval_days": (92, _number(int, 1), _DAYS),
    "restore_drill_interval_days": (92, _number(int, 1), _DAYS),
    "account_review_interval_days": (92, _number(int, 1), _DAYS),
    "assessment_interval_days": (365, _number(int, 1), _DAYS),
    "evidence_max_age_days": (30, _number(int, 1), _DAYS),
    "answer_threshold": (0.8, _number(float, 0, 1), Text("0 から 1 までの数値", "a number from 0 to 1")),
}


def _validated(merged: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(merged) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"setting {unknown[0]}: unknown setting (known: {', '.join(_FIELDS)})",
                          ja=f"設定 {unknown[0]}: 不明な設定です(有効な設定: {', '.join(_FIELDS)})")
    values = {}
    for name, (default, parse, expect) in _FIELDS.items():
        if name not in merged:
            values[name] = default
            continue
        try:
            values[name] = parse(merged[name])
        except ValueError:
            raise ConfigError(f"setting {name}: {merged[name]!r} is not {expect.en}",
                              ja=f"設定 {name}: {merged[name]!r} は不正です({expect.ja}を指定してください)") from None
    return values


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
    return {field: environ[ENV_PREFIX + field.upper()] for field in _FIELDS if ENV_PREFIX + field.upper() in environ}


def _from_file(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML: {err}", ja=f"{path}: TOML として不正です: {err}") from err
    section = data.get("checksheet", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [checksheet] must be a table", ja=f"{path}: [checksheet] はテーブルにしてください")
    return section


def load_settings(home: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    root = (home or Path(env.get(ENV_PREFIX + "HOME") or Path.cwd())).resolve()
    values = _validated({**_from_file(root / CONFIG_FILE), **_from_env(env)})
    url = values["database_url"] or f"sqlite:///{root / STATE_DIR / 'checksheet.db'}"
    return Settings(home=root, **{**values, "database_url": url})


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
