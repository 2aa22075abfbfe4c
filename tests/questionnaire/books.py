"""Workbooks built in the tests: the layouts customers really send, and hostile files."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from checksheet.model import ControlState, ControlStatus, Text

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

JA_QUESTIONS = (
    (
        "1. ログ管理",
        (
            "監査ログを取得していますか。",
            "ログを取得し、改ざん防止していますか。",
            "ログは1年以上保管していますか。",
        ),
    ),
    (
        "2. アカウント管理",
        (
            "管理者アカウントに多要素認証を必須としていますか。",
            "「いいえ」の場合、その理由と代替策を記載してください。",
            "貴社の資本金を記入してください。",
        ),
    ),
)


def japanese_book(path: Path, options: tuple[str, ...] = ("はい", "いいえ", "一部対応", "該当なし")) -> Path:
    """Title block, a two-row merged header, 記入例 and 大項目 rows, a dropdown, a comment, widths."""
    wb = Workbook()
    ws = wb.active
    ws.title = "チェックシート"
    ws["A1"] = "情報セキュリティチェックシート"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:D1")
    ws["A2"] = "回答企業名"
    ws.merge_cells("B2:D2")
    ws["A4"], ws["C4"] = "確認事項", "ご回答"
    ws.merge_cells("A4:B4")
    ws.merge_cells("C4:D4")
    for col, label in zip("ABCD", ("項番", "質問", "回答", "備考"), strict=True):
        ws[f"{col}5"] = label
        ws[f"{col}5"].fill = PatternFill("solid", fgColor="DDEBF7")
    ws["C5"].comment = Comment("選択してください", "customer")
    ws.column_dimensions["B"].width = 64
    ws.column_dimensions["D"].width = 48
    ws.append(["記入例", "パスワードの最低文字数を定めていますか。", "はい", "12文字以上"])
    dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    for s_no, (section, questions) in enumerate(JA_QUESTIONS, start=1):
        ws.append([section])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        for q_no, text in enumerate(questions, start=1):
            ws.append([f"{s_no}-{q_no}", text])
            ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True)
            dv.add(f"C{ws.max_row}")
    ws2 = wb.create_sheet("改訂履歴")
    ws2.append(["版", "日付", "内容"])
    ws2.append(["1.0", "2026-04-01", "初版"])
    wb.save(path)
    return path


EN_QUESTIONS = (
    "Are audit logs enabled for all administrative actions in your cloud accounts?",
    "Is multi-factor authentication required for privileged accounts?",
    "If no, describe compensating controls.",
    "What is your company's registered address?",
)


def english_book(path: Path) -> Path:
    """A SIG-style sheet: header in row 3, Yes/No/N/A list taken from a range on a lists sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Questionnaire"
    ws.append(["Vendor Security Assessment"])
    ws.append([])
    ws.append(["Ref", "Category", "Question", "Response", "Comments"])
    lists = wb.create_sheet("Lists")
    for i, word in enumerate(("Yes", "No", "N/A"), start=1):
        lists.cell(i, 1, word)
    dv = DataValidation(type="list", formula1="=Lists!$A$1:$A$3")
    ws.add_data_validation(dv)
    for i, q in enumerate(EN_QUESTIONS, start=1):
        ws.append([f"Q{i}", "Security", q])
        dv.add(f"D{ws.max_row}")
    wb.save(path)
    return path


def multi_sheet_book(path: Path) -> Path:
    """An instructions sheet that names the vocabulary (○/×/△) and two question sheets without dropdowns."""
    wb = Workbook()
    guide = wb.active
    guide.title = "記入方法"
    guide.append(["回答欄には「○」「×」「△」のいずれかを記入してください。"])
    guide.append(["質問", "回答"])  # an instructions sheet with header words still holds no questions
    for name, questions in (
        ("インフラ", ("DMZ を設置していますか。", "WAF を導入していますか。")),
        ("組織", ("情報セキュリティ教育を年1回以上実施していますか。",)),
    ):
        ws = wb.create_sheet(name)
        ws.append(["No.", "大項目", "チェック項目", "回答", "補足"])
        for i, q in enumerate(questions, start=1):
            ws.append([i, name if i == 1 else None, q])
    wb.save(path)
    return path


def csv_book(path: Path, encoding: str) -> Path:
    rows = ["No,質問,回答,備考", "1,監査ログを取得していますか。,,", '2,"ログを取得し、改ざん防止していますか。",,']
    data = "\r\n".join(rows).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8-sig" and not data.startswith(b"\xef") else b"") + data)
    return path


def ods_book(path: Path) -> Path:
    """A minimal OpenDocument spreadsheet written by hand (what LibreOffice saves, less the styles)."""
    rows = [("No", "質問", "回答"), ("1", "監査ログを取得していますか。", ""), ("2", "WAF を導入していますか。", "")]

    def cell(v: str) -> str:
        return (
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            if v
            else "<table:table-cell/>"
        )

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="シート1">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return write_ods(path, content)


def write_ods(path: Path, content: str) -> Path:
    """An OpenDocument spreadsheet holding `content` (content.xml): the mimetype first, then a manifest."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def status(control_id: str, state: ControlState, passed: int = 3, failed: int = 0) -> ControlStatus:
    return ControlStatus(
        control_id=control_id,
        state=state,
        passed=passed,
        failed=failed,
        errors=0,
        reasons=(
            Text(
                ja=f"チェック {control_id}: 適合 {passed}/{passed + failed}",
                en=f"check {control_id}: {passed}/{passed + failed} compliant",
            ),
        ),
        evidence_ids=(f"check_{control_id.lower()}:res-1",),
        evaluated_at=NOW,
    )
