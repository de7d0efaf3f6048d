"""Stream benchmark: how long a committed write takes to reach every `GET /v1/stream` client.

    .venv/bin/python bench/stream.py                          # 500 clients, 200 writes
    .venv/bin/python bench/stream.py --clients 500 --writes 200 --workers 2
    .venv/bin/python bench/stream.py --clients 10 --writes 20 --json smoke.json

One command, like bench/load.py (whose helpers it uses): makes a fresh database (on --pg /
BENCH_PG, else the embedded PostgreSQL), migrates it, creates an admin key with the CLI, starts
`controversy-api serve` (`--workers N`), creates one test controversy, then:

1. connects C clients (httpx, one streaming connection each, --connect-concurrency at a time,
   retried on 429/503 or a refused connection) to `/v1/stream?controversy=<slug>` and waits
   until each has its response headers (the route subscribes before it answers, so from then
   on it gets every event committed);
2. a writer process POSTs W sides with unique labels to that controversy, one after the other
   (back to back, or --interval apart), noting for each the monotonic time its request started
   and its 201 arrived (a 2xx is sent only after COMMIT);
3. every client notes the monotonic time each `side.created` event of those labels arrived
   (the time its chunk was read), until all arrived or --drain-timeout after the last write.

CLOCK_MONOTONIC is system-wide on Linux, so the writer's times and the clients' compare
directly. The writer is a process of its own so that its 2xx times are not delayed by the
clients' event loop, which is busy with C chunks per event. Reported over every (client,
write) pair: commit-to-client latency (receive − 2xx; negative when the event overtook the
2xx: the NOTIFY and the answer race, both leave at COMMIT), the latency from the write's
request start, the time until the last client had each write, events lost, duplicated or out
of order, and the writes' own latency. With --workers N the clients spread over the server's
processes (each has its own hub): the script finds each client's server process from /proc
and reports the spread, and the losses per process.

The clients share the machine with the server and PostgreSQL: receive times include the
clients' own queueing (C reads per event in one Python event loop), so the figures are an
upper bound of what remote clients would see. CPU seconds of the server and of this script
during the measured phase are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import load  # bench/load.py (this script's folder is first on sys.path)
import orjson
from load import BenchError, Processes, say

EVENT_TYPE = "side.created"
STREAM = "/v1/stream"


# --------------------------------------------------------------------------- clients


@dataclass
class Client:
    """One SSE connection and what it received."""

    index: int
    status: int | None = None
    attempts: int = 0
    connected_at: float | None = None
    port: int | None = None  # its local port: finds the server process that serves it
    received: dict[str, float] = field(default_factory=dict)  # label → monotonic time
    duplicates: int = 0
    out_of_order: int = 0
    other: int = 0  # events that are not one of our writes (e.g. the warm-up write)
    pings: int = 0
    last_id: int = -1
    error: str | None = None  # why it could not connect, or why its stream ended
    ended_at: float | None = None  # the stream ended (by the server, or broke) while measuring


class Fleet:
    """The clients, their shared state, and the connections behind them."""

    def __init__(self, api: str, key: str, slug: str, clients: int, labels: list[str]) -> None:
        self.url = f"{api}{STREAM}"
        self.params = {"controversy": slug}
        self.headers = {
            "Authorization": f"Bearer {key}",
            "Accept": "text/event-stream",
            "Accept-Encoding": "identity",  # raw bytes: no compression layer in the way
        }
        self.clients = [Client(i) for i in range(clients)]
        self.expected = set(labels)
        self.total = 0  # (client, write) pairs received
        self.settled = 0  # clients connected or given up
        self.live = 0  # clients connected whose stream has not ended
        self.full = 0  # live clients that have every write
        self.all_settled = asyncio.Event()
        self.complete = asyncio.Event()  # every connected client has every write
        self.stopping = False
        self.tasks: list[asyncio.Task[None]] = []
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=15.0, read=60.0, write=15.0, pool=15.0),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
        )

    @property
    def connected(self) -> list[Client]:
        return [c for c in self.clients if c.connected_at is not None]

    def check_complete(self) -> None:
        """Recount (rarely: after the writes, when a client drops) and set `complete`."""
        live = [c for c in self.clients if c.connected_at is not None and c.ended_at is None]
        self.live = len(live)
        self.full = sum(1 for c in live if self.expected <= c.received.keys())
        if self.full >= self.live:
            self.complete.set()

    def _settle(self) -> None:
        self.settled += 1
        if self.settled == len(self.clients):
            self.all_settled.set()

    async def start(self, concurrency: int, retries: int) -> None:
        gate = asyncio.Semaphore(concurrency)
        self.tasks = [
            asyncio.create_task(self._run(client, gate, retries)) for client in self.clients
        ]

    async def stop(self) -> None:
        self.stopping = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.http.aclose()

    async def _connect(self, client: Client, gate: asyncio.Semaphore, retries: int) -> Any:
        """The streaming response once its headers arrived, or None (client.error says why)."""
        for attempt in range(1, retries + 1):
            client.attempts = attempt
            async with gate:
                request = self.http.build_request(
                    "GET", self.url, params=self.params, headers=self.headers
                )
                try:
                    response = await self.http.send(request, stream=True)
                except httpx.HTTPError as exc:
                    client.error = f"{type(exc).__name__}: {exc}"[:200]
                    response = None
            if response is not None:
                client.status = response.status_code
                if response.status_code == 200:
                    encoding = response.headers.get("content-encoding", "identity")
                    if encoding != "identity":
                        await response.aclose()
                        client.error = f"content-encoding {encoding}"
                        return None
                    client.error = None
                    return response
                body = (await response.aread())[:200].decode("utf-8", "replace")
                await response.aclose()
                client.error = f"{response.status_code}: {body}"
                if response.status_code not in (429, 502, 503, 504):
                    return None
            await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
        return None

    async def _run(self, client: Client, gate: asyncio.Semaphore, retries: int) -> None:
        response = await self._connect(client, gate, retries)
        if response is None:
            self._settle()
            return
        try:
            client.connected_at = time.monotonic()
            self.live += 1
            stream = response.extensions.get("network_stream")
            if stream is not None:
                with suppress(Exception):
                    client.port = stream.get_extra_info("client_addr")[1]
            self._settle()
            await self._read(client, response)
            if not self.stopping:
                client.ended_at = time.monotonic()
                client.error = client.error or "the server ended the stream"
        except httpx.HTTPError as exc:
            if not self.stopping:
                client.ended_at = time.monotonic()
                client.error = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            with suppress(Exception):
                await response.aclose()
            if not self.stopping:
                self.check_complete()  # a dropped client no longer counts

    async def _read(self, client: Client, response: httpx.Response) -> None:
        # SSE framing: lines end with \r\n, \n or \r; an empty line ends an event. The time of
        # an event is the time the chunk that completed it was read.
        buffer = b""
        async for chunk in response.aiter_raw():
            now = time.monotonic()
            buffer += chunk
            cut = len(buffer) - 1 if buffer.endswith(b"\r") else len(buffer)
            text = buffer[:cut].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            *blocks, rest = text.split(b"\n\n")
            buffer = rest + buffer[cut:]
            for block in blocks:
                self._event(client, block, now)

    def _event(self, client: Client, block: bytes, now: float) -> None:
        fields: dict[bytes, list[bytes]] = {}
        for line in block.split(b"\n"):
            if not line:
                continue
            if line.startswith(b":"):
                client.pings += 1
                continue
            name, _, value = line.partition(b":")
            fields.setdefault(name, []).append(value.removeprefix(b" "))
        if not fields:
            return
        event_id = fields.get(b"id", [b""])[-1]
        if event_id:
            number = int(event_id)
            if number <= client.last_id:
                client.out_of_order += 1
            client.last_id = max(client.last_id, number)
        kind = fields.get(b"event", [b"message"])[-1].decode()
        label = None
        if kind == EVENT_TYPE and b"data" in fields:
            with suppress(ValueError):
                data = orjson.loads(b"\n".join(fields[b"data"]))
                label = (data.get("payload") or {}).get("label")
        if label not in self.expected:
            client.other += 1
            return
        assert isinstance(label, str)
        if label in client.received:
            client.duplicates += 1
            return
        client.received[label] = now
        self.total += 1
        if len(client.received) == len(self.expected):
            self.full += 1
            if self.full >= self.live:
                self.check_complete()


# --------------------------------------------------------------------------- writer


@dataclass
class Write:
    label: str
    started: float
    answered: float
    status: int
    detail: str = ""


def writer_main(
    conn: Connection, api: str, key: str, slug: str, labels: list[str], interval: float
) -> None:
    """The writer process: one warm-up write, then (on "go") every write, one after the other."""
    path = f"/v1/controversies/{slug}/sides"
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        try:
            warm = client.post(path, json={"label": f"warm-up-{uuid.uuid4().hex[:8]}"})
            conn.send(("ready", warm.status_code, warm.text[:300]))
        except httpx.HTTPError as exc:
            conn.send(("ready", 0, repr(exc)))
            return
        if conn.recv() != "go":
            return
        writes: list[tuple[str, float, float, int, str]] = []
        for label in labels:
            started = time.monotonic()
            try:
                response = client.post(path, json={"label": label})
                status, detail = response.status_code, ""
                if not 200 <= status < 300:
                    detail = response.text[:300]
            except httpx.HTTPError as exc:
                status, detail = 0, repr(exc)[:300]
            writes.append((label, started, time.monotonic(), status, detail))
            if interval > 0:
                time.sleep(interval)
        conn.send(("done", writes))


class Writer:
    """The writer process and its end of the pipe."""

    def __init__(self, api: str, key: str, slug: str, labels: list[str], interval: float) -> None:
        # spawn: a fresh interpreter, no copy of this process's event loop or connections.
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=writer_main,
            args=(child, api, key, slug, labels, interval),
            name="stream-writer",
            daemon=True,
        )
        self.process.start()
        child.close()

    def receive(self, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.conn.poll(0.2):
                try:
                    return self.conn.recv()
                except EOFError:
                    break
            if not self.process.is_alive():
                break
        if not self.process.is_alive():
            raise BenchError(f"the writer process exited ({what}): {self.process.exitcode}")
        raise BenchError(f"the writer process did not answer within {timeout:.0f} s ({what})")

    async def wait(self, what: str, fleet: Fleet) -> Any:
        """receive() for the event loop: polls the pipe without blocking the clients."""
        said = time.monotonic()
        while self.process.is_alive():
            if self.conn.poll():
                return self.receive(10, what)
            await asyncio.sleep(0.05)
            if time.monotonic() - said > 5:
                said = time.monotonic()
                say(f"  … {fleet.total:,} events received so far")
        return self.receive(1, what)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
        self.conn.close()


# --------------------------------------------------------------------------- server processes


def descendants(root: int) -> list[int]:
    """The process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def serving_processes(pids: list[int], port: int) -> dict[int, int]:
    """Client port → the pid of the server process holding that connection (Linux /proc)."""
    owner: dict[int, int] = {}  # socket inode → pid
    for pid in pids:
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        owner[int(target[8:-1])] = pid
    found: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if len(parts) < 10 or parts[3] != "01":  # ESTABLISHED
                    continue
                local_port = int(parts[1].rsplit(":", 1)[1], 16)
                if local_port != port:
                    continue
                inode = int(parts[9])
                if inode in owner:
                    found[int(parts[2].rsplit(":", 1)[1], 16)] = owner[inode]
    return found


