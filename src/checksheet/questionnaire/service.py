"""The answering pipeline: read -> detect -> match -> answer -> write -> record. No printing here.

The CLI (and later the web app) call `answer_sheet`; everything it needs is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from checksheet import catalog, ledger
from checksheet.errors import UsageError
from checksheet.model import Control, ControlStatus, Lang
from checksheet.questionnaire.answer import Answer, decide, follow_up, follow_up_trigger
from checksheet.questionnaire.layout import Overrides, SheetLayout, detect_book
from checksheet.questionnaire.library import Library, reuse
from checksheet.questionnaire.match import Matcher
from checksheet.questionnaire.read import Book, read_book
from checksheet.questionnaire.write import Written, write_book
from checksheet.store import Store
from checksheet.store.answers import SheetRecord, record_sheet, set_sheet_ledger_seq

LangChoice = Literal["auto", "ja", "en"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Request:
    path: Path
    out: Path | None = None
    lang: LangChoice = "auto"
    customer: str = ""
    threshold: float = 0.5
    overrides: Overrides = field(default_factory=Overrides)
    force: bool = False
    actor: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    book: Book
    layouts: tuple[SheetLayout, ...]
    answers: tuple[Answer, ...]
    written: Written
    record: SheetRecord

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers if a.answer)


def default_output(path: Path) -> Path:
    """<stem>.answered.xlsx next to the input (.xlsm stays .xlsm so its macros are kept)."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}.answered{suffix}")


def output_path(request: Request) -> Path:
    out = request.out or default_output(request.path)
    # the answered copy keeps its input's kind: Excel refuses a macro workbook named .xlsx, and the reverse
    want = default_output(request.path).suffix
    if out.suffix.lower() != want:
        raise UsageError(
            f"the output must be an {want} file, not {out.name}",
            ja=f"出力先は {want} ファイルを指定してください（{out.name}）",
        )
    if out.resolve() == request.path.resolve():
        raise UsageError(
            "refusing to overwrite the input workbook; choose another -o",
            ja="入力のブックは上書きしません。-o で別のファイルを指定してください",
        )
    if out.exists() and not request.force:
        raise UsageError(
            f"{out} exists; use --force to replace it",
            ja=f"{out} は既に存在します。置き換える場合は --force を指定してください",
        )
    return out


def inspect(path: Path, overrides: Overrides = Overrides()) -> tuple[Book, list[SheetLayout]]:
    book = read_book(path)
    return book, detect_book(book, overrides)


def _answers(
    layouts: Sequence[SheetLayout],
    matcher: Matcher,
    controls: Mapping[str, Control],
    statuses: Mapping[str, ControlStatus],
    library: Library,
    request: Request,
    progress: Progress | None,
) -> list[Answer]:
    total = sum(len(lay.questions) for lay in layouts)
    out: list[Answer] = []
    for lay in layouts:
        parent: Answer | None = None
        for q in lay.questions:
            trigger = follow_up_trigger(q.text)
            if trigger is not None and parent is not None:
                result = follow_up(q, parent, trigger)
            else:
                match = matcher.match(q.text, q.section)
                if request.lang != "auto":
                    match = replace(match, lang=request.lang)  # explanations in the language asked for
                result = decide(q, match, controls, statuses, request.threshold)
                entry = library.get(q.text)
                if entry is not None:
                    result = reuse(entry, result if result.control_ids else None, q)
                parent = result
            out.append(result)
            if progress and (len(out) % 50 == 0 or len(out) == total):
                progress(len(out), total)
    return out


def answer_sheet(
    store: Store,
    statuses: Sequence[ControlStatus],
    request: Request,
    *,
    progress: Progress | None = None,
) -> Result:
    """Answer a workbook into a new file and record it; the input file is only read."""
    out = output_path(request)
    book, layouts = inspect(request.path, request.overrides)
    controls = catalog.catalog()
    library = Library.load(store)
    matcher = Matcher(controls.values(), library.questions())
    answers = _answers(layouts, matcher, controls, {s.control_id: s for s in statuses}, library, request, progress)
    langs = [a.lang for a in answers]
    review_lang: Lang = (
        request.lang if request.lang != "auto" else ("ja" if langs.count("ja") >= langs.count("en") else "en")
    )
    written = write_book(
        book, layouts, answers, out, titles={c.id: c.title for c in controls.values()}, lang=review_lang
    )
    record = record_sheet(
        store,
        customer=request.customer,
        filename=request.path.name,
        input_sha256=book.sha256,
        output_sha256=written.sha256,
        questions=len(answers),
        answered=sum(1 for a in answers if a.answer),
    )
    return Result(book, tuple(layouts), tuple(answers), written, _to_ledger(store, record, request.actor))


def _to_ledger(store: Store, record: SheetRecord, actor: str) -> SheetRecord:
    """Every sheet sent is on the ledger: customer, file name, both hashes, counts.

    Two transactions (the record, then its entry): a crash between them leaves a sheet
    without `ledger_seq`, which `ledger verify` cannot mistake for tampering.
    """
    entry = ledger.append(
        store,
        "sheet.answered",
        actor or "checksheet",
        {
            "sheet_id": record.id,
            "customer": record.customer,
            "filename": record.filename,
            "input_sha256": record.input_sha256,
            "output_sha256": record.output_sha256,
            "questions": record.questions,
            "answered": record.answered,
            "answered_at": record.answered_at.isoformat(),
        },
    )
    set_sheet_ledger_seq(store, record.id, entry.seq)
    return replace(record, ledger_seq=entry.seq)
