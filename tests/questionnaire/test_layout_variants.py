"""Layouts of real customers' sheets that the first detector got wrong; each workbook is the smallest that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from checksheet.model import ControlState
from checksheet.questionnaire import service
from checksheet.questionnaire.layout import Overrides, detect_book
from checksheet.questionnaire.library import import_reviewed
from checksheet.questionnaire.read import read_book
from checksheet.store import Store
from checksheet.store.answers import library
from tests.questionnaire.books import status

MET = [status(c, ControlState.MET) for c in ("LOG-01", "NET-05", "HR-01", "NET-01")]


def _save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def test_an_instructions_sheet_under_any_name_gives_the_vocabulary(tmp_path: Path) -> None:
    wb = Workbook()
    guide = wb.active
    guide.title = "回答要領"  # not a name the detector knows
    guide.append(["ご回答のお願い"])
    guide.append(["1. 「回答」欄には「有」「無」「対象外」のいずれかをご記入ください。"])
    guide.append(["2. 「無」の場合は補足欄に予定をご記入ください。"])
    ws = wb.create_sheet("1.管理策")
    ws.append(["項番", "チェック項目", "回答", "補足"])
    ws.append(["1.1", "WAF を導入していますか。"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "guide.xlsx")))
    assert lay.vocabulary == ("有", "無", "対象外")


@pytest.mark.parametrize(
    ("header", "vocabulary"),
    [
        ("Answer (Yes/No/NA)", ("Yes", "No", "NA")),
        ("回答\n(○×-)", ("○", "×", "-")),
        ("回答（該当なし／いいえ／はい）", ("該当なし", "いいえ", "はい")),
        ("Response (yes / no)", ("yes", "no")),
    ],
)
def test_header_vocabulary_keeps_the_sheets_order_and_spelling(
    tmp_path: Path, header: str, vocabulary: tuple[str, ...]
) -> None:
    wb = Workbook()
    wb.active.append(["No", "Question", header, "Notes"])
    wb.active.append([1, "Is a WAF deployed in front of public applications?"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "h.xlsx")))
    assert lay.vocabulary == vocabulary


def test_question_cells_merged_like_their_header_are_questions(tmp_path: Path) -> None:
    """Excel 方眼紙: the question spans B:C on every row, as its header does; statements end in 〜している。"""
    wb = Workbook()
    ws = wb.active
    ws.append(["No.", "調査項目", None, "回答", "備考"])
    ws.merge_cells("B1:C1")
    items = ["ファイアウォールにより、不要な通信を遮断している。", "WAFの導入有無", "ログ管理"]
    for i, text in enumerate(items, start=1):
        ws.append([i, text])
        ws.merge_cells(start_row=i + 1, start_column=2, end_row=i + 1, end_column=3)
    ws.append([None, "2. 技術的対策"])  # a heading is merged wider than the question's header
    ws.merge_cells("B5:E5")
    ws.append([4, "通信経路を暗号化している。"])
    ws.merge_cells("B6:C6")
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "hougan.xlsx")))
    assert [q.row for q in lay.questions] == [2, 3, 4, 6]
    assert lay.section_rows == (5,)
    assert lay.questions[-1].section == "2. 技術的対策"


def test_notes_closing_lines_and_repeated_headers_are_not_questions(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Ques Num", "Question/Request", "Response", "Additional Information"])
    for i, q in enumerate(
        (
            "Is there a password policy?",
            "Are audit logs retained for a year?",
            "Is a WAF deployed?",
        ),
        start=1,
    ):
        ws.append([f"A.{i}", q])
    ws.append(["", "※ Answer the following only where it applies."])
    ws.append(["Ques Num", "Question/Request", "Response", "Additional Information"])  # a second table's header
    ws.append(["B.1", "Is MFA enforced for administrators?"])
    ws.append(["B.2", "Are backups tested?"])
    ws.append([])
    ws.append(["", "Please return the completed questionnaire to your sales contact."])
    ws.append(["", "End of questionnaire. Thank you for your cooperation."])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "sig.xlsx")))
    assert [q.ref for q in lay.questions] == ["A.1", "A.2", "A.3", "B.1", "B.2"]
    assert lay.note_rows == (5, 10, 11)


def test_short_japanese_items_are_questions(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["No", "確認項目", "回答"])
    for i, q in enumerate(("資本金", "所在地", "従業員数", "DMZ を設置していますか。"), start=1):
        wb.active.append([i, q])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "short.xlsx")))
    assert [q.text for q in lay.questions] == ["資本金", "所在地", "従業員数", "DMZ を設置していますか。"]


def _side_by_side(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "チェック"
    ws.append(["管理面", None, None, None, None, "技術面"])
    ws.append(["No", "質問項目", "回答", "コメント", None, "No", "質問項目", "回答", "コメント"])
    dv = DataValidation(type="list", formula1='"はい,いいえ"')
    ws.add_data_validation(dv)
    left = ("情報セキュリティ教育を実施していますか。", "秘密保持契約を締結していますか。")
    right = ("WAF を導入していますか。", "監査ログを取得していますか。", "DMZ を設置していますか。")
    for i in range(3):
        row = [i + 1, left[i], None, None] if i < len(left) else [None] * 4
        ws.append([*row, None, i + 1, right[i]])
        dv.add(f"C{ws.max_row}")
        dv.add(f"H{ws.max_row}")
    return _save(wb, path)


def test_tables_side_by_side_are_each_a_layout(tmp_path: Path) -> None:
    layouts = detect_book(read_book(_side_by_side(tmp_path / "side.xlsx")))
    assert [(lay.question_col, lay.answer_col, lay.remarks_col, lay.id_col) for lay in layouts] == [
        (2, 3, 4, 1),
        (7, 8, 9, 6),
    ]
    assert [len(lay.questions) for lay in layouts] == [2, 3]
    (right,) = detect_book(read_book(tmp_path / "side.xlsx"), Overrides(question_col=7))
    assert (right.id_col, right.answer_col, len(right.questions)) == (6, 8, 3)


def test_tables_side_by_side_are_answered_in_their_own_columns(tmp_path: Path, sqlite_store: Store) -> None:
    src = _side_by_side(tmp_path / "side.xlsx")
    result = service.answer_sheet(sqlite_store, MET, service.Request(path=src))
    ws = load_workbook(result.written.path)["チェック"]
    assert ws["C3"].value == "はい"  # HR-01, left table
    assert ws["H3"].value == "はい" and ws["H4"].value == "はい"  # NET-05 and LOG-01, right table
    assert ws["I3"].value and ws["D3"].value
    assert ws["E3"].value is None and ws["J3"].value is None


def _tick(path: Path) -> Path:
    """該当欄に○: はい | いいえ columns under a merged 回答 header, the question merged B:C."""
    wb = Workbook()
    ws = wb.active
    ws.title = "調査票"
    ws["A1"], ws["B1"], ws["D1"], ws["F1"] = "No.", "調査項目", "回答（該当欄に○）", "備考"
    ws["D2"], ws["E2"] = "はい", "いいえ"
    for rng in ("A1:A2", "B1:C2", "D1:E1", "F1:F2"):
        ws.merge_cells(rng)
    for i, q in enumerate(("WAF を導入していますか。", "多要素認証を必須としていますか。"), start=1):
        ws.cell(2 + i, 1, i)
        ws.cell(2 + i, 2, q)
        ws.merge_cells(start_row=2 + i, start_column=2, end_row=2 + i, end_column=3)
    return _save(wb, path)


def test_a_column_per_answer_word_is_answered_with_a_mark(tmp_path: Path, sqlite_store: Store) -> None:
    (lay,) = detect_book(read_book(_tick(tmp_path / "tick.xlsx")))
    assert (lay.choice_cols, lay.mark, lay.answer_col, lay.remarks_col) == (((4, "はい"), (5, "いいえ")), "○", None, 6)
    assert [q.row for q in lay.questions] == [3, 4]
    statuses = [*MET, status("ACC-04", ControlState.NOT_MET, passed=0, failed=2)]
    result = service.answer_sheet(sqlite_store, statuses, service.Request(path=tmp_path / "tick.xlsx"))
    ws = load_workbook(result.written.path)["調査票"]
    assert (ws["D3"].value, ws["E3"].value) == ("○", None)  # WAF: met
    assert (ws["D4"].value, ws["E4"].value) == (None, "○")  # MFA: not met
    assert ws["F3"].value and ws["F4"].value


def test_a_corrected_mark_is_learned_as_its_word(tmp_path: Path, sqlite_store: Store) -> None:
    result = service.answer_sheet(sqlite_store, MET, service.Request(path=_tick(tmp_path / "tick.xlsx")))
    wb = load_workbook(result.written.path)
    ws = wb["調査票"]
    ws["D3"], ws["E3"] = None, "○"  # the reviewer moves the mark
    wb.save(result.written.path)
    import_reviewed(sqlite_store, result.written.path, "reviewer", ("NET-05", "LOG-01"))
    answers = {e.question: e.answer for e in library(sqlite_store)}
    assert answers["WAF を導入していますか。"] == "いいえ"


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    from checksheet.store import open_store

    return open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")


def test_a_number_and_heading_inside_the_question_cell(tmp_path: Path) -> None:
    """No 項番 column: "1-2-3." and 【ログ管理】 written in the cell become the ref and the section."""
    wb = Workbook()
    ws = wb.active
    ws.append(["質問", "回答", "回答に関する補足"])
    ws.append(["1-2-3.\n【ログ管理】\nログの改ざん防止策を講じていますか。\n（例：WORM ストレージ）"])
    ws.append(["1.1 WAF を導入していますか。"])
    ws.append(["2 要素認証を必須としていますか。"])  # a number that belongs to the question
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "cell.xlsx")))
    first, second, third = lay.questions
    assert (first.ref, first.section, first.text) == (
        "1-2-3",
        "ログ管理",
        "ログの改ざん防止策を講じていますか。\n（例：WORM ストレージ）",
    )
    assert (second.ref, second.text) == ("1.1", "WAF を導入していますか。")
    assert (third.ref, third.text) == ("", "2 要素認証を必須としていますか。")


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (("項目", "内容", "記入欄", "メモ"), (2, 3, 4)),  # 項目 holds numbers: 内容 is the question
        (("Item", "Description", "Status", "Comment"), (2, 3, 4)),
        (("番号", "セキュリティ要件", "対応状況", "対応内容・代替策"), (2, 3, 4)),
        (("No", "チェック項目", "チェック", "特記事項"), (2, 3, 4)),
        (("No", "質問", "回答（選択）", "回答（自由記述）"), (2, 3, 4)),
        (("No", "質問", "はい/いいえ", "「いいえ」の場合の理由"), (2, 3, 4)),
        (("No", "質問内容", "実施有無", "実施内容"), (2, 3, 4)),
        (("No", "確認項目", "確認結果", "備考欄"), (2, 3, 4)),
        (("No", "チェックポイント", "該当有無", "エビデンス"), (2, 3, 4)),
        (("No", "管理策", "実施状況", "証跡・根拠資料"), (2, 3, 4)),
        (("No", "確認ポイント", "対策状況", "具体的な取り組み内容"), (2, 3, 4)),
        (("No.", "Security Control", "Implemented (Y/N)", "Evidence / Comments"), (2, 3, 4)),
    ],
)
def test_header_words_customers_use(tmp_path: Path, header: tuple[str, ...], columns: tuple[int, int, int]) -> None:
    wb = Workbook()
    wb.active.append(["セキュリティチェックシート"])
    wb.active.append(list(header))
    wb.active.append([1, "監査ログを取得していますか。"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "words.xlsx")))
    assert (lay.question_col, lay.answer_col, lay.remarks_col) == columns


def test_the_header_below_a_long_preamble(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for i in range(1, 51):
        ws.append([f"{i}. 記入上の注意：各項目について現在の対応状況をご記入ください。"])
    ws.append(["No", "確認項目", "回答", "備考"])
    ws.append([1, "WAF を導入していますか。"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "long.xlsx")))
    assert (lay.header_row, lay.questions[0].row) == (51, 52)


def _prompted(path: Path) -> Path:
    """A template whose answer cells hold the dropdown's prompt; one answer a person already chose."""
    wb = Workbook()
    ws = wb.active
    ws.title = "質問票"
    ws.append(["No.", "質問", "回答", "補足"])
    dv = DataValidation(type="list", formula1='"選択してください,はい,いいえ"')
    ws.add_data_validation(dv)
    ws.append([1, "WAF を導入していますか。", "選択してください", "（ここに記入）"])
    ws.append([2, "監査ログを取得していますか。", "いいえ", "（ここに記入）"])
    for row in (2, 3):
        dv.add(f"C{row}")
    return _save(wb, path)