def raise_open_files(needed: int) -> tuple[int, int]:
    """Raise the soft limit of open files (inherited by the server); returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise BenchError(f"{needed} open files needed, the limit is {soft} (hard {hard})")
    return soft, hard


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


def stats_ms(values: list[float]) -> dict[str, float | int]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "min": round(1000 * ordered[0], 2) if ordered else math.nan,
        "p50": round(1000 * percentile(ordered, 50), 2),
        "p99": round(1000 * percentile(ordered, 99), 2),
        "max": round(1000 * ordered[-1], 2) if ordered else math.nan,
    }


def summarise(
    fleet: Fleet,
    writes: list[Write],
    pid_of: dict[int, int],
    connect_seconds: float,
    measured: dict[str, float],
) -> dict[str, Any]:
    clients = fleet.clients
    connected = fleet.connected
    ok = [w for w in writes if 200 <= w.status < 300]
    from_2xx: list[float] = []
    from_start: list[float] = []
    last_client: list[float] = []  # per write: 2xx → the last connected client that got it
    spread: list[float] = []  # per write: first → last client
    quarters: list[list[float]] = [[], [], [], []]
    per_write: list[dict[str, Any]] = []  # for the JSON: each write, in order
    for n, write in enumerate(ok):
        times = [c.received[write.label] for c in connected if write.label in c.received]
        from_2xx += [t - write.answered for t in times]
        from_start += [t - write.started for t in times]
        quarters[min(3, 4 * n // max(1, len(ok)))] += [t - write.answered for t in times]
        if times:
            last_client.append(max(times) - write.answered)
            spread.append(max(times) - min(times))
        per_write.append(
            {
                "write_ms": round(1000 * (write.answered - write.started), 2),
                "received": len(times),
                "p50_ms": round(1000 * (percentile(sorted(times), 50) - write.answered), 2)
                if times
                else None,
                "last_ms": round(1000 * (max(times) - write.answered), 2) if times else None,
            }
        )
    expected = len(clients) * len(writes)
    received = sum(len(c.received) for c in clients)
    per_process: dict[str, dict[str, int]] = {}
    for client in connected:
        pid = pid_of.get(client.port or -1)
        entry = per_process.setdefault(str(pid) if pid else "unknown", {"clients": 0, "lost": 0})
        entry["clients"] += 1
        entry["lost"] += len(ok) - sum(1 for w in ok if w.label in client.received)
    errors = Counter(c.error.split(":")[0] for c in clients if c.error)
    received_times = [t for c in connected for t in c.received.values()]
    last_answer = max((w.answered for w in writes), default=math.nan)
    first_start = min((w.started for w in writes), default=math.nan)
    return {
        "clients": len(clients),
        "connected": len(connected),
        "connect_seconds": round(connect_seconds, 2),
        "connect_retries": sum(max(0, c.attempts - 1) for c in clients),
        "connect_failures": len(clients) - len(connected),
        "dropped": sum(1 for c in connected if c.ended_at is not None),
        "client_errors": dict(errors),
        "writes": len(writes),
        "writes_ok": len(ok),
        "write_statuses": dict(Counter(w.status for w in writes)),
        "write_failures": [f"{w.status}: {w.detail}" for w in writes if w not in ok][:5],
        "expected": expected,
        "received": received,
        "lost": expected - received,
        "duplicates": sum(c.duplicates for c in clients),
        "out_of_order": sum(c.out_of_order for c in clients),
        "other_events": sum(c.other for c in clients),
        "commit_to_client_ms": stats_ms(from_2xx),
        "negative_pairs": sum(1 for v in from_2xx if v < 0),
        "start_to_client_ms": stats_ms(from_start),
        "last_client_ms": stats_ms(last_client),
        "fan_out_spread_ms": stats_ms(spread),
        "commit_to_client_p50_by_quarter_ms": [
            round(1000 * percentile(sorted(q), 50), 2) for q in quarters
        ],
        "write_ms": stats_ms([w.answered - w.started for w in writes]),
        "writes_seconds": round(last_answer - first_start, 3),
        "writes_per_second": round(len(writes) / (last_answer - first_start), 1)
        if writes and last_answer > first_start
        else math.nan,
        "last_event_after_last_2xx_ms": round(1000 * (max(received_times) - last_answer), 1)
        if received_times
        else math.nan,
        "per_process": per_process,
        "per_write": per_write,
        **measured,
    }


# --------------------------------------------------------------------------- the run


def run_stream(
    args: argparse.Namespace, api: str, key: str, slug: str, server_pid: int
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    labels = [f"stream-{tag}-{i:05d}" for i in range(args.writes)]
    writer = Writer(api, key, slug, labels, args.interval)
    try:
        ready = writer.receive(120, "warm-up write")
        if ready[1] != 201:
            raise BenchError(f"the warm-up write answered {ready[1]}: {ready[2]}")
        time.sleep(0.5)  # let the hubs read the warm-up event before any client subscribes
        return asyncio.run(measure(args, api, key, slug, labels, writer, server_pid))
    finally:
        writer.stop()


async def measure(
    args: argparse.Namespace,
    api: str,
    key: str,
    slug: str,
    labels: list[str],
    writer: Writer,
    server_pid: int,
) -> dict[str, Any]:
    fleet = Fleet(api, key, slug, args.clients, labels)
    try:
        say(f"connecting {args.clients} clients ({args.connect_concurrency} at a time) ...")
        t0 = time.monotonic()
        await fleet.start(args.connect_concurrency, args.retries)
        try:
            await asyncio.wait_for(fleet.all_settled.wait(), args.connect_timeout)
        except TimeoutError:
            say(f"warning: not every client settled within {args.connect_timeout:g} s")
        connect_seconds = time.monotonic() - t0
        connected = len(fleet.connected)
        say(
            f"  {connected}/{args.clients} connected in {connect_seconds:.1f} s"
            + (f"; errors: {Counter(c.error for c in fleet.clients if c.error)}" if
               connected < args.clients else "")
        )  # fmt: skip
        if connected == 0:
            raise BenchError("no client could connect to the stream")
        pids = descendants(server_pid)
        pid_of = serving_processes(pids, int(api.rsplit(":", 1)[1]))
        await asyncio.sleep(0.5)  # quiet before the first write

        cpu_server, cpu_self = cpu_seconds(pids), time.process_time()
        wall = time.monotonic()
        say(f"writing {args.writes} sides one after the other ...")
        writer.conn.send("go")
        limit = args.writes * 30.0 + 60  # the writer's own timeout is 30 s per write
        try:
            async with asyncio.timeout(limit):
                message = await writer.wait("the measured writes", fleet)
        except TimeoutError:
            raise BenchError(f"the writes did not end within {limit:g} s") from None
        writes = [Write(*row) for row in message[1]]
        ok = sum(1 for w in writes if 200 <= w.status < 300)
        say(f"  {ok}/{len(writes)} writes answered 2xx; waiting for the events ...")
        if ok < len(writes):  # failed writes send no event: expect only the others
            fleet.expected = {w.label for w in writes if 200 <= w.status < 300}
        fleet.check_complete()
        try:
            await asyncio.wait_for(fleet.complete.wait(), args.drain_timeout)
        except TimeoutError:
            say(f"warning: events still missing {args.drain_timeout:g} s after the last write")
        measured = {
            "measured_wall_seconds": round(time.monotonic() - wall, 2),
            "server_cpu_seconds": round(cpu_seconds(pids) - cpu_server, 2),
            "bench_cpu_seconds": round(time.process_time() - cpu_self, 2),
            "load1_at_end": round(os.getloadavg()[0], 2),
        }
        fleet.stopping = True
        return summarise(fleet, writes, pid_of, connect_seconds, measured) | {
            "server_processes": len(pids)
        }
    finally:
        await fleet.stop()


# --------------------------------------------------------------------------- report


def fmt(value: float | int) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def render(args: argparse.Namespace, info: dict[str, Any], s: dict[str, Any]) -> str:
    rows = [
        ("commit → client (2xx → event)", s["commit_to_client_ms"]),
        ("request start → client", s["start_to_client_ms"]),
        ("2xx → last client, per write", s["last_client_ms"]),
        ("first → last client, per write", s["fan_out_spread_ms"]),
        ("write (POST → 201)", s["write_ms"]),
    ]
    header = f"{'':<32} {'n':>7} {'min ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    table = [header, "-" * len(header)]
    for label, st in rows:
        table.append(
            f"{label:<32} {st['n']:>7} {fmt(st['min']):>8} {fmt(st['p50']):>8}"
            f" {fmt(st['p99']):>8} {fmt(st['max']):>8}"
        )
    processes = "; ".join(
        f"pid {pid}: {v['clients']} clients, {v['lost']} lost"
        for pid, v in sorted(s["per_process"].items())
    )
    quarters = " / ".join(fmt(v) for v in s["commit_to_client_p50_by_quarter_ms"])
    pacing = "back to back" if args.interval <= 0 else f"{args.interval:g} s apart"
    lines = [
        "",
        f"Stream benchmark — {info['date']:%Y-%m-%d %H:%M} UTC, commit {info['commit']}",
        f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory']} RAM,"
        f" Linux {info['kernel']}, Python {info['python']},"
        f" load average at start {info['loadavg_at_start']}",
        f"PostgreSQL {info['postgresql']}; API workers: {args.workers}"
        f" ({s['server_processes']} processes in the server's tree);"
        f" open-files limit {info['nofile']}",
        f"{s['clients']} SSE clients on {STREAM}?controversy=<slug> (httpx, one connection each):"
        f" {s['connected']} connected in {s['connect_seconds']:g} s"
        f" ({s['connect_retries']} retries, {s['connect_failures']} failed);"
        f" {s['writes']} writes (POST …/sides), sequential, {pacing}",
        f"clients per server process: {processes}",
        "",
        "\n".join(table),
        "",
        f"events: expected {s['expected']:,} (clients × writes), received {s['received']:,},"
        f" lost {s['lost']:,}; duplicates {s['duplicates']}, out of order {s['out_of_order']},"
        f" other events {s['other_events']}; clients dropped mid-run {s['dropped']}",
        f"commit → client: {s['negative_pairs']:,} of {s['commit_to_client_ms']['n']:,} pairs"
        f" negative (event before the 2xx); p50 by quarter of the writes: {quarters} ms",
        f"writes: {s['writes_ok']}/{s['writes']} 2xx {s['write_statuses']} in"
        f" {s['writes_seconds']:g} s ({fmt(s['writes_per_second'])}/s); last event"
        f" {fmt(s['last_event_after_last_2xx_ms'])} ms after the last 2xx",
        f"CPU during the measured {s['measured_wall_seconds']:g} s: server"
        f" {s['server_cpu_seconds']:g} s, this script's clients {s['bench_cpu_seconds']:g} s;"
        f" load1 at the end {s['load1_at_end']}",
    ]
    if s["client_errors"]:
        lines.append(f"client errors: {s['client_errors']}")
    lines += [f"  failed write {failure}" for failure in s["write_failures"]]
    lines.append(
        "API log (warnings and errors): " + ("" if info["api_log"] else "none"),
    )
    lines += info["api_log"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Commit-to-client latency of the SSE stream, C clients × W writes.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", load.DEFAULT_PG), help="server")
    parser.add_argument("--clients", type=int, default=500, help="SSE connections")
    parser.add_argument("--writes", type=int, default=200, help="sequential writes")
    parser.add_argument("--workers", type=int, default=1, help="API workers (serve --workers)")
    parser.add_argument(
        "--interval", type=float, default=0.0, help="seconds between writes (0: back to back)"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="clients connecting at a time"
    )
    parser.add_argument("--retries", type=int, default=5, help="connect attempts per client")
    parser.add_argument(
        "--connect-timeout", type=float, default=180.0, help="seconds for all clients to connect"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="seconds to wait after the last write for the missing events",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures as JSON")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.writes < 1 or args.workers < 1:
        parser.error("--clients, --writes and --workers must be at least 1")
    if args.connect_concurrency < 1 or args.retries < 1:
        parser.error("--connect-concurrency and --retries must be at least 1")
    return args


@contextmanager
def database(server: str, tmp: Path) -> Iterator[tuple[str, str]]:
    """A fresh database (its URL, the server's version), dropped on exit."""
    embedded: Any = None
    version = asyncio.run(load.reachable(server))
    if version is None:
        say("starting the project's embedded PostgreSQL instead")
        sys.path.insert(0, str(load.ROOT))
        from app.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(tmp / "embedded")
        server = embedded.start()
        version = asyncio.run(load.reachable(server))
        if version is None:
            embedded.stop()
            raise BenchError("the embedded PostgreSQL did not start")
    name = f"ct_stream_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(load.admin_sql(server, f'CREATE DATABASE "{name}"'))
        say(f"database {name} on PostgreSQL {version}")
        yield load.database_url(server, name), version
    finally:
        try:
            asyncio.run(load.admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            say(f"dropped database {name}")
        finally:
            if embedded is not None:
                embedded.stop()


def bench(args: argparse.Namespace, tmp: Path, processes: Processes) -> dict[str, Any]:
    # Ours: a socket per client, plus slack. The server inherits the limit: the same, plus its
    # pool and the listener.
    soft, _ = raise_open_files(args.clients + 1024)
    info = load.machine()
    info["date"] = datetime.now(UTC)
    info["nofile"] = soft
    with database(args.pg, tmp) as (url, pg_version):
        info["postgresql"] = pg_version
        try:
            env = load.service_env(url, tmp)
            if args.workers > 1 and not load.serve_supports_workers(env):
                raise BenchError(f"--workers {args.workers}: `serve` has no --workers option")
            load.run_cli(["migrate"], env, "controversy-api migrate")
            key: str = json.loads(load.run_cli(load.KEY_ARGS, env, "keys create"))["key"]
            port = load.free_port()
            serve = [*load.cli_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
            if args.workers > 1:
                serve += ["--workers", str(args.workers)]
            api = f"http://127.0.0.1:{port}"
            processes.start("api", serve, env)
            load.wait_healthy(processes, "api", f"{api}/healthz")
            if args.workers > 1:
                wait_workers(processes, args.workers)
            say(f"API on {api} (workers: {args.workers})")
            slug = create_controversy(api, key)
            summary = run_stream(args, api, key, slug, processes.children["api"].pid)
            processes.check_alive("api")
        finally:
            # Before the database is dropped (WITH (FORCE) would cut the server off).
            processes.stop_all()
    info["api_log"] = load.log_summary(processes.logs["api"])
    print(render(args, info, summary), flush=True)
    return {"machine": info, "summary": summary}


def wait_workers(processes: Processes, workers: int, timeout: float = 90.0) -> None:
    """With --workers, /healthz answers once one worker is up. A worker accepts connections
    only after its startup (pool, LISTEN connection, hub): wait until each holds sockets
    beyond the shared listener, or the first clients would all land on the first worker."""
    deadline = time.monotonic() + timeout
    root = processes.children["api"].pid
    ready: list[int] = []
    while time.monotonic() < deadline:
        processes.check_alive("api")
        ready = [pid for pid in descendants(root) if pid != root and sockets(pid) >= 3]
        if len(ready) >= workers:
            time.sleep(1.0)
            return
        time.sleep(0.2)
    say(f"warning: {len(ready)} of {workers} workers look ready after {timeout:g} s")


def sockets(pid: int) -> int:
    count = 0
    with suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                count += os.readlink(fd).startswith("socket:[")
    return count


def create_controversy(api: str, key: str) -> str:
    slug = f"stream-bench-{uuid.uuid4().hex[:8]}"
    body = {"slug": slug, "title": "Stream benchmark", "category": "safety", "stage": "emerging"}
    response = httpx.post(
        f"{api}/v1/controversies",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    if response.status_code != 201:
        raise BenchError(f"POST /v1/controversies: {response.status_code} {response.text[:300]}")
    return slug


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, load._raise_interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="controversy-stream-"))
    log_dir = tmp / "logs"
    log_dir.mkdir()
    processes = Processes(log_dir)
    failed = True
    try:
        document = bench(args, tmp, processes)
        if args.json:
            document["options"] = {
                k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
            }
            args.json.write_text(json.dumps(document, indent=2, default=str) + "\n", "utf-8")
            say(f"wrote {args.json}")
        failed = False
        return 0
    except BenchError as exc:
        say(f"\nbench/stream.py failed: {exc}")
        for name in processes.logs:
            say(f"last lines of the {name} log:\n{processes.tail(name, 15)}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted: stopping everything")
        return 130
    finally:
        processes.stop_all()
        if failed:
            say(f"logs kept: {log_dir}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
