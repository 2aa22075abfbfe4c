"""The demo's own folder: created and marked as a demo, never a folder that holds someone's work.

It is a normal checksheet project (checksheet.toml, SQLite in .checksheet/), so after the demo
`checksheet status` or `checksheet findings` inside it show the same results.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from checksheet.config import CONFIG_FILE, DEFAULT_CONFIG, ENV_PREFIX, Settings, load_settings
from checksheet.demo.seed import REGIONS
from checksheet.errors import UsageError
from checksheet.store import Store, open_store

MARKER = ".checksheet-demo"
_MARKER_TEXT = "This folder was created by `checksheet demo`; running the demo again refreshes it.\n"


def prepare(folder: Path) -> Path:
    """Create the folder (or reuse an earlier demo's); refuse anything else that is not empty."""
    folder = folder.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder", ja=f"{folder} はフォルダーではなくファイルです")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise UsageError(
            f"{folder} is not empty and was not created by `checksheet demo`; choose another --dir",
            ja=f"{folder} は空ではなく、`checksheet demo` が作成したフォルダーでもありません。"
            "別の --dir を指定してください",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    except OSError as err:
        raise UsageError(
            f"cannot create the demo folder {folder}: {err.strerror}",
            ja=f"デモ用フォルダー {folder} を作成できません: {err.strerror}",
        ) from err
    return folder


def settings(folder: Path, regions: tuple[str, ...] = REGIONS) -> Settings:
    """`checksheet init` in the folder: its own config and SQLite database.

    The caller's CHECKSHEET_DATABASE_URL must not send the demo's emulated findings into a
    real team database, nor CHECKSHEET_HOME move the demo elsewhere; other settings apply.
    """
    config = folder / CONFIG_FILE
    if not config.exists():
        line = "aws_regions = [{}]".format(", ".join(f'"{r}"' for r in regions))
        commented = re.compile(r"^# *aws_regions *=.*$", re.MULTILINE)
        text = commented.sub(line, DEFAULT_CONFIG, count=1) if commented.search(DEFAULT_CONFIG) else (
            DEFAULT_CONFIG + line + "\n")
        config.write_text(text, encoding="utf-8")
    ignored = {ENV_PREFIX + "DATABASE_URL", ENV_PREFIX + "HOME"}
    environ = {k: v for k, v in os.environ.items() if k not in ignored}
    cfg = load_settings(folder, environ)
    cfg.state_dir.mkdir(mode=0o700, exist_ok=True)
    return cfg


def store(cfg: Settings) -> Store:
    return open_store(cfg.database_url)
