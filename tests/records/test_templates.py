"""Import templates: printed, filled in (CSV in UTF-8 or Shift_JIS, XLSX), read back; a bad cell is one line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from checksheet.errors import InputError
from checksheet.model import RecordKind
from checksheet.records import templates
from checksheet.records.schemas import AssessmentIn, DrillIn


def write_csv(path: Path, kind: RecordKind, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    header = next(csv.reader(io.StringIO(templates.csv_template(kind))))
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


DRILL = {"drill_type": "restore", "occurred_on": "2026-05-01", "participants": "佐藤; 鈴木",
         "scenario": "RDS をスナップショットから復元", "result": "succeeded", "recovery_minutes": "35",
         "follow_ups": "手順書を更新", "control_ids": "ir-05"}


@pytest.mark.parametrize("kind", list(templates.COLUMNS))
def test_every_template_column_feeds_its_schema(kind: RecordKind) -> None:
    model = templates.MODELS[kind]
    names = {c.name for c in templates.COLUMNS[kind]} - set(templates._FINDING_COLUMNS)
    assert names <= set(model.model_fields), names - set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()} - {"findings"}
    assert required <= {c.name for c in templates.COLUMNS[kind] if c.required}


def test_drills_from_csv_in_utf8_and_shift_jis(tmp_path: Path) -> None:
    for encoding in ("utf-8-sig", "cp932"):
        path = write_csv(tmp_path / f"drills-{encoding}.csv", RecordKind.DRILL, [DRILL], encoding)
        [item] = templates.parse(RecordKind.DRILL, templates.read_rows(path, RecordKind.DRILL), path.name)
        assert isinstance(item, DrillIn)
        assert item.participants == ["佐藤", "鈴木"] and item.control_ids == ["IR-05"] and item.recovery_minutes == 35


def test_assessment_rows_group_into_assessments_with_findings(tmp_path: Path) -> None:
    base = {"vendor": "Acme", "assessment_type": "web", "scope": "app", "started_on": "2026-04-01",
            "ended_on": "2026-04-10", "report_file": "report.pdf"}
    rows = [{**base, "finding_id": "F-1", "finding_title": "XSS", "severity": "high", "due_on": "2026-05-10"},
            {**base, "finding_id": "F-2", "finding_title": "Cookie flags", "severity": "low"},
            {**base, "vendor": "Blue", "report_file": ""}]
    path = write_csv(tmp_path / "assessments.csv", RecordKind.ASSESSMENT, rows)
    items = templates.parse(RecordKind.ASSESSMENT, templates.read_rows(path, RecordKind.ASSESSMENT), path.name)
    assert [(i.vendor, len(i.findings)) for i in items if isinstance(i, AssessmentIn)] == [("Acme", 2), ("Blue", 0)]


@pytest.mark.parametrize(("change", "message"), [
    ({"occurred_on": "yesterday"}, "drills.csv row 3: occurred_on: Input should be a valid date"),
    ({"result": "ok"}, "drills.csv row 3: result: Input should be 'succeeded', 'partial' or 'failed'"),
    ({"participants": ""}, "drills.csv row 3: participants: Field required"),
    ({"recovery_minutes": "-5"}, "drills.csv row 3: recovery_minutes: Input should be greater than or equal to 0"),
])
def test_a_bad_cell_is_one_line_naming_row_and_column(tmp_path: Path, change: dict[str, str], message: str) -> None:
    path = write_csv(tmp_path / "drills.csv", RecordKind.DRILL, [DRILL, {**DRILL, **change}])
    with pytest.raises(InputError) as err:
        templates.parse(RecordKind.DRILL, templates.read_rows(path, RecordKind.DRILL), path.name)
    assert err.value.diagnostics().startswith(message)
    assert "\n" not in err.value.diagnostics()


def test_unknown_columns_and_empty_files_are_refused(tmp_path: Path) -> None:
    typo = tmp_path / "typo.csv"
    typo.write_text("drill_typ,occurred_on\nrestore,2026-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown column drill_typ"):
        templates.parse(RecordKind.DRILL, templates.read_rows(typo, RecordKind.DRILL), typo.name)
    header_only = tmp_path / "header.csv"
    header_only.write_text(templates.csv_template(RecordKind.DRILL), encoding="utf-8")
    with pytest.raises(InputError, match="no rows to import"):
        templates.parse(RecordKind.DRILL, templates.read_rows(header_only, RecordKind.DRILL), "header.csv")


def test_the_xlsx_template_has_drop_downs_and_help_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "drills.xlsx"
    path.write_bytes(templates.xlsx_template(RecordKind.DRILL))
    book = load_workbook(path)
    sheet = book["drill"]
    assert [c.value for c in sheet[1]] == [c.name for c in templates.COLUMNS[RecordKind.DRILL]]
    assert any("restore" in (v.formula1 or "") for v in sheet.data_validations.dataValidation)
    assert book["help"]["D2"].value == "訓練の種類"
    header = [c.name for c in templates.COLUMNS[RecordKind.DRILL]]
    sheet.append([DRILL.get(h, "") for h in header])
    book.save(path)
    [item] = templates.parse(RecordKind.DRILL, templates.read_rows(path, RecordKind.DRILL), path.name)
    assert isinstance(item, DrillIn) and item.drill_type == "restore"


def test_xlsx_dates_and_numbers_are_read_as_written(tmp_path: Path) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    header = [c.name for c in templates.COLUMNS[RecordKind.DRILL]]
    sheet.append(header)
    row = {**DRILL, "occurred_on": datetime(2026, 5, 1), "recovery_minutes": 35.0}
    sheet.append([row.get(h, "") for h in header])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    [item] = templates.parse(RecordKind.DRILL, templates.read_rows(path, RecordKind.DRILL), path.name)
    assert isinstance(item, DrillIn) and str(item.occurred_on) == "2026-05-01" and item.recovery_minutes == 35


def test_a_file_that_is_not_a_workbook_is_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "drills.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        templates.read_rows(fake, RecordKind.DRILL)
