"""Load benchmark: the API as a server, under wrk, beside a minimal "ceiling" app.

    .venv/bin/python bench/load.py                         # 100k rows, 15 s per endpoint
    .venv/bin/python bench/load.py --only ceiling,card --duration 5 --controversies 20000
    .venv/bin/python bench/load.py --json before.json --keep

One command: makes a fresh database (on --pg / BENCH_PG, else an embedded PostgreSQL), migrates
it, loads the demo data plus synthetic rows (bench/synthetic.py), creates an admin key, starts
`controversy-api serve` and bench/ceiling.py on the same database, drives each endpoint with wrk
(a warm-up run, then the measured run), runs a concurrent mention ingest while wrk reads a card,
prints a table, and stops and drops everything.

Why wrk: an HTTP load generator in C (an event loop per thread, keep-alive connections) needs
little CPU at the rates a Python server reaches, so on a 2-core machine it leaves the cores to
the server and PostgreSQL, where a Python client (httpx, locust) would burn about as much CPU
as the server it measures. It is a Debian package (`apt-get install wrk`), its Lua hooks count
every status code exactly (`response()` per thread, summed in `done()`), and it records
latencies per microsecond up to --timeout. wrk2 and oha are not in Debian; ab (apache2-utils)
is HTTP/1.0 without keep-alive by default; hey (Go) is in Debian and would do, but wrk spends
less CPU per request, which matters when the client shares 2 cores with the server.
Reading wrk's percentiles: each connection waits for its answer before sending again, and wrk
corrects its histogram for that (coordinated omission: before reporting, stats_correct() adds,
for an answer that took k mean request cycles, k - 1 synthetic samples). So a few multi-second
stalls weigh heavily on p90/p99 — as they would for clients arriving at a steady rate — while
`rps` and the status counts are real answers only. The mention senders stay in Python (httpx):
1,000-mention batches cost the server far more than the client.

Between runs the script waits until the server has drained what wrk left in flight (settle()).
Only ratios within one run are meaningful: the ceiling app is measured in the same run, on the
same machine and database, so "API rps / ceiling rps" survives a noisy, shared machine better
than absolute figures do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import synthetic  # bench/synthetic.py (this script's folder is first on sys.path)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CARD_SLUG = "gpt-2-staged-release"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432"
# The API caps a key's rate limit at 1,000,000 requests a minute: far above these rates.
KEY_ARGS = ["keys", "create", "--name", "bench", "--scopes", "read,write,admin"]
KEY_ARGS += ["--rate-limit", "1000000"]

# wrk: one status counter per thread (each thread has its own Lua state), summed in done()
# through thread:get, which copies the table into the main state. One JSON line at the end.
WRK_LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"statuses":{%s},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


class BenchError(Exception):
    """A failure with a message for the person running the benchmark."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    target: str  # "api" or "ceiling"
    path: str
    connections: int | None = None  # None: --connections
    keyed: bool = True
    revalidate: bool = False  # send If-None-Match with the card's ETag; 304 is the success


LIST_NOISE = "/v1/controversies?sort=noise&limit=20"
CARD = f"/v1/controversies/{CARD_SLUG}"
TRACK_RECORD = "/v1/forecasts/track-record"

ENDPOINTS: list[Endpoint] = [
    Endpoint("ceiling", "ceiling GET /c/{slug}", "ceiling", f"/c/{CARD_SLUG}", keyed=False),
    Endpoint("healthz", "GET /healthz", "api", "/healthz", keyed=False),
    Endpoint("methodology", "GET /v1/methodology", "api", "/v1/methodology"),
    Endpoint("card", "card", "api", CARD),
    Endpoint("card-304", "card If-None-Match (304)", "api", CARD, revalidate=True),
    Endpoint("list-noise", "list sort=noise", "api", LIST_NOISE),
    Endpoint("list-q", "list q=copyright", "api", "/v1/controversies?q=copyright&limit=20"),
    Endpoint("track-record", "track record", "api", TRACK_RECORD),
    Endpoint(
        "track-record-gen",
        "track record generated_by",
        "api",
        f"{TRACK_RECORD}?generated_by={synthetic.GENERATORS[0]}",
    ),
    Endpoint(
        "track-record-cat", "track record category", "api", f"{TRACK_RECORD}?category=copyright"
    ),
    Endpoint("due", "due scenarios", "api", "/v1/forecasts/due?limit=20"),
    Endpoint("card-64", "card", "api", CARD, connections=64),
    Endpoint("card-256", "card", "api", CARD, connections=256),
    Endpoint("list-64", "list sort=noise", "api", LIST_NOISE, connections=64),
    Endpoint("list-256", "list sort=noise", "api", LIST_NOISE, connections=256),
]
INGEST = "ingest"
NAMES = [endpoint.name for endpoint in ENDPOINTS] + [INGEST]