def test_a_templates_prompt_is_replaced_and_never_a_choice(tmp_path: Path, sqlite_store: Store) -> None:
    src = _prompted(tmp_path / "prompt.xlsx")
    (lay,) = detect_book(read_book(src))
    assert lay.vocabulary == ("はい", "いいえ")
    result = service.answer_sheet(sqlite_store, MET, service.Request(path=src))
    ws = load_workbook(result.written.path)["質問票"]
    assert ws["C2"].value == "はい" and "WAF" in ws["D2"].value  # the prompts gave way to the answer
    assert ws["C3"].value == "いいえ"  # a person's choice is never replaced
    assert [c for _, c, _ in [(s, r, c) for s, r, c in result.written.kept]] == [3]


def test_a_translation_beside_the_question_does_not_take_its_place(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["No", "質問", "Question", "回答 / Answer", "備考 / Remarks"])
    dv = DataValidation(type="list", formula1='"はい / Yes,いいえ / No,該当なし / N/A"')
    ws.add_data_validation(dv)
    ws.append([1, "WAFを導入していますか。", "Is a web application firewall deployed in front of public applications?"])
    dv.add("D2")
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "bi.xlsx")))
    assert (lay.question_col, lay.answer_col, lay.remarks_col) == (2, 4, 5)
    from checksheet.questionnaire.answer import Category, word_for

    assert word_for(Category.YES, lay.vocabulary) == "はい / Yes"
    assert word_for(Category.NO, lay.vocabulary) == "いいえ / No"


