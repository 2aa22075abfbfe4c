"""`checksheet demo` without the printing: emulated AWS, seed, scan, statuses, the sample sheet answered.

The scan is the real one: the AWS collectors with the standard AWS configuration, pointed at
the emulated account only through AWS_ENDPOINT_URL and dummy keys inside `aws_env`, then the
same checks, evaluation and store as `checksheet scan aws`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

from checksheet import run
from checksheet.collectors import aws as aws_collectors
from checksheet.config import Settings
from checksheet.demo import workspace
from checksheet.demo.seed import PRIMARY, Manifest
from checksheet.demo.server import EmulatedAws, RequestCounts, aws_env
from checksheet.model import Text
from checksheet.questionnaire import sample, service
from checksheet.store import Store

SAMPLE_SHEET = "sample_checksheet_ja.xlsx"
ANSWERED_SHEET = "sample_checksheet_ja.answered.xlsx"


class Stage(StrEnum):
    SERVER = "server"
    SEED = "seed"
    SCAN = "scan"
    ANSWER = "answer"


STAGES: Mapping[Stage, Text] = {
    Stage.SERVER: Text("エミュレートした AWS を起動", "Starting emulated AWS"),
    Stage.SEED: Text("サンプル SaaS「Acme SaaS」を構築", 'Building the sample SaaS "Acme SaaS"'),
    Stage.SCAN: Text("AWS をスキャンして評価", "Scanning AWS and evaluating"),
    Stage.ANSWER: Text("サンプルのチェックシートに回答", "Answering the sample check sheet"),
}

#: on_progress(stage, done, total, label): a stage's step finished (total 0: not known yet).
Progress = Callable[[Stage, int, int, str], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    folder: Path
    settings: Settings
    manifest: Manifest
    scan: run.ScanResult
    requests: RequestCounts  # received by the emulated AWS during the scan
    sheet: Path | None  # the answered workbook
    questions: int
    answered: int
    seconds: Mapping[Stage, float]


def run_demo(folder: Path, *, size: int = 1, answer: bool = True, on_progress: Progress | None = None) -> Outcome:
    """Everything `checksheet demo` does; the folder must come from `workspace.prepare`."""
    progress = on_progress or (lambda *_: None)
    seconds: dict[Stage, float] = {}
    cfg = workspace.settings(folder)
    store = workspace.store(cfg)
    try:
        clock = time.perf_counter()
        progress(Stage.SERVER, 0, 1, "")
        with EmulatedAws() as server:
            progress(Stage.SERVER, 1, 1, server.endpoint)
            seconds[Stage.SERVER] = time.perf_counter() - clock

            clock = time.perf_counter()
            manifest = server.seed(size, lambda label: progress(Stage.SEED, 0, 0, label))
            progress(Stage.SEED, 1, 1, "")
            seconds[Stage.SEED] = time.perf_counter() - clock

            clock = time.perf_counter()
            before = server.requests()
            result = _scan(store, cfg, server.endpoint, progress)
            requests = _since(server.requests(), before)
            seconds[Stage.SCAN] = time.perf_counter() - clock

        sheet, questions, answered = None, 0, 0
        if answer:
            clock = time.perf_counter()
            filled = _answer(store, cfg, folder, result, progress)
            sheet, questions, answered = filled.written.path, len(filled.answers), filled.answered
            seconds[Stage.ANSWER] = time.perf_counter() - clock
    finally:
        store.dispose()
    return Outcome(folder, cfg, manifest, result, requests, sheet, questions, answered, seconds)


def _since(now: RequestCounts, before: RequestCounts) -> RequestCounts:
    services = {k: v - before.by_service.get(k, 0) for k, v in now.by_service.items()}
    return RequestCounts(
        now.total - before.total,
        {k: v for k, v in services.items() if v},
        now.server_errors - before.server_errors,
    )


def _scan(store: Store, cfg: Settings, endpoint: str, progress: Progress) -> run.ScanResult:
    def tick(done: int, total: int, label: str) -> None:
        progress(Stage.SCAN, done, total, label)

    with aws_env(endpoint, PRIMARY):
        _, result = run.scan_aws(store, cfg, aws_collectors.Access(), cfg.aws_regions, tick,
                                 scope_extra={"emulated": True})
    return result


def _sample(into: Path) -> Path:
    """The questionnaire package's sample sheet: its shipped workbook, else built on the spot."""
    shipped = resources.files("checksheet.questionnaire") / "data" / SAMPLE_SHEET
    if shipped.is_file():
        with resources.as_file(shipped) as path:
            shutil.copyfile(path, into)
        return into
    return sample.write_sample(into)


def _answer(store: Store, cfg: Settings, folder: Path, result: run.ScanResult, progress: Progress) -> service.Result:
    sheet = _sample(folder / SAMPLE_SHEET)
    request = service.Request(
        path=sheet,
        out=folder / ANSWERED_SHEET,
        customer="Demo customer",
        threshold=cfg.answer_threshold,
        force=True,  # the demo's own folder: the last run's answers are replaced
    )

    def tick(done: int, total: int) -> None:
        progress(Stage.ANSWER, done, total, "")

    progress(Stage.ANSWER, 0, 0, "")
    return service.answer_sheet(store, result.statuses, request, progress=tick)
