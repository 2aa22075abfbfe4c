"""A realistic Japanese check sheet for the demo: title block, two-row merged header, 大項目 rows, dropdowns.

`python -m checksheet.questionnaire.sample OUT.xlsx` writes it; `checksheet demo` answers it.
The questions are written in the style of customers' sheets, not copied from the catalog.
"""

from __future__ import annotations

import sys
from pathlib import Path

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "1. 組織・体制",
        (
            "情報セキュリティに関する基本方針を定め、経営層の承認を得て社内に周知していますか。",
            "情報セキュリティの責任者を任命し、管理体制を整備していますか。",
            "ISMS（ISO/IEC 27001）などの第三者認証を取得していますか。",
            "情報資産の洗い出しとリスク評価を年1回以上実施していますか。",
            "貴社の従業員数と資本金を記入してください。",
        ),
    ),
    (
        "2. 人的セキュリティ",
        (
            "全従業員に対して情報セキュリティ教育を年1回以上実施していますか。",
            "従業員および業務委託者と秘密保持契約（NDA）を締結していますか。",
            "退職時に貸与品の回収とアカウントの削除を行っていますか。",
        ),
    ),
    (
        "3. アカウント管理・アクセス制御",
        (
            "システムの利用者IDは個人ごとに発行し、共有IDを利用していませんか。",
            "管理者権限を持つアカウントへのログインに多要素認証を必須としていますか。",
            "退職者や異動者のアカウントは速やかに削除・変更していますか。",
            "アカウントと権限の棚卸しを定期的（四半期ごと等）に行っていますか。",
            "パスワードの長さや複雑さの要件を定めていますか。",
            "業務に必要な最小限の権限のみを付与していますか。",
        ),
    ),
    (
        "4. ネットワークセキュリティ",
        (
            "外部ネットワークから内部ネットワークを隠ぺいするため、DMZ を設置していますか。",
            "SSH や RDP などの管理用ポートをインターネットに公開していませんか。",
            "データベースサーバはインターネットから直接アクセスできない構成になっていますか。",
            "WAF（Web Application Firewall）を導入していますか。",
            "通信経路は TLS 1.2 以上で暗号化されていますか。",
            "本番環境への保守作業は踏み台サーバ等の限定された経路から行っていますか。",
        ),
    ),
    (
        "5. ログ管理",
        (
            "サーバやクラウドの操作ログ（監査ログ）を取得していますか。",
            "ログを取得し、改ざん防止の措置を講じていますか。",
            "ログは1年以上保管していますか。",
            "不正アクセスの兆候を検知する仕組み（IDS/IPS 等）を導入していますか。",
            "各サーバの時刻は NTP 等で同期していますか。",
            "ログを定期的に確認し、不審な操作がないか点検していますか。",
        ),
    ),
    (
        "6. 脆弱性対策",
        (
            "第三者による脆弱性診断を定期的に実施していますか。",
            "上記で「いいえ」の場合、その理由と代替策を記載してください。",
            "複数の診断会社による診断を受けていますか。",
            "脆弱性診断で検出された指摘事項は、期限を定めて是正していますか。",
            "サービスの重要なリリース前にセキュリティテストを実施していますか。",
        ),
    ),
    (
        "7. パッチ管理",
        (
            "OS やミドルウェアのセキュリティパッチを定期的に適用していますか。",
            "緊急度の高い脆弱性について、適用までの期限を定めていますか。",
            "セキュリティ更新の有無を自動的に確認する仕組みがありますか。",
            "サポートが終了した OS やソフトウェアを使用していませんか。",
        ),
    ),
    (
        "8. 暗号化",
        (
            "お客様のデータを保存するストレージやデータベースは暗号化されていますか。",
            "バックアップデータも暗号化して保管していますか。",
            "暗号鍵は適切に管理され、定期的にローテーションしていますか。",
        ),
    ),
    (
        "9. 障害・インシデント対応",
        (
            "セキュリティインシデント発生時の対応手順書を整備していますか。",
            "インシデント発生時、お客様へ速やかに通知する体制がありますか。",
            "インシデント対応訓練を定期的に実施していますか。",
            "データのバックアップを定期的に取得していますか。",
            "バックアップからの復旧手順を定期的にテストしていますか。",
            "障害に備えて、複数のデータセンター（アベイラビリティゾーン）で冗長化していますか。",
            "事業継続計画（BCP）を策定していますか。",
        ),
    ),
    (
        "10. データの取扱い",
        (
            "お客様のデータはどの国・地域に保管されますか。",
            "契約終了時に、お客様のデータを確実に削除し、削除証明を提出できますか。",
            "他の利用者のデータと論理的に分離して管理していますか。",
            "本番データを開発・テスト環境で使用していませんか。",
            "個人情報の取扱いについて、個人情報保護法に準拠した社内規程がありますか。",
        ),
    ),
    (
        "11. 開発・運用",
        (
            "ソースコードは第三者のレビューを経てから本番に反映していますか。",
            "開発環境・検証環境・本番環境を分離していますか。",
            "本番環境への変更は承認手続きを経て実施していますか。",
            "利用しているライブラリの脆弱性を自動でスキャンしていますか。",
        ),
    ),
    (
        "12. 物理・端末・委託先",
        (
            "サーバを設置しているデータセンターの物理的な入退館管理は適切に行われていますか。",
            "業務で使用する PC にウイルス対策ソフトを導入していますか。",
            "私物端末の業務利用を制限していますか。",
            "USB メモリ等の外部記録媒体の利用を制限していますか。",
            "再委託先がある場合、その一覧と管理方法を提示できますか。",
            "貴社の主要な取引銀行を記入してください。",
        ),
    ),
)
OPTIONS = ("はい", "いいえ", "一部対応", "該当なし")
INSTRUCTIONS = (
    "記入方法",
    "1. 「回答」欄はプルダウンから「はい」「いいえ」「一部対応」「該当なし」のいずれかを選択してください。",
    "2. 「備考」欄には、具体的な対策内容や、いいえの場合の理由・代替策をご記入ください。",
    "3. 記入例の行は削除せずにそのままご提出ください。",
)


