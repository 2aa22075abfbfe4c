"""Workbooks are hostile input: refuse zip bombs, encrypted and corrupt files before any parser sees them.

The zip's central directory is inspected first (member count, declared sizes, compression
ratio); the parsers that run afterwards read a member no further than its declared size,
so a lie in the directory cannot inflate past these limits either.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from checksheet.errors import InputError

Kind = Literal["xlsx", "xlsm", "xls", "ods", "csv"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
KINDS: dict[str, Kind] = {".xlsx": "xlsx", ".xlsm": "xlsm", ".xls": "xls", ".ods": "ods", ".csv": "csv"}


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 300 * 1024 * 1024
    max_member_bytes: int = 200 * 1024 * 1024
    max_ratio: float = 150.0  # XML of real sheets compresses 5-30x; bombs reach thousands
    ratio_floor_bytes: int = 5 * 1024 * 1024  # small members may compress very well and harm no one
    max_members: int = 5_000
    max_rows: int = 50_000
    max_cols: int = 300
    max_cells: int = 2_000_000  # rows x columns read into memory
    max_merged_cells: int = 1_000_000  # openpyxl makes one object per merged cell
    max_validations: int = 1_000  # real sheets have a handful of dropdowns


DEFAULT_LIMITS = Limits()


def _fail(path: Path, en: str, ja: str) -> InputError:
    return InputError(f"{path.name}: {en}", ja=f"{path.name}: {ja}")


def kind_of(path: Path) -> Kind:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise _fail(
            path,
            "unsupported file type; give an .xlsx, .xlsm, .xls, .ods or .csv file",
            "対応していない形式です。.xlsx、.xlsm、.xls、.ods、.csv のいずれかを指定してください",
        )
    return kind


def _check_zip(path: Path, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise _fail(
            path,
            f"not a valid workbook (corrupt zip: {err})",
            f"ブックとして読み込めません（zip が壊れています: {err}）",
        ) from err
    if len(members) > limits.max_members:
        raise _fail(
            path, f"too many parts in the workbook ({len(members)})", f"ブック内の要素が多すぎます（{len(members)} 個）"
        )
    total = 0
    for m in members:
        total += m.file_size
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > limits.max_member_bytes or (
            m.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio
        ):
            raise _fail(
                path,
                f"refused: part {m.filename} expands to {m.file_size:,} bytes (ratio {ratio:.0f}:1), a likely zip bomb",
                f"読み込みを中止しました: {m.filename} は展開すると {m.file_size:,} バイト"
                f"（圧縮率 {ratio:.0f}:1）になり、zip 爆弾の疑いがあります",
            )
    if total > limits.max_unzipped_bytes:
        raise _fail(
            path,
            f"refused: the workbook expands to {total:,} bytes",
            f"読み込みを中止しました: 展開後のサイズが {total:,} バイトになります",
        )


def check_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Kind:
    """The workbook's kind, after refusing what must not be parsed; raises InputError."""
    kind = kind_of(path)
    if not path.is_file():
        raise _fail(path, "no such file", "ファイルがありません")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _fail(
            path,
            f"file too large ({size:,} bytes; limit {limits.max_file_bytes:,})",
            f"ファイルが大きすぎます（{size:,} バイト、上限 {limits.max_file_bytes:,} バイト）",
        )
    with path.open("rb") as f:
        head = f.read(8)
    if kind == "csv":
        return kind
    if head == OLE_MAGIC and kind in ("xlsx", "xlsm"):
        # An OOXML file inside an OLE container is what Excel writes when a password is set.
        raise _fail(
            path,
            "the workbook is password-protected (encrypted); save an unprotected copy and retry",
            "ブックがパスワードで保護（暗号化）されています。保護を解除したコピーを指定してください",
        )
    if kind == "xls":
        if head != OLE_MAGIC:
            raise _fail(path, "not an Excel 97-2003 (.xls) file", "Excel 97-2003 形式（.xls）のファイルではありません")
        return kind
    if head[:4] != ZIP_MAGIC:
        raise _fail(
            path, "not a valid workbook (not a zip container)", "ブックとして読み込めません（zip 形式ではありません）"
        )
    _check_zip(path, limits)
    return kind