def test_dropdown_lists_on_a_sheet_with_spaces_and_sheet_scoped_names(tmp_path: Path) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    ws = wb.active
    ws.title = "Questionnaire"
    lists = wb.create_sheet("Drop Down Lists")
    for i, word in enumerate(("Yes", "No", "N/A"), start=2):
        lists.cell(i, 1, word)
    ws.append(["Ref", "Question", "Response"])
    ws.append(["Q1", "Is a WAF deployed?"])
    ws.append(["Q2", "Are audit logs kept?"])
    ws.append(["Q3", "Is data encrypted at rest?"])
    ws.defined_names["Choices"] = DefinedName("Choices", attr_text="'Drop Down Lists'!$A$2:$A$4")
    for formula, cell in (("='Drop Down Lists'!$A$2:$A$4", "C2"), ("=Choices", "C3"), ("='Gone'!$A$1:$A$3", "C4")):
        dv = DataValidation(type="list", formula1=formula)
        ws.add_data_validation(dv)
        dv.add(cell)
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "lists.xlsx")))
    assert [q.options for q in lay.questions[:2]] == [("Yes", "No", "N/A")] * 2
    assert lay.questions[2].options == ()  # a list on a missing sheet is unknown, never the sheet's own cells


def test_numbered_headings_and_sub_items(tmp_path: Path) -> None:
    """ "1 | 組織的対策" heads 1.1 and 1.2; "(1) WAF の導入" rows under a question are answered one by one."""
    wb = Workbook()
    ws = wb.active
    ws.append(["No", "確認項目", "回答", "備考"])
    ws.append(["1", "組織的セキュリティ"])
    ws.append(["1.1", "基本方針を定めていますか。"])
    ws.append(["2", "技術的セキュリティ"])
    ws.append(["2.1", "以下の対策を実施していますか。"])
    ws.append([None, "(1) WAF の導入"])
    ws.append([None, "① IDS の導入"])
    ws.append(["2.2", "ログを取得していますか。"])
    ws.append(["3", "DMZ を設置していますか。"])  # a number nothing extends is a question
    ws.append([])
    ws.append([None, "・ご不明点は担当者までお問い合わせください。"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "tree.xlsx")))
    assert [(q.row, q.ref) for q in lay.questions] == [
        (3, "1.1"),
        (5, "2.1"),
        (6, "(1)"),
        (7, "①"),
        (8, "2.2"),
        (9, "3"),
    ]
    assert lay.section_rows[:2] == (2, 4)
    assert lay.questions[0].section == "組織的セキュリティ"
    assert lay.questions[2].text == "WAF の導入" and "以下の対策を実施していますか。" in lay.questions[2].section
    assert lay.questions[4].section == "技術的セキュリティ"


