"""`checksheet scan aws` against Prowler on the same emulated AWS account: time, memory, requests, findings.

    .venv/bin/python bench/aws_vs_prowler.py [--size 1|10|both] [--skip-prowler] [--repeat N]

For each size, each tool gets a fresh moto server on 127.0.0.1 (in this process, behind a
counting WSGI middleware) seeded with the demo's Acme SaaS (x1, or x10: ten times the stacks
and the IAM users), and scans the same two regions as a subprocess under `/usr/bin/time -v`
(wall clock, maximum resident set size). Prowler is installed from PyPI into its own virtual
environment (bench/out/prowler-venv, kept between runs) and restricted to the checks for the
areas checksheet covers (bench/data/prowler_checks_by_area.json, or --checks-file),
with `--aws-retries-max-attempts 0`, its fastest setting against moto.

S3 Control: botocore puts the account id before the endpoint host, which cannot resolve on
loopback. checksheet drops that prefix itself for loopback endpoints; Prowler is given a fake
S3 Control host and a loopback proxy that forwards only that host to moto and refuses every
other destination (Prowler also tries ip-ranges.amazonaws.com), so nothing leaves the machine.

Before measuring, each tool runs once, untimed, on x1 (--no-warmup skips it): a user's second
scan finds the operating system's file cache and checksheet's cut botocore models (kept in
~/.cache/checksheet) ready, and so does every measured run.

Results: a table on stdout and bench/out/aws_vs_prowler.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from checksheet.demo.seed import PRIMARY, REGIONS
from checksheet.demo.server import EmulatedAws, RequestCounts, emulated_environ

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PROWLER_VENV = OUT / "prowler-venv"
PROWLER_SPEC = "prowler==5.46.0"  # the version whose reference figures the issue quotes
CHECKS_FILE = Path(__file__).resolve().parent / "data" / "prowler_checks_by_area.json"
TIME = "/usr/bin/time"
S3_CONTROL_HOST = "s3-control.bench.invalid"  # .invalid never resolves: only the proxy can answer it


@dataclass
class Run:
    size: int
    tool: str
    exit_code: int
    wall_s: float
    cpu_s: float  # user + system: what the tool itself burnt, less sensitive to a busy machine than wall
    max_rss_mb: float
    requests: int
    server_errors: int
    findings: dict[str, int]
    logged_errors: int = 0  # Prowler logs failed calls instead of reporting them as findings
    by_service: dict[str, int] = field(default_factory=dict)


# --- measuring a subprocess -------------------------------------------------------------------------

def _timed(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> tuple[int, float, float, float, str, str]:
    """Run under /usr/bin/time -v: (exit code, wall s, user+system CPU s, max RSS in MB, stdout, stderr)."""
    stats = log.with_suffix(".time")
    proc = subprocess.run([TIME, "-v", "-o", str(stats), *cmd], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=3600, check=False)
    log.write_text(f"$ {' '.join(cmd)}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}", encoding="utf-8")
    text = stats.read_text(encoding="utf-8")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = [float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text)]
    if not wall or not rss or len(cpu) != 2:
        raise SystemExit(f"cannot read {TIME} output in {stats}")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return proc.returncode, seconds, sum(cpu), int(rss.group(1)) / 1024, proc.stdout, proc.stderr


def _since(now: RequestCounts, before: RequestCounts) -> RequestCounts:
    services = {k: v - before.by_service.get(k, 0) for k, v in now.by_service.items()}
    return RequestCounts(now.total - before.total, {k: v for k, v in services.items() if v},
                         now.server_errors - before.server_errors)


def _base_env(endpoint: str) -> dict[str, str]:
    """This process's environment without any AWS or checksheet setting, plus the emulated account's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CHECKSHEET_", "MOTO_")) and k.lower() not in ("http_proxy", "https_proxy")}
    env.update(emulated_environ(endpoint, PRIMARY))
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


# --- checksheet ---------------------------------------------------------------------------------------

def _checksheet(server: EmulatedAws, size: int, work: Path) -> Run:
    exe = Path(sys.executable).with_name("checksheet")
    project = work / f"checksheet-x{size}"
    project.mkdir()
    env = {**_base_env(server.endpoint), "CHECKSHEET_HOME": str(project)}
    init = subprocess.run([str(exe), "init"], env=env, cwd=project, capture_output=True, text=True, check=False)
    if init.returncode:
        raise SystemExit(f"checksheet init failed ({init.returncode}): {init.stderr.strip()[-2000:]}")
    before = server.requests()
    code, wall, cpu, rss, out, _ = _timed(
        [str(exe), "scan", "aws", "--regions", ",".join(REGIONS), "--format", "json", "--lang", "en"],
        env, project, OUT / f"checksheet-x{size}.log")
    counts = _since(server.requests(), before)
    findings: Counter[str] = Counter()
    if code == 0:
        findings.update(f["status"] for f in json.loads(out)["findings"])
    return Run(size, "checksheet", code, wall, cpu, rss, counts.total, counts.server_errors, dict(findings),
               by_service=dict(counts.by_service))