@dataclass
class Row:
    """One measured wrk run."""

    name: str
    label: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    expected: list[int]
    ratio: float | None = None
    load1: float | None = None  # the machine's 1-minute load average when the run ended

    @property
    def failures(self) -> int:
        """Answers that are neither 2xx nor an expected status (e.g. 304)."""
        return sum(
            n
            for status, n in self.statuses.items()
            if not 200 <= status < 300 and status not in self.expected
        )

    @property
    def not_modified(self) -> int:
        return self.statuses.get(304, 0)

    @property
    def errors(self) -> int:
        """Connections that failed to connect, or broke while writing or reading."""
        return sum(n for kind, n in self.socket_errors.items() if kind != "timeout")

    @property
    def timeouts(self) -> int:
        """wrk's count of requests older than --timeout (checked every 2 s, so approximate)."""
        return self.socket_errors.get("timeout", 0)


@dataclass
class IngestReport:
    senders: int
    batches: int
    batch_size: int
    seconds: float
    mentions_per_second: float
    statuses: dict[int, int]
    batch_p50_ms: float
    batch_max_ms: float
    created: int
    updated: int
    unchanged: int
    failures: list[str] = field(default_factory=list)
    card: Row | None = None


# --------------------------------------------------------------------------- processes


class Processes:
    """Child processes (each in its own session, logging to a file), stopped on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, command: Sequence[str], env: dict[str, str]) -> None:
        log = self.log_dir / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            self.children[name] = subprocess.Popen(
                list(command),
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def check_alive(self, name: str) -> None:
        child = self.children[name]
        if child.poll() is not None:
            raise BenchError(f"{name} exited with status {child.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs.get(name)
        if path is None or not path.exists():
            return "(no log)"
        text = path.read_text("utf-8", errors="replace").splitlines()
        return "\n".join("    " + line for line in text[-lines:]) or "    (empty log)"

    def stop(self, name: str, timeout: float = 15.0) -> None:
        child = self.children.pop(name, None)
        if child is None or child.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def stop_all(self) -> None:
        for name in list(self.children):
            self.stop(name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(processes: Processes, name: str, url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive(name)
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"{name} did not answer {url} within {timeout:.0f} s:\n{processes.tail(name)}")


def cli_command() -> list[str]:
    script = BIN / "controversy-api"
    if script.exists():
        return [str(script)]
    found = shutil.which("controversy-api")
    return [found] if found else [sys.executable, "-m", "app.cli"]


def run_cli(args: Sequence[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(
        [*cli_command(), *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise BenchError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


# --------------------------------------------------------------------------- wrk


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError(
            "wrk is not installed and we are not root: install it (Debian: apt-get install wrk)"
        )
    say("wrk not found: apt-get install -y wrk")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BenchError(f"apt-get install wrk failed:\n{result.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk but it is not on PATH")
    return found


@dataclass
class WrkOptions:
    binary: str
    lua: Path
    threads: int
    timeout: float
    log_dir: Path


def wrk_command(
    options: WrkOptions, url: str, connections: int, seconds: float, headers: dict[str, str]
) -> list[str]:
    command = [
        options.binary,
        f"-t{min(options.threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={options.timeout:g}s",
        "--latency",
        "-s",
        str(options.lua),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def settle(url: str, headers: dict[str, str], threshold: float, limit: float = 180.0) -> float:
    """Wait until the server has drained what wrk left behind; returns the seconds waited.

    wrk stops without waiting for its in-flight requests, and the server goes on working through
    them (a closed connection does not cancel a request that is waiting for the database), so the
    next run would start against a backlog: up to one request per connection. A probe request
    queues behind that backlog; once a probe answers within `threshold`, it is gone.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        probe = time.perf_counter()
        with suppress(httpx.HTTPError):
            httpx.get(url, headers=headers, timeout=limit)
        if time.perf_counter() - probe < threshold:
            break
    return time.monotonic() - started