def test_starred_questions_and_sample_words_are_questions(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["#", "Question", "Answer"])
    ws.append(["Example", "Is there a password policy?", "Yes"])
    ws.append(["1", "*Do you encrypt data at rest?"])
    ws.append(["2", "Sample data used in testing is anonymised?"])
    ws.append(["", "* Required fields"])
    ws.append(["", "※ 以下は該当する場合のみご回答ください。"])
    ws.append(["3", "Is MFA enforced for administrators?"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "star.xlsx")))
    assert [q.ref for q in lay.questions] == ["1", "2", "3"]
    assert (lay.example_rows, lay.note_rows) == ((2,), (5, 6))


def test_an_answered_copy_answered_again(tmp_path: Path, sqlite_store: Store) -> None:
    """New evidence, same sheet: the review sheet added last time is not a question sheet; answers are kept."""
    from tests.questionnaire.books import japanese_book

    first = service.answer_sheet(sqlite_store, MET, service.Request(path=japanese_book(tmp_path / "ja.xlsx")))
    layouts = detect_book(read_book(first.written.path))
    assert [lay.sheet for lay in layouts] == ["チェックシート"]
    again = service.answer_sheet(
        sqlite_store, MET, service.Request(path=first.written.path, out=tmp_path / "again.xlsx")
    )
    assert load_workbook(again.written.path).sheetnames == [
        "チェックシート",
        "改訂履歴",
        "checksheet確認",
        "checksheet確認_",
    ]
    assert again.written.cells == () and len(again.written.kept) == len(first.written.cells)


