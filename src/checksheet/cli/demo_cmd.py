"""`checksheet demo`: a sample SaaS in emulated AWS, scanned, evaluated, and a sample sheet answered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from checksheet.cli import context
from checksheet.cli.output import LangChoice, console, err_console, headings, state_label, table
from checksheet.model import ControlState, Lang, Status, Text

if TYPE_CHECKING:  # the demo (moto, the questionnaire) loads only when `demo` runs
    from checksheet.demo.runner import Outcome, Stage

DEFAULT_DIR = Path("checksheet-demo")

_HEADLINE = Text(
    "Acme SaaS（エミュレートした AWS、{regions}）: リソース {resources} 件を収集、API リクエスト {requests} 回、"
    "所見 {findings} 件（適合 {passed}、不適合 {failed}、取得失敗 {errors}）",
    "Acme SaaS (emulated AWS, {regions}): {resources} resources collected with {requests} API requests; "
    "{findings} findings ({passed} pass, {failed} fail, {errors} not collected)",
)
_SUMMARY = Text("AWS の証跡で評価した管理策 {n} 件: ", "{n} controls evaluated from AWS evidence: ")
_SHEET = Text(
    "サンプルのチェックシート {q} 問中 {a} 問に回答しました: {path}",
    "Answered {a} of {q} questions of the sample check sheet: {path}",
)
_TIME = Text("処理時間 {total:.1f} 秒（構築 {seed:.1f} 秒、スキャンと評価 {scan:.1f} 秒、回答 {answer:.1f} 秒）",
             "Stages took {total:.1f} s (building {seed:.1f} s, scan and evaluation {scan:.1f} s, "
             "answering {answer:.1f} s)")
_NEXT = Text(
    "次の手順:\n  cd {folder}\n  checksheet status          # すべての管理策の状態\n"
    "  checksheet findings --status fail   # 不適合の所見\n  checksheet answer お客様のシート.xlsx",
    "Next:\n  cd {folder}\n  checksheet status          # every control's status\n"
    "  checksheet findings --status fail   # failing findings\n  checksheet answer CUSTOMER_SHEET.xlsx",
)


class _Display:
    """One progress line per stage, on stderr: stdout keeps only the results."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.bar = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[label]}", style="dim"), TimeElapsedColumn(),
            console=err_console, transient=False,
        )
        self.tasks: dict[Stage, TaskID] = {}
        self.totals: dict[Stage, int] = {}

    def __call__(self, stage: Stage, done: int, total: int, label: str) -> None:
        from checksheet.demo.runner import STAGES

        if stage not in self.tasks:
            self.finish()  # a new stage means the earlier ones are over
            self.tasks[stage] = self.bar.add_task(STAGES[stage].get(self.lang), total=None, label="")
        if total:
            self.totals[stage] = total
        self.bar.update(self.tasks[stage], completed=done, total=total or None, label=label[-48:])

    def finish(self) -> None:
        for stage, task in self.tasks.items():
            end = self.totals.get(stage) or 1
            self.bar.update(task, total=end, completed=end, label="")


def demo(
    dir: Path = typer.Option(DEFAULT_DIR, "--dir", help="Folder of the demo project (created if missing)."),
    lang: LangChoice | None = typer.Option(None, "--lang", help="ja or en (default: the demo project's lang, ja)."),
    no_answer: bool = typer.Option(False, "--no-answer", help="Only scan; do not answer the sample sheet."),
) -> None:
    """Scan a sample SaaS in emulated AWS (no account, no internet), show control status, answer a sample sheet."""
    from checksheet.demo import workspace
    from checksheet.demo.runner import run_demo

    folder = workspace.prepare(dir)
    display = _Display(context.lang(lang.value if lang else None, workspace.settings(folder)))
    with display.bar:
        outcome = run_demo(folder, answer=not no_answer, on_progress=display)
        display.finish()
    _print(outcome, display.lang, dir)


def _print(outcome: Outcome, lang: Lang, shown_dir: Path) -> None:
    from checksheet import catalog
    from checksheet.demo.runner import Stage

    findings = outcome.scan.findings
    counts = Counter(f.status for f in findings)
    console.print(_HEADLINE.get(lang).format(
        regions=", ".join(outcome.manifest.regions), resources=outcome.scan.scan.resource_count,
        requests=outcome.requests.total, findings=len(findings), passed=counts[Status.PASS],
        failed=counts[Status.FAIL], errors=counts[Status.ERROR],
    ), markup=False)
    controls = catalog.catalog()
    evaluated = [s for s in outcome.scan.statuses if s.passed or s.failed or s.errors]
    t = table(*headings(lang, "ID", "state", "title", "evidence"))
    for s in sorted(evaluated, key=lambda s: s.control_id):
        reasons = "; ".join(r.get(lang) for r in s.reasons[:2])
        t.add_row(s.control_id, state_label(s.state, lang), controls[s.control_id].title.get(lang), reasons)
    console.print(t)
    states = Counter(s.state for s in evaluated)
    console.print(_SUMMARY.get(lang).format(n=len(evaluated))
                  + ("、" if lang == "ja" else ", ").join(
                      f"{state_label(k, lang)} {states[k]}" for k in ControlState if states[k]))
    if outcome.sheet is not None:
        console.print(_SHEET.get(lang).format(q=outcome.questions, a=outcome.answered, path=outcome.sheet),
                      markup=False)
    secs = outcome.seconds
    console.print(_TIME.get(lang).format(total=sum(secs.values()), seed=secs.get(Stage.SEED, 0.0),
                                         scan=secs.get(Stage.SCAN, 0.0), answer=secs.get(Stage.ANSWER, 0.0)),
                  markup=False)
    console.print(_NEXT.get(lang).format(folder=shown_dir), markup=False)


def register(app: typer.Typer) -> None:
    app.command()(demo)