def parse_wrk(output: str, what: str) -> dict[str, Any]:
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            parsed: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return parsed
    raise BenchError(f"wrk gave no result for {what}:\n{output[-3000:]}")


def to_row(endpoint: Endpoint, connections: int, raw: dict[str, Any]) -> Row:
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return Row(
        name=endpoint.name,
        label=endpoint.label,
        connections=connections,
        requests=raw["requests"],
        seconds=round(seconds, 2),
        rps=raw["requests"] / seconds if seconds else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        statuses={int(status): n for status, n in raw["statuses"].items()},
        socket_errors={k: v for k, v in raw["errors"].items() if k != "status"},
        expected=[304] if endpoint.revalidate else [],
    )


def run_wrk(
    options: WrkOptions,
    endpoint: Endpoint,
    url: str,
    connections: int,
    seconds: float,
    headers: dict[str, str],
    tag: str,
) -> Row:
    command = wrk_command(options, url, connections, seconds, headers)
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + options.timeout + 60,
        check=False,
        start_new_session=True,
    )
    (options.log_dir / f"wrk-{tag}.txt").write_text(result.stdout + result.stderr, "utf-8")
    if result.returncode != 0:
        raise BenchError(f"wrk failed for {endpoint.name}: {result.stderr[-2000:]}")
    return to_row(endpoint, connections, parse_wrk(result.stdout, endpoint.name))


# --------------------------------------------------------------------------- database


def database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