@pytest.mark.parametrize(
    "header",
    [("No", "確認項目", "はい", "いいえ", "該当なし", "備考"), ("#", "Question", "Yes", "No", "N/A", "Comments")],
)
def test_answer_word_columns_in_a_one_row_header(tmp_path: Path, header: tuple[str, ...]) -> None:
    wb = Workbook()
    wb.active.append(list(header))
    wb.active.append([1, "WAF を導入していますか。"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "one-row.xlsx")))
    assert [c for c, _ in lay.choice_cols] == [3, 4, 5] and (lay.answer_col, lay.remarks_col) == (None, 6)
    assert lay.id_col == 1 and lay.questions[0].ref == "1"  # "No" here is a choice, not the 項番 column
    assert lay.mark == ("○" if header[0] == "No" else "X")


def test_a_header_with_its_instructions_in_brackets(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(
        [
            "No",
            "確認項目",
            "回答（はい／いいえ／該当なし から選択してください。「いいえ」の場合は備考欄に理由と今後の対応予定を"
            "記載してください。記入例は別シートを参照してください）",
            "備考",
        ]
    )
    wb.active.append([1, "WAF を導入していますか。"])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "long-header.xlsx")))
    assert (lay.answer_col, lay.remarks_col, lay.vocabulary) == (3, 4, ("はい", "いいえ", "該当なし"))


def test_a_second_table_with_other_columns_below_the_first(tmp_path: Path, sqlite_store: Store) -> None:
    """基本情報 with 項目 | 記入欄, then the security questions with No | 質問 | 回答 | 備考 further down."""
    wb = Workbook()
    ws = wb.active
    ws.title = "調査票"
    ws.append(["1. 基本情報"])
    ws.append(["項目", "記入欄"])
    ws.append(["会社名", None])
    ws.append(["従業員数", None])
    ws.append([])
    ws.append(["2. セキュリティ"])
    ws.append(["No", "質問", "回答", "備考"])
    dv = DataValidation(type="list", formula1='"はい,いいえ"')
    ws.add_data_validation(dv)
    ws.append([1, "WAF を導入していますか。"])
    ws.append([2, "監査ログを取得していますか。"])
    dv.add("C8:C9")
    top, bottom = detect_book(read_book(_save(wb, tmp_path / "two.xlsx")))
    assert (top.question_col, top.answer_col, [q.row for q in top.questions]) == (1, 2, [3, 4])
    assert (bottom.header_row, bottom.question_col, bottom.answer_col, bottom.remarks_col) == (7, 2, 3, 4)
    assert [q.row for q in bottom.questions] == [8, 9] and bottom.vocabulary == ("はい", "いいえ")
    result = service.answer_sheet(sqlite_store, MET, service.Request(path=tmp_path / "two.xlsx"))
    out = load_workbook(result.written.path)["調査票"]
    assert out["C8"].value == "はい" and "WAF" in out["D8"].value  # each table's own columns
    assert out["B8"].value == "WAF を導入していますか。" and out["B3"].value is None  # 会社名 is left for a person


def test_headings_alone_on_their_row_in_a_sheet_without_numbers(tmp_path: Path) -> None:
    """No 項番 column and nothing answered yet: every row is alone, the headings are those a question follows."""
    wb = Workbook()
    ws = wb.active
    ws.append(["質問", "回答", "備考"])
    for text in (
        "ログ管理",
        "監査ログを取得していますか。",
        "ログを1年以上保管していますか。",
        "ネットワーク",
        "WAF を導入していますか。",
    ):
        ws.append([text])
    (lay,) = detect_book(read_book(_save(wb, tmp_path / "plain.xlsx")))
    assert [q.row for q in lay.questions] == [3, 4, 6] and lay.section_rows == (2, 5)
    assert lay.questions[2].section == "ネットワーク"
