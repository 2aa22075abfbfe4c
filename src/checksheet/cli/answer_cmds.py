"""`checksheet answer SHEET.xlsx` and `checksheet answer import-reviewed FILE.xlsx`.

`answer` is a group whose default command is the sheet itself: a first argument that is not
a subcommand name is taken as the workbook, so both forms of the contract work.
"""

from __future__ import annotations

import getpass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from checksheet.cli import context
from checksheet.cli.output import Format, console, err_console, print_json, say, table
from checksheet.model import Lang, Text

if TYPE_CHECKING:  # the questionnaire (numpy, openpyxl, SudachiPy) loads only when `answer` runs
    from checksheet.questionnaire.layout import Overrides, SheetLayout
    from checksheet.questionnaire.read import Book
    from checksheet.questionnaire.service import Result

DEFAULT = "sheet"


class _SheetByDefault(TyperGroup):
    """`answer FILE ...` runs the hidden `sheet` command; `answer import-reviewed FILE` the subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)


answer_app = typer.Typer(
    cls=_SheetByDefault,
    no_args_is_help=True,
    subcommand_metavar="SHEET [OPTIONS] | import-reviewed FILE",
    help="Answer a customer's check sheet in place: `answer SHEET.xlsx [-o OUT.xlsx]` (its options are listed "
    "under `answer sheet`, which is the same command); learn from a corrected one: "
    "`answer import-reviewed FILE.xlsx`.",
)


class AnswerLang(StrEnum):
    AUTO = "auto"
    JA = "ja"
    EN = "en"


STATUS_STYLE = {
    "answered": "green",
    "library": "cyan",
    "needs_evidence": "magenta",
    "stale": "yellow",
    "follow_up": "blue",
    "review": "red",
}


def _overrides(
    sheet: str | None, question_col: str | None, answer_col: str | None, remarks_col: str | None, header_row: int | None
) -> Overrides:
    from checksheet.questionnaire.layout import Overrides, parse_col

    return Overrides(
        sheet=sheet,
        header_row=header_row,
        question_col=parse_col(question_col) if question_col else None,
        answer_col=parse_col(answer_col) if answer_col else None,
        remarks_col=parse_col(remarks_col) if remarks_col else None,
    )


def _col(col: int | None) -> str:
    from checksheet.questionnaire.ooxml import col_letters

    return col_letters(col) if col else "-"


def _inspect_json(book: Book, layouts: list[SheetLayout]) -> dict[str, Any]:
    return {
        "file": book.path.name,
        "kind": book.kind,
        "sha256": book.sha256,
        "sheets": [s.name for s in book.sheets],
        "question_sheets": [
            {
                "sheet": lay.sheet,
                "header_row": lay.header_row,
                "id_col": _col(lay.id_col),
                "question_col": _col(lay.question_col),
                "answer_col": _col(lay.answer_col),
                "remarks_col": _col(lay.remarks_col),
                "section_cols": [_col(c) for c in lay.section_cols],
                "choice_cols": [{"col": _col(c), "word": w} for c, w in lay.choice_cols],
                "mark": lay.mark if lay.choice_cols else "",
                "vocabulary": list(lay.vocabulary),
                "questions": len(lay.questions),
                "section_rows": list(lay.section_rows),
                "example_rows": list(lay.example_rows),
                "note_rows": list(lay.note_rows),
                "first_questions": [
                    {"row": q.row, "ref": q.ref, "text": q.text, "section": q.section} for q in lay.questions[:5]
                ],
            }
            for lay in layouts
        ],
    }


def _print_inspect(doc: dict[str, Any], lang: Lang) -> None:
    ja = lang == "ja"
    console.print(
        f"{doc['file']} ({doc['kind']}) sha256 {doc['sha256'][:16]}…  "
        + ("シート: " if ja else "sheets: ")
        + ", ".join(doc["sheets"]),
        markup=False,
    )
    for s in doc["question_sheets"]:
        t = table("", "")
        if s["choice_cols"]:  # "該当欄に○": the answer is a mark in one of these columns
            s = {**s, "answer_col": " ".join(f"{c['col']}={c['word']}" for c in s["choice_cols"]) + f" ({s['mark']})"}
        for key, label in (
            ("header_row", "見出し行" if ja else "header row"),
            ("id_col", "項番列" if ja else "id"),
            ("question_col", "質問列" if ja else "question"),
            ("answer_col", "回答列" if ja else "answer"),
            ("remarks_col", "備考列" if ja else "remarks"),
            ("section_cols", "分類列" if ja else "sections"),
            ("vocabulary", "選択肢" if ja else "choices"),
            ("questions", "質問数" if ja else "questions"),
        ):
            value = s[key]
            t.add_row(label, ", ".join(map(str, value)) if isinstance(value, list) else str(value))
        console.print(f"[bold]{s['sheet']}[/]", markup=True)
        console.print(t)
        for q in s["first_questions"]:
            console.print(f"  {q['row']:>4} {q['ref']:<6} {q['text'][:70]}", markup=False)


@answer_app.command(DEFAULT, hidden=True)
def sheet(
    path: Path = typer.Argument(..., metavar="SHEET", help="The customer's workbook (.xlsx, .xlsm, .xls, .ods, .csv)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Where to write (default <stem>.answered.xlsx)."),
    lang: AnswerLang = typer.Option(
        AnswerLang.AUTO, "--lang", help="Language of explanations: auto (each question's own), ja or en."
    ),
    format: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
    customer: str = typer.Option("", "--customer", help="Who the sheet is for (kept in the record of sent sheets)."),
    threshold: float | None = typer.Option(
        None, "--threshold", min=0.0, max=1.0, help="Below this confidence a question is left for a person."
    ),
    inspect: bool = typer.Option(False, "--inspect", help="Only print the detected layout; write nothing."),
    sheet_name: str | None = typer.Option(None, "--sheet", help="Answer only this sheet."),
    question_col: str | None = typer.Option(None, "--question-col", help="Question column (letter or number)."),
    answer_col: str | None = typer.Option(None, "--answer-col", help="Answer column (letter or number)."),
    remarks_col: str | None = typer.Option(None, "--remarks-col", help="Remarks column (letter or number)."),
    header_row: int | None = typer.Option(None, "--header-row", min=1, help="Row number of the header."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file."),
) -> None:
    """Answer the workbook SHEET into a copy, with a review sheet."""
    cfg = context.settings()
    out_lang = context.lang(None if lang is AnswerLang.AUTO else lang.value, cfg)
    from checksheet import run
    from checksheet.questionnaire import service

    overrides = _overrides(sheet_name, question_col, answer_col, remarks_col, header_row)
    if inspect:
        book, layouts = service.inspect(path, overrides)
        doc = _inspect_json(book, layouts)
        if format is Format.JSON:
            print_json(doc)
        else:
            _print_inspect(doc, out_lang)
        return
    store = context.store(cfg)
    request = service.Request(
        path=path,
        out=output,
        lang="ja" if lang is AnswerLang.JA else "en" if lang is AnswerLang.EN else "auto",
        customer=customer,
        threshold=cfg.answer_threshold if threshold is None else threshold,
        overrides=overrides,
        force=force,
        actor=getpass.getuser(),
    )
    service.output_path(request)  # refuse a bad output before any work

    def progress(done: int, total: int) -> None:
        if total >= 100:
            err_console.print(f"{'回答中' if out_lang == 'ja' else 'answering'} {done}/{total}", markup=False)

    result = service.answer_sheet(store, run.statuses(store, cfg), request, progress=progress)
    if format is Format.JSON:
        print_json([a.to_json() for a in result.answers])
    else:
        _print_table(result, out_lang)
    review = sum(1 for a in result.answers if not a.answer)
    say(
        Text(
            ja="{n} 問中 {a} 問に回答しました（要確認 {r} 問）。出力: {out}",
            en="Answered {a} of {n} questions ({r} left for review). Written: {out}",
        ),
        out_lang,
        n=len(result.answers),
        a=result.answered,
        r=review,
        out=result.written.path,
    )
    if kept := len(result.written.kept):
        say(
            Text(
                ja="{k} 件のセルは既に記入があったため変更していません（確認シートに回答案があります）。",
                en="{k} cells already held text and were left unchanged (the review sheet has the proposed answers).",
            ),
            out_lang,
            k=kept,
        )


def _print_table(result: Result, lang: Lang) -> None:
    ja = lang == "ja"
    t = table(
        "行" if ja else "Row",
        "項番" if ja else "Ref",
        "質問" if ja else "Question",
        "回答" if ja else "Answer",
        "状態" if ja else "Status",
        "管理策" if ja else "Controls",
        "確信度" if ja else "Conf.",
    )
    for a in result.answers:
        style = STATUS_STYLE.get(a.status.value, "white")
        t.add_row(
            str(a.question.row),
            a.question.ref,
            a.question.text[:60],
            (a.answer or "")[:30],
            f"[{style}]{a.status.value}[/]",
            " ".join(a.control_ids),
            f"{a.confidence:.2f}",
        )
    console.print(t)


@answer_app.command("import-reviewed")
def import_reviewed_cmd(
    path: Path = typer.Argument(..., metavar="FILE", help="A sheet answered by checksheet and corrected by a person."),
    reviewer: str = typer.Option("", "--reviewer", help="Who reviewed it (default: the current user)."),
) -> None:
    """Store the corrected answers in the answer library; the same question gets them next time."""
    cfg = context.settings()
    store = context.store(cfg)
    who = reviewer or getpass.getuser()
    from checksheet import catalog
    from checksheet.questionnaire.library import import_reviewed

    result = import_reviewed(store, path, who, tuple(catalog.catalog()))
    say(
        Text(
            ja="{n} 件の回答を回答ライブラリに登録しました（対象外 {s} 件）",
            en="Stored {n} reviewed answers in the answer library ({s} rows skipped)",
        ),
        cfg.lang,
        n=result.stored,
        s=result.skipped,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(answer_app, name="answer")