def build_sample() -> object:
    """The sample workbook as an openpyxl Workbook."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    guide = wb.active
    guide.title = "記入方法"
    for i, line in enumerate(INSTRUCTIONS, start=1):
        guide.cell(i, 1, line)
    guide.column_dimensions["A"].width = 100

    ws = wb.create_sheet("セキュリティチェックシート")
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    section_fill = PatternFill("solid", fgColor="F2F2F2")
    ws["A1"] = "クラウドサービス 情報セキュリティチェックシート"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:D1")
    ws["A2"], ws["B2"] = "回答企業名", ""
    ws["A3"], ws["B3"] = "ご回答日", ""
    ws.merge_cells("B2:D2")
    ws.merge_cells("B3:D3")
    ws["A5"], ws["C5"] = "チェック項目", "ご回答"
    ws.merge_cells("A5:B5")
    ws.merge_cells("C5:D5")
    for col, label in zip("ABCD", ("項番", "質問", "回答", "備考"), strict=True):
        ws[f"{col}6"] = label
    for row in (5, 6):
        for col in "ABCD":
            ws[f"{col}{row}"].fill = head_fill
            ws[f"{col}{row}"].font = Font(bold=True)
            ws[f"{col}{row}"].border = box
            ws[f"{col}{row}"].alignment = Alignment(horizontal="center", vertical="center")
    ws["C6"].comment = Comment("プルダウンから選択してください", "お客様")
    for col, width in zip("ABCD", (8, 70, 12, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A7"
    ws.append(["記入例", "パスワードポリシーを定めていますか。", "はい", "最小12文字、英数記号を必須としています。"])
    dv = DataValidation(type="list", formula1='"' + ",".join(OPTIONS) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    row = ws.max_row
    for s_no, (section, questions) in enumerate(SECTIONS, start=1):
        row += 1
        ws.cell(row, 1, section).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.cell(row, 1).fill = section_fill
        for q_no, text in enumerate(questions, start=1):
            row += 1
            ws.cell(row, 1, f"{s_no}-{q_no}")
            ws.cell(row, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
            for c in range(1, 5):
                ws.cell(row, c).border = box
            dv.add(f"C{row}")
    wb.active = 1
    return wb


def write_sample(path: Path) -> Path:
    wb = build_sample()
    wb.save(path)  # type: ignore[attr-defined]
    return path


def question_count() -> int:
    return sum(len(q) for _, q in SECTIONS)


if __name__ == "__main__":
    print(write_sample(Path(sys.argv[1] if len(sys.argv) > 1 else "sample_checksheet_ja.xlsx")))