async def reachable(server: str) -> str | None:
    """The server's version, or None when it cannot be reached."""
    try:
        connection = await asyncpg.connect(server, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        say(f"PostgreSQL at {server} is not reachable ({type(exc).__name__}: {exc})")
        return None
    try:
        version: str = await connection.fetchval("SHOW server_version")
        return version
    finally:
        await connection.close()


async def admin_sql(server: str, sql: str) -> None:
    connection = await asyncpg.connect(server, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def fill(url: str, total: int) -> dict[str, Any]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        counts = await synthetic.create(connection, total=total, now=datetime.now(UTC), say=say)
    finally:
        await connection.close()
    return {**await describe(url), "inserted": counts}


async def describe(url: str) -> dict[str, Any]:
    """What the filled database holds: rows, `q=copyright` matches, forecasts and their
    scenarios (scored: resolved and not annulled; due: unresolved, horizon before today),
    ingest targets."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows: int = await connection.fetchval("SELECT count(*) FROM controversies")
        matches: int = await connection.fetchval(
            "SELECT count(*) FROM controversies"
            " WHERE search @@ websearch_to_tsquery('english', 'copyright')"
        )
        forecasts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM forecasts) AS forecasts, count(*) AS scenarios,"
            " count(*) FILTER (WHERE outcome IN ('happened', 'did_not_happen')) AS scored,"
            " count(*) FILTER (WHERE outcome IS NULL AND probability IS NOT NULL"
            "   AND horizon < (now() AT TIME ZONE 'UTC')::date) AS due"
            " FROM forecast_scenarios"
        )
        targets: list[str] = [
            record["slug"]
            for record in await connection.fetch(
                "SELECT c.slug FROM controversies c WHERE c.slug LIKE $1"
                " AND EXISTS (SELECT 1 FROM mentions m WHERE m.controversy_id = c.id)"
                " ORDER BY c.slug",
                synthetic.SLUG_PREFIX + "%",
            )
        ]
        return {
            "inserted": {},
            "rows": rows,
            "copyright": matches,
            **dict(forecasts),
            "targets": targets,
        }
    finally:
        await connection.close()


# --------------------------------------------------------------------------- ingest


def mention_batches(count: int, size: int, tag: str) -> list[list[dict[str, Any]]]:
    rng = random.Random(tag)
    now = datetime.now(UTC)
    platforms = ["x", "reddit", "hackernews", "bluesky", "mastodon", "youtube", "news", "blog"]
    batches = []
    for b in range(count):
        batch = []
        for i in range(size):
            platform_name = platforms[(b + i) % len(platforms)]
            external_id = f"load-{tag}-{b}-{i}"
            audience = int(10 ** rng.uniform(1, 7))
            batch.append(
                {
                    "platform": platform_name,
                    "external_id": external_id,
                    "url": f"https://example.com/{platform_name}/{external_id}",
                    "author": rng.choice(synthetic.AUTHORS),
                    "title": f"Post {i} of batch {b}",
                    "excerpt": rng.choice(synthetic.EXCERPTS),
                    "published_at": (now - timedelta(seconds=rng.uniform(60, 3 * 86400)))
                    .isoformat()
                    .replace("+00:00", "Z"),
                    "audience": audience,
                    "score": audience // rng.randint(10, 100),
                    "comments": audience // rng.randint(50, 500),
                    "shares": audience // rng.randint(100, 1000),
                }
            )
        batches.append(batch)
    return batches


async def send_batches(
    base_url: str,
    key: str,
    jobs: list[tuple[str, bytes]],
    senders: int,
) -> tuple[float, list[tuple[int, float, dict[str, Any] | str]]]:
    """POST every (slug, body) with `senders` concurrent clients; wall time and results."""
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: list[tuple[int, float, dict[str, Any] | str]] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300) as client:
            while True:
                try:
                    slug, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    response = await client.post(f"/v1/controversies/{slug}/mentions", content=body)
                except httpx.HTTPError as exc:
                    results.append((0, time.perf_counter() - started, repr(exc)))
                    continue
                elapsed = time.perf_counter() - started
                try:
                    payload: dict[str, Any] | str = response.json()
                except ValueError:
                    payload = response.text[:500]
                results.append((response.status_code, elapsed, payload))

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return time.perf_counter() - started, results


def ingest_report(
    seconds: float,
    results: list[tuple[int, float, dict[str, Any] | str]],
    senders: int,
    size: int,
) -> IngestReport:
    statuses = Counter(status for status, _, _ in results)
    timings = sorted(elapsed for _, elapsed, _ in results)
    totals = Counter[str]()
    failures = []
    for status, _, payload in results:
        if status == 200 and isinstance(payload, dict):
            for key in ("created", "updated", "unchanged"):
                totals[key] += int(payload.get(key, 0))
        else:
            failures.append(f"{status}: {str(payload)[:300]}")
    ok = statuses.get(200, 0)
    return IngestReport(
        senders=senders,
        batches=len(results),
        batch_size=size,
        seconds=round(seconds, 2),
        mentions_per_second=ok * size / seconds if seconds else 0.0,
        statuses=dict(statuses),
        batch_p50_ms=timings[len(timings) // 2] * 1000 if timings else 0.0,
        batch_max_ms=timings[-1] * 1000 if timings else 0.0,
        created=totals["created"],
        updated=totals["updated"],
        unchanged=totals["unchanged"],
        failures=failures[:10],
    )


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    model = "unknown"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit + ("+dirty" if dirty else ""),
    }


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def render_table(rows: list[Row]) -> str:
    header = (
        f"{'endpoint':<28} {'conns':>5} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'non-2xx':>8} {'304':>7} {'sock err':>8} {'timeout':>7} {'vs ceiling':>10} "
        f"{'load1':>6}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        not_modified = str(row.not_modified) if row.expected or row.not_modified else "-"
        lines.append(
            f"{row.label:<28} {row.connections:>5} {row.rps:>8.0f} {fmt_ms(row.p50_ms):>8} "
            f"{fmt_ms(row.p99_ms):>8} {row.failures:>8} {not_modified:>7} {row.errors:>8} "
            f"{row.timeouts:>7} {ratio:>10} {row.load1 if row.load1 is not None else '-':>6}"
        )
    return "\n".join(lines)


def log_summary(path: Path) -> list[str]:
    """Warnings and errors in a JSON-lines server log, grouped by message, most frequent first.

    For an exception: its last line, and the deepest frame in the project's own code.
    """
    if not path.exists():
        return []
    groups: Counter[tuple[str, ...]] = Counter()
    examples: dict[tuple[str, ...], list[str]] = {}
    for line in path.read_text("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            if line.strip():
                key: tuple[str, ...] = ("TEXT", line.strip()[:200])
                groups[key] += 1
                examples[key] = []
            continue
        if not isinstance(record, dict):
            continue
        level = str(record.get("level", ""))
        if level not in ("WARNING", "ERROR", "CRITICAL"):
            continue
        message = " ".join(str(record.get("message", "")).split())[:200]
        details: list[str] = []
        if record.get("exc_info"):
            trace = str(record["exc_info"]).strip().splitlines()
            ours = [frame.strip() for frame in trace if f"{ROOT}/app/" in frame]
            details = [*ours[-1:], trace[-1][:300]]
        # One group per message and place: the same error from two places is two groups.
        key = (level, f"[{record.get('name', '?')}] {message}", *details)
        groups[key] += 1
        examples[key] = details
    lines = []
    for key, count in groups.most_common(15):
        lines.append(f"  {count:>7} × {key[0]:<8} {key[1]}")
        lines += [f"            {detail}" for detail in examples[key]]
    return lines


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load benchmark of the API with wrk, beside a minimal ceiling app.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", DEFAULT_PG), help="server")
    parser.add_argument("--controversies", type=int, default=100_000, help="rows in total")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="wrk's timeout (s): slower answers are counted as timeouts and left out of the"
        " latency figures, so keep it above the API's own timeouts (pool wait 10 s)",
    )
    parser.add_argument("--workers", type=int, default=1, help="API workers (serve --workers)")
    parser.add_argument("--senders", type=int, default=4, help="concurrent ingest clients")
    parser.add_argument("--batches", type=int, default=20, help="ingest batches in total")
    parser.add_argument("--batch-size", type=int, default=1000, help="mentions per batch")
    parser.add_argument("--only", help=f"comma-separated subset of: {','.join(NAMES)}")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the database (and print it)")
    parser.add_argument(
        "--reuse",
        metavar="URL",
        help="measure on a database kept by an earlier --keep run (no data is created)",
    )
    args = parser.parse_args(argv)
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(NAMES))
        if unknown:
            parser.error(f"unknown --only names {unknown}; choose from {','.join(NAMES)}")
        args.selected = set(wanted)
    else:
        args.selected = set(NAMES)
    if not 1 <= args.batch_size <= 1000:
        parser.error("--batch-size must be 1..1000 (the API's batch limit)")
    return args


def _raise_interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


@contextmanager
def database(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, str]]:
    """A fresh database: (its URL, the server's version). Dropped on exit unless --keep."""
    if args.reuse:
        version = asyncio.run(reachable(args.reuse))
        if version is None:
            raise BenchError(f"--reuse {args.reuse}: not reachable")
        yield args.reuse, version
        return
    server = args.pg
    embedded: Any = None
    version = asyncio.run(reachable(server))
    if version is None:
        say("starting the project's embedded PostgreSQL instead")
        sys.path.insert(0, str(ROOT))
        from app.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(tmp / "embedded")
        server = embedded.start()
        version = asyncio.run(reachable(server))
        if version is None:
            embedded.stop()
            raise BenchError("the embedded PostgreSQL did not start")
    name = f"ct_load_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(admin_sql(server, f'CREATE DATABASE "{name}"'))
        say(f"database {name} on PostgreSQL {version}")
        yield database_url(server, name), version
    finally:
        try:
            if args.keep and embedded is None:
                say(f"kept the database: {database_url(server, name)}")
            else:
                if args.keep:
                    say("--keep ignored: the embedded PostgreSQL stops with this script")
                asyncio.run(admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                say(f"dropped database {name}")
        finally:
            if embedded is not None:
                embedded.stop()


def serve_supports_workers(env: dict[str, str]) -> bool:
    result = subprocess.run(
        [*cli_command(), "serve", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return "--workers" in result.stdout


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    started_at = datetime.now(UTC)
    tmp = Path(tempfile.mkdtemp(prefix="controversy-load-"))
    log_dir = tmp / "logs"
    log_dir.mkdir()
    processes = Processes(log_dir)
    try:
        return bench(args, tmp, log_dir, processes, started_at)
    except BenchError as exc:
        say(f"\nbench/load.py failed: {exc}")
        for name in processes.logs:
            say(f"last lines of the {name} log:\n{processes.tail(name, 15)}")
        say(f"logs: {log_dir}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted: stopping everything")
        return 130
    finally:
        processes.stop_all()


@dataclass
class Measured:
    data: dict[str, Any]
    rows: list[Row]
    ingest: IngestReport | None


def bench(
    args: argparse.Namespace,
    tmp: Path,
    log_dir: Path,
    processes: Processes,
    started_at: datetime,
) -> int:
    wrk = WrkOptions(
        binary=ensure_wrk(),
        lua=tmp / "status.lua",
        threads=args.threads,
        timeout=args.timeout,
        log_dir=log_dir,
    )
    wrk.lua.write_text(WRK_LUA, "utf-8")
    wrk_version = subprocess.run(
        [wrk.binary, "-v"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    info = machine()
    with database(args, tmp) as (url, pg_version):
        try:
            measured = measure(args, url, tmp, wrk, processes)
        finally:
            # Before the database is dropped (WITH (FORCE) would cut the servers off).
            processes.stop_all()
    info["postgresql"] = pg_version
    info["wrk"] = wrk_version[0] if wrk_version else "wrk"
    report(args, info, started_at, measured, processes, log_dir)
    return 0


def service_env(url: str, tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of the service's processes: this one's, on `url`, quiet, no demo."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SEED_DEMO_ON_EMPTY", "LOG_LEVEL")
    }
    env.update(
        DATABASE_URL=url,
        SEED_DEMO_ON_EMPTY="false",
        LOG_LEVEL="WARNING",
        DATA_DIR=str(tmp / "data"),
        **extra,
    )
    return env


def measure(
    args: argparse.Namespace, url: str, tmp: Path, wrk: WrkOptions, processes: Processes
) -> Measured:
    """Fill the database, start the servers, run every selected endpoint."""
    env = service_env(url, tmp)
    if args.workers > 1 and not serve_supports_workers(env):
        raise BenchError(
            f"--workers {args.workers}: `controversy-api serve` has no --workers option yet"
        )
    t0 = time.perf_counter()
    run_cli(["migrate"], env, "controversy-api migrate")
    if args.reuse:
        data = asyncio.run(describe(url))
        say(f"reusing {data['rows']:,} controversies of a previous --keep run")
    else:
        seeded = json.loads(run_cli(["seed-demo"], env, "controversy-api seed-demo"))
        say(f"migrated and seeded the demo ({seeded.get('inserted')} stories)")
        say(f"synthetic data (to {args.controversies:,} controversies):")
        data = asyncio.run(fill(url, args.controversies))
    say(f"data ready in {time.perf_counter() - t0:.1f} s")
    created = json.loads(
        run_cli(
            KEY_ARGS,
            env,
            "controversy-api keys create",
        )
    )
    key: str = created["key"]

    api_port, ceiling_port = free_port(), free_port()
    serve = [*cli_command(), "serve", "--host", "127.0.0.1", "--port", str(api_port)]
    if args.workers > 1:
        serve += ["--workers", str(args.workers)]
    api = f"http://127.0.0.1:{api_port}"
    ceiling = f"http://127.0.0.1:{ceiling_port}"
    processes.start("api", serve, env)
    if "ceiling" in args.selected:
        processes.start(
            "ceiling",
            [sys.executable, str(ROOT / "bench" / "ceiling.py"), "--port", str(ceiling_port)],
            env,
        )
        wait_healthy(processes, "ceiling", f"{ceiling}/healthz")
    wait_healthy(processes, "api", f"{api}/healthz")
    say(f"API on {api} (workers: {args.workers}), ceiling app on {ceiling}")

    auth = {"Authorization": f"Bearer {key}"}
    card = httpx.get(f"{api}{CARD}", headers=auth, timeout=30)
    if card.status_code != 200 or "etag" not in card.headers:
        raise BenchError(f"GET {CARD}: {card.status_code} {card.text[:500]}")
    etag = card.headers["etag"]

    rows: list[Row] = []
    for endpoint in ENDPOINTS:
        if endpoint.name not in args.selected:
            continue
        base = ceiling if endpoint.target == "ceiling" else api
        headers = dict(auth) if endpoint.keyed else {}
        if endpoint.revalidate:
            headers["If-None-Match"] = etag
        connections = endpoint.connections or args.connections
        target = base + endpoint.path
        probe_started = time.perf_counter()
        probe = httpx.get(target, headers=headers, timeout=30)
        threshold = max(0.25, 3 * (time.perf_counter() - probe_started))
        if probe.status_code not in (200, 304):
            say(f"warning: {endpoint.name} answers {probe.status_code}: {probe.text[:300]}")
        say(f"{endpoint.name}: {connections} connections, warm-up {args.warmup:g} s ...")
        if args.warmup > 0:
            warm_tag = f"{endpoint.name}-warm"
            run_wrk(wrk, endpoint, target, connections, args.warmup, headers, warm_tag)
            settle(target, headers, threshold)
        row = run_wrk(wrk, endpoint, target, connections, args.duration, headers, endpoint.name)
        row.load1 = round(os.getloadavg()[0], 2)
        drained = settle(target, headers, threshold)
        rows.append(row)
        say(
            f"  {row.rps:8.0f} rps  p50 {fmt_ms(row.p50_ms)} ms  p99 {fmt_ms(row.p99_ms)} ms"
            f"  statuses {row.statuses}  socket errors {row.socket_errors}"
            f"  (backlog drained in {drained:.1f} s)"
        )
        processes.check_alive(endpoint.target)

    ingest = None
    if INGEST in args.selected:
        ingest = run_ingest(args, wrk, api, key, auth, data["targets"], processes)

    ceiling_rps = next((row.rps for row in rows if row.name == "ceiling"), None)
    for row in rows + ([ingest.card] if ingest and ingest.card else []):
        if ceiling_rps and row.name != "ceiling":
            row.ratio = row.rps / ceiling_rps
    return Measured(data=data, rows=rows, ingest=ingest)


def report(
    args: argparse.Namespace,
    info: dict[str, Any],
    started_at: datetime,
    measured: Measured,
    processes: Processes,
    log_dir: Path,
) -> None:
    """Print the table (stdout) and write the JSON document."""
    data, rows, ingest = measured.data, measured.rows, measured.ingest
    all_rows = rows + ([ingest.card] if ingest and ingest.card else [])
    api_log = log_summary(processes.logs["api"]) if "api" in processes.logs else []
    ceiling_log = log_summary(processes.logs["ceiling"]) if "ceiling" in processes.logs else []
    inserted = data["inserted"]
    lines = [
        "",
        f"Load benchmark — {started_at:%Y-%m-%d %H:%M} UTC, commit {info['commit']}",
        f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory']} RAM,"
        f" Linux {info['kernel']}, Python {info['python']},"
        f" load average at start {info['loadavg_at_start']}",
        f"PostgreSQL {info['postgresql']}; {info['wrk']}",
        f"data: {data['rows']:,} controversies; synthetic: {inserted.get('actors', 0):,} actors,"
        f" {inserted.get('sides', 0):,} sides, {inserted.get('stances', 0):,} stances,"
        f" {inserted.get('mentions', 0):,} mentions, {inserted.get('events', 0):,} events;"
        f" q=copyright matches {data['copyright']:,}"
        f" ({100 * data['copyright'] / max(1, data['rows']):.1f}%)",
        f"forecasts: {data.get('forecasts', 0):,} forecasts, {data.get('scenarios', 0):,}"
        f" scenarios ({data.get('scored', 0):,} scored, {data.get('due', 0):,} due)",
        f"wrk -t{args.threads} -d{args.duration:g}s --timeout {args.timeout:g}s, each run after"
        f" a {args.warmup:g} s warm-up; API workers: {args.workers}; load1 = the machine's"
        " 1-minute load average at the end of the run",
        "",
        render_table(all_rows),
    ]
    if ingest is not None:
        lines += [
            "",
            f"mention ingest: {ingest.senders} senders, {ingest.batches} batches of"
            f" {ingest.batch_size:,} → {ingest.mentions_per_second:,.0f} mentions/s"
            f" ({ingest.seconds:g} s; batch p50 {ingest.batch_p50_ms:.0f} ms,"
            f" max {ingest.batch_max_ms:.0f} ms; statuses {ingest.statuses};"
            f" created {ingest.created:,}, updated {ingest.updated:,},"
            f" unchanged {ingest.unchanged:,})",
        ]
        if ingest.card is not None:
            lines.append(
                f"card during ingest: p99 {fmt_ms(ingest.card.p99_ms)} ms,"
                f" {ingest.card.rps:.0f} rps (its row above)"
            )
        lines += [f"  failed batch {failure}" for failure in ingest.failures]
    statuses = Counter[int]()
    for row in all_rows:
        for status, n in row.statuses.items():
            if not 200 <= status < 300 and status not in row.expected:
                statuses[status] += n
    socket_errors = Counter[str]()
    for row in all_rows:
        socket_errors.update(row.socket_errors)
    lines += [
        "",
        "non-2xx answers: "
        + (", ".join(f"{s}×{n}" for s, n in sorted(statuses.items())) or "none")
        + "; socket errors: "
        + (", ".join(f"{k} {n}" for k, n in socket_errors.items() if n) or "none"),
        "API log, whole run with warm-ups (warnings and errors): " + ("" if api_log else "none"),
        *api_log,
    ]
    if ceiling_log:
        lines += ["ceiling log (warnings and errors):", *ceiling_log]
    lines.append(f"raw wrk output and server logs: {log_dir}")
    print("\n".join(lines), flush=True)

    if args.json:
        document = {
            "date": started_at.isoformat(),
            "machine": info,
            "options": {
                key: (str(value) if isinstance(value, Path) else value)
                for key, value in vars(args).items()
                if key != "selected"
            },
            "data": {k: v for k, v in data.items() if k != "targets"},
            "rows": [
                {**asdict(row), "failures": row.failures, "not_modified": row.not_modified}
                for row in rows
            ],
            "ingest": asdict(ingest) if ingest else None,
            "api_log": api_log,
        }
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n", "utf-8")
        say(f"wrote {args.json}")


def run_ingest(
    args: argparse.Namespace,
    wrk: WrkOptions,
    api: str,
    key: str,
    auth: dict[str, str],
    targets: list[str],
    processes: Processes,
) -> IngestReport:
    """Mention batches from concurrent senders while wrk reads the card for the same period."""
    if len(targets) < args.batches + 1:
        raise BenchError(
            f"ingest needs {args.batches + 1} synthetic stories with mentions, found "
            f"{len(targets)}: raise --controversies"
        )
    tag = uuid.uuid4().hex[:8]
    # The first target takes one warm-up batch; each measured batch goes to its own story.
    payloads = [
        json.dumps({"mentions": batch}).encode()
        for batch in mention_batches(args.batches + 1, args.batch_size, tag)
    ]
    warm_slug, slugs = targets[0], targets[1 : args.batches + 1]
    card = Endpoint("card-ingest", "card during ingest", "api", CARD)
    say(f"ingest: warm-up batch, then {args.batches} batches from {args.senders} senders ...")
    warm_seconds, warm = asyncio.run(send_batches(api, key, [(warm_slug, payloads[0])], 1))
    if not warm or warm[0][0] != 200:
        raise BenchError(f"warm-up ingest batch failed: {warm[:1]}")
    threshold = 0.25
    if args.warmup > 0:
        run_wrk(wrk, card, api + CARD, args.connections, args.warmup, auth, "card-ingest-warm")
        settle(api + CARD, auth, threshold)

    # wrk runs "forever"; SIGINT makes it stop and report (its done() still runs).
    command = wrk_command(wrk, api + CARD, args.connections, 3600, auth)
    reader = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        time.sleep(0.2)
        seconds, results = asyncio.run(
            send_batches(api, key, list(zip(slugs, payloads[1:], strict=True)), args.senders)
        )
    finally:
        if reader.poll() is None:
            reader.send_signal(signal.SIGINT)
        try:
            out, err = reader.communicate(timeout=args.timeout + 30)
        except subprocess.TimeoutExpired:
            reader.kill()
            out, err = reader.communicate()
    (wrk.log_dir / "wrk-card-ingest.txt").write_text(out + err, "utf-8")
    report = ingest_report(seconds, results, args.senders, args.batch_size)
    report.card = to_row(card, args.connections, parse_wrk(out, card.name))
    report.card.load1 = round(os.getloadavg()[0], 2)
    settle(api + CARD, auth, threshold)
    processes.check_alive("api")
    say(
        f"  {report.mentions_per_second:,.0f} mentions/s (warm-up batch {warm_seconds:.2f} s);"
        f" card p99 during ingest {fmt_ms(report.card.p99_ms)} ms, statuses {report.card.statuses}"
    )
    return report


if __name__ == "__main__":
    sys.exit(main())