# --- Prowler ------------------------------------------------------------------------------------------

def _prowler_exe(spec: str) -> Path:
    exe = PROWLER_VENV / "bin" / "prowler"
    if exe.exists():
        return exe
    print(f"installing {spec} into {PROWLER_VENV} (once; it takes minutes)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(PROWLER_VENV)], check=True)
    pip = str(PROWLER_VENV / "bin" / "pip")
    subprocess.run([pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([pip, "install", "--quiet", spec], check=True)
    return exe


def _prowler_checks(path: Path) -> list[str]:
    areas = json.loads(path.read_text(encoding="utf-8"))
    return sorted({c for key, ids in areas.items() if not key.startswith("_") for c in ids})


class _S3ControlProxy:
    """A loopback HTTP proxy: requests for S3_CONTROL_HOST go to moto, everything else gets 403."""

    def __init__(self, endpoint: str) -> None:
        target = urlsplit(endpoint)
        outer = self
        self.forwarded = self.refused = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _refuse(self) -> None:
                outer.refused += 1
                self.send_error(403, "the benchmark proxy only forwards S3 Control to the emulator")

            def do_CONNECT(self) -> None:  # HTTPS to the internet
                self._refuse()

            def _forward(self) -> None:
                url = urlsplit(self.path)
                account, _, host = (url.hostname or "").partition(".")
                if host != S3_CONTROL_HOST:
                    self._refuse()
                    return
                scope = self.headers.get("Authorization", "").partition("Credential=")[2].split("/")
                region = scope[2] if len(scope) > 2 else PRIMARY
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
                headers["Host"] = f"{account}.s3-control.{region}.amazonaws.com"  # how moto recognises S3 Control
                conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
                try:
                    path = url.path + (f"?{url.query}" if url.query else "")
                    conn.request(self.command, path, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                finally:
                    conn.close()
                outer.forwarded += 1
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _ocsf_findings(folder: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in folder.rglob("*.ocsf.json"):
        for finding in json.loads(path.read_text(encoding="utf-8") or "[]"):
            counts[str(finding.get("status_code", "")).lower() or "unknown"] += 1
    return counts


def _prowler(server: EmulatedAws, size: int, work: Path, exe: Path, checks: list[str]) -> Run:
    out = work / f"prowler-x{size}"
    out.mkdir()
    checks_file = work / "prowler-checks.json"
    checks_file.write_text(json.dumps({"aws": checks}), encoding="utf-8")
    proxy = _S3ControlProxy(server.endpoint)
    env = {**_base_env(server.endpoint), "AWS_ENDPOINT_URL_S3_CONTROL": f"http://{S3_CONTROL_HOST}",
           "HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "http_proxy": proxy.url, "https_proxy": proxy.url,
           "HOME": str(work)}
    cmd = [str(exe), "aws", "--region", *REGIONS, "--checks-file", str(checks_file),
           "--output-formats", "csv", "json-ocsf", "--output-directory", str(out), "--no-banner", "--no-color",
           "--ignore-exit-code-3", "--aws-retries-max-attempts", "0",
           "--log-level", "ERROR"]  # its default (CRITICAL) hides the calls that failed
    before = server.requests()
    try:
        code, wall, cpu, rss, _, err = _timed(cmd, env, work, OUT / f"prowler-x{size}.log")
    finally:
        proxy.close()
    counts = _since(server.requests(), before)
    logged = len(re.findall(r"\]\s+ERROR: ", err))  # "... [Module: s3_service]\t ERROR: us-east-1 -- ..."
    return Run(size, "prowler", code, wall, cpu, rss, counts.total, counts.server_errors, dict(_ocsf_findings(out)),
               logged_errors=logged, by_service=dict(counts.by_service))


# --- the run ------------------------------------------------------------------------------------------

def _one(tool: str, size: int, work: Path, prowler: tuple[Path, list[str]] | None) -> Run:
    work.mkdir(parents=True)
    with EmulatedAws() as server:
        server.seed(size)
        if tool == "checksheet":
            return _checksheet(server, size, work)
        assert prowler is not None
        return _prowler(server, size, work, *prowler)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _table(runs: list[Run]) -> str:
    head = f"{'size':<5}{'tool':<13}{'wall s':>8}{'cpu s':>7}{'peak MB':>9}{'requests':>10}{'5xx':>6}{'findings':>10}" \
           f"{'pass':>7}{'fail':>7}{'error':>7}{'logged err':>11}"
    lines = [head, "-" * len(head)]
    for size in sorted({r.size for r in runs}):
        by_tool = {r.tool: r for r in runs if r.size == size}
        for r in by_tool.values():
            f = r.findings
            lines.append(f"x{size:<4}{r.tool:<13}{r.wall_s:>8.1f}{r.cpu_s:>7.1f}{r.max_rss_mb:>9.0f}{r.requests:>10}"
                         f"{r.server_errors:>6}{sum(f.values()):>10}{f.get('pass', 0):>7}{f.get('fail', 0):>7}"
                         f"{f.get('error', 0):>7}{r.logged_errors:>11}")
        if {"checksheet", "prowler"} <= by_tool.keys():
            c, p = by_tool["checksheet"], by_tool["prowler"]
            wall, cpu = _ratio(p.wall_s, c.wall_s) or 0, _ratio(p.cpu_s, c.cpu_s) or 0
            rss, calls = _ratio(p.max_rss_mb, c.max_rss_mb) or 0, _ratio(p.requests, c.requests) or 0
            lines.append(f"x{size:<4}{'Prowler/cs':<13}{wall:>7.1f}x{cpu:>6.1f}x{rss:>8.1f}x{calls:>9.1f}x")
    return "\n".join(lines)


def _best(runs: list[Run]) -> list[Run]:
    """Of repeated runs, the fastest of each (size, tool): the least disturbed by other work on the machine."""
    best: dict[tuple[int, str], Run] = {}
    for r in runs:
        key = (r.size, r.tool)
        if key not in best or r.wall_s < best[key].wall_s:
            best[key] = r
    return list(best.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=("1", "10", "both"), default="both")
    parser.add_argument("--skip-prowler", action="store_true", help="Measure checksheet only.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per tool and size; the fastest is kept.")
    parser.add_argument("--no-warmup", action="store_true",
                        help="Skip the untimed first run of each tool (x1) that fills the OS file cache and "
                        "checksheet's botocore model cache, as any second run would find them.")
    parser.add_argument("--checks-file", type=Path, default=CHECKS_FILE)
    parser.add_argument("--prowler-spec", default=PROWLER_SPEC)
    parser.add_argument("--out", type=Path, default=OUT / "aws_vs_prowler.json")
    args = parser.parse_args()
    if not Path(TIME).exists():
        print(f"{TIME} is missing: apt-get install -y time", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [1, 10] if args.size == "both" else [int(args.size)]
    prowler = None
    if not args.skip_prowler:
        prowler = (_prowler_exe(args.prowler_spec), _prowler_checks(args.checks_file))
    runs: list[Run] = []
    work = Path(tempfile.mkdtemp(prefix="aws-vs-prowler-"))
    try:
        if not args.no_warmup:
            for tool in ("checksheet", *(() if prowler is None else ("prowler",))):
                _one(tool, 1, work / f"warmup-{tool}", prowler)
                print(f"warm-up run of {tool} done (not counted)", file=sys.stderr)
        for size in sizes:
            for _ in range(args.repeat):
                for tool in ("checksheet", *(() if prowler is None else ("prowler",))):
                    run = _one(tool, size, work / f"{tool}-{size}-{len(runs)}", prowler)
                    runs.append(run)
                    print(f"x{size} {tool}: {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s CPU, {run.max_rss_mb:.0f} MB, "
                          f"{run.requests} requests, exit {run.exit_code}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    kept = _best(runs)
    print(_table(kept))
    ratios = {}
    for size in sizes:
        pair = {r.tool: r for r in kept if r.size == size}
        if len(pair) == 2:
            c, p = pair["checksheet"], pair["prowler"]
            ratios[f"x{size}"] = {"wall": _ratio(p.wall_s, c.wall_s), "cpu": _ratio(p.cpu_s, c.cpu_s),
                                  "max_rss": _ratio(p.max_rss_mb, c.max_rss_mb),
                                  "requests": _ratio(p.requests, c.requests)}
    document = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "prowler": args.prowler_spec if prowler else None,
        "prowler_checks": len(prowler[1]) if prowler else 0,
        "regions": list(REGIONS),
        "runs": [asdict(r) for r in kept],
        "all_runs": [asdict(r) for r in runs],
        "ratios_prowler_over_checksheet": ratios,
    }
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
