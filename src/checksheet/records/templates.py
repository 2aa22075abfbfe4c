"""Import templates for records: the columns of each kind, printed as CSV or XLSX and read back.

A file is read and every row checked before anything is stored: one bad cell is a one-line error
naming the row and column, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from checksheet.errors import InputError
from checksheet.model import RecordKind, Text
from checksheet.records import schemas
from checksheet.records.schemas import AssessmentIn, AttestationIn, DrillIn, EvidenceIn, RecordIn

LIST_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    help: Text
    required: bool = False
    choices: tuple[str, ...] = ()
    is_list: bool = False


CONTROLS = Column("control_ids", Text("対象のコントロール ID (; 区切り、空欄なら種類から自動)",
                                      "control ids, ; separated (empty: the controls that ask for this kind)"),
                  is_list=True)

COLUMNS: Mapping[RecordKind, tuple[Column, ...]] = {
    RecordKind.DRILL: (
        Column("drill_type", Text("訓練の種類", "kind of drill"), True, get_args(schemas.DrillType)),
        Column("occurred_on", Text("実施日 (YYYY-MM-DD)", "date held (YYYY-MM-DD)"), True),
        Column("participants", Text("参加者 (; 区切り)", "participants, ; separated"), True, is_list=True),
        Column("scenario", Text("想定したシナリオ", "the scenario played"), True),
        Column("runbook", Text("使用した手順書 (URL やファイル名)", "runbook used (URL or document)")),
        Column("result", Text("結果", "outcome"), True, get_args(schemas.DrillResult)),
        Column("recovery_minutes", Text("復旧までの時間 (分)", "time to recover, minutes")),
        Column("follow_ups", Text("改善事項 (; 区切り)", "follow-ups, ; separated"), is_list=True),
        CONTROLS,
    ),
    RecordKind.ASSESSMENT: (
        Column("vendor", Text("診断会社", "vendor"), True),
        Column("assessment_type", Text("診断の種類", "kind of assessment"), True, get_args(schemas.AssessmentType)),
        Column("scope", Text("診断範囲", "scope"), True),
        Column("started_on", Text("開始日", "first day"), True),
        Column("ended_on", Text("終了日 (報告日)", "last day (report date)"), True),
        Column("report_file", Text("報告書ファイル (このファイルからの相対パス)",
                                   "report file, relative to this file")),
        Column("finding_id", Text("指摘 ID (指摘ごとに 1 行、診断の列は繰り返す)",
                                  "finding id (one row per finding; repeat the assessment columns)")),
        Column("finding_title", Text("指摘の内容", "finding title")),
        Column("severity", Text("重大度", "severity"), False, get_args(schemas.Severity)),
        Column("status", Text("対応状況", "status"), False, get_args(schemas.FindingStatus)),
        Column("due_on", Text("是正期限", "due date")),
        Column("closed_on", Text("是正日", "date closed")),
        CONTROLS,
    ),
    RecordKind.ATTESTATION: (
        Column("control_ids", Text("対象のコントロール ID (; 区切り)", "control ids, ; separated"), True, is_list=True),
        Column("statement", Text("宣誓する内容", "what is attested"), True),
        Column("owner", Text("責任者", "owner"), True),
        Column("evidence_file", Text("根拠資料ファイル", "evidence file")),
        Column("reviewed_on", Text("確認日", "date reviewed"), True),
        Column("expires_on", Text("有効期限", "expiry date"), True),
    ),
    RecordKind.EVIDENCE_FILE: (
        Column("file", Text("ファイル (このファイルからの相対パス)", "file, relative to this file"), True),
        Column("title", Text("資料名", "title"), True),
        Column("doc_type", Text("資料の種類", "kind of document"), True, get_args(schemas.DocType)),
        Column("dated_on", Text("版の日付", "date of this version"), True),
        CONTROLS,
    ),
}

MODELS: Mapping[RecordKind, type[BaseModel]] = {
    RecordKind.DRILL: DrillIn, RecordKind.ASSESSMENT: AssessmentIn,
    RecordKind.ATTESTATION: AttestationIn, RecordKind.EVIDENCE_FILE: EvidenceIn,
}
_FINDING_COLUMNS = {"finding_id": "id", "finding_title": "title", "severity": "severity", "status": "status",
                    "due_on": "due_on", "closed_on": "closed_on"}


def csv_template(kind: RecordKind) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([c.name for c in COLUMNS[kind]])
    return out.getvalue()


def xlsx_template(kind: RecordKind) -> bytes:
    """The header row with drop-down lists for fixed values, and a help sheet in Japanese and English."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = kind.value
    for i, col in enumerate(COLUMNS[kind], start=1):
        cell = sheet.cell(row=1, column=i, value=col.name)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, len(col.name) + 4)
        if col.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=not col.required)
            rule.add(f"{letter}2:{letter}1000")
            sheet.add_data_validation(rule)
    helper = book.create_sheet("help")
    helper.append(["column", "required", "values", "説明", "description"])
    for col in COLUMNS[kind]:
        helper.append([col.name, "yes" if col.required else "", ", ".join(col.choices), col.help.ja, col.help.en])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path, kind: RecordKind) -> list[dict[str, str]]:
    """Rows as {column: text}, from CSV (UTF-8 with or without BOM, else Shift_JIS) or XLSX."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, kind)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}", ja=f"{path} を読み込めません: {err.strerror}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp932")
        except UnicodeDecodeError as err:
            raise InputError(f"{path}: neither UTF-8 nor Shift_JIS text",
                             ja=f"{path}: UTF-8 でも Shift_JIS でもありません") from err
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader]
    return _as_dicts(path, rows)


def _xlsx_rows(path: Path, kind: RecordKind) -> list[dict[str, str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise InputError(f"{path}: not a readable .xlsx workbook: {err}",
                         ja=f"{path}: .xlsx として読み込めません") from err
    sheet = book[kind.value] if kind.value in book.sheetnames else book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return _as_dicts(path, rows)


def _as_dicts(path: Path, rows: Sequence[Sequence[Any]]) -> list[dict[str, str]]:
    if not rows:
        raise InputError(f"{path}: empty file, no header row", ja=f"{path}: 空のファイルです(見出し行がありません)")
    header = [_cell(h) for h in rows[0]]
    out = []
    for values in rows[1:]:
        cells = [_cell(v) for v in values]
        if any(cells):
            out.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
    return out


def _error(source: str, row: int, err: ValidationError) -> InputError:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "row"
    return InputError(f"{source} row {row}: {where}: {first['msg']}",
                      ja=f"{source} の {row} 行目: {where}: {first['msg']}")


def _fields(kind: RecordKind, row: Mapping[str, str], source: str) -> dict[str, Any]:
    known = {c.name: c for c in COLUMNS[kind]}
    unknown = sorted(set(row) - set(known))
    if unknown:
        raise InputError(f"{source}: unknown column {', '.join(unknown)} (print the template to see the columns)",
                         ja=f"{source}: 不明な列 {', '.join(unknown)} があります(テンプレートで列を確認してください)")
    fields: dict[str, Any] = {}
    for name, value in row.items():
        if value == "" or name in _FINDING_COLUMNS:
            continue
        fields[name] = [v.strip() for v in value.replace("\n", LIST_SEPARATOR).split(LIST_SEPARATOR) if v.strip()] \
            if known[name].is_list else value
    return fields


def parse(kind: RecordKind, rows: Iterable[Mapping[str, str]], source: str) -> list[RecordIn]:
    """Validate every row; assessment rows sharing vendor, type, scope and dates make one assessment."""
    model = MODELS[kind]
    items: list[RecordIn] = []
    groups: dict[tuple[str, ...], tuple[int, dict[str, Any]]] = {}
    for number, row in enumerate(rows, start=2):
        fields = _fields(kind, row, source)
        if kind is RecordKind.ASSESSMENT:
            key = tuple(row.get(k, "") for k in ("vendor", "assessment_type", "scope", "started_on", "ended_on"))
            _, group = groups.setdefault(key, (number, {**fields, "findings": []}))
            if row.get("finding_id"):
                finding = {_FINDING_COLUMNS[k]: v for k, v in row.items() if k in _FINDING_COLUMNS and v}
                group["findings"].append(finding)
            continue
        try:
            items.append(model.model_validate(fields))  # type: ignore[arg-type]
        except ValidationError as err:
            raise _error(source, number, err) from err
    for first, fields in groups.values():
        try:
            items.append(AssessmentIn.model_validate(fields))
        except ValidationError as err:
            raise _error(source, first, err) from err
    if not items:
        raise InputError(f"{source}: no rows to import", ja=f"{source}: 取り込む行がありません")
    return items
