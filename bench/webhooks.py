"""Webhook and outbox benchmark: what the outbox costs a write, how many deliveries per second
the workers make, and how long a committed write takes to reach a receiver.

    .venv/bin/python bench/webhooks.py                       # defaults below
    .venv/bin/python bench/webhooks.py --writes 400 --events 1000 --endpoints 5 --workers 2

One command, like bench/load.py (whose helpers it uses): a fresh database (on --pg / BENCH_PG,
else the embedded PostgreSQL), migrated, an admin key made with the CLI, then three phases:

1. write latency with and without the outbox: `serve` (no worker inside) as built, and
   `serve` with the outbox append made a no-op (bench/serve_without_outbox.py), in turn,
   --rounds times each; every round makes --writes sequential POST …/sides after a warm-up.
2. deliveries per second: --endpoints webhooks on a local receiver (bench/webhook_receiver.py,
   uvicorn, verifying every signature); --events writes made with no worker running, so their
   deliveries wait; then --workers `controversy-api worker` processes start, and the time from
   their start until the receiver has every delivery gives the rate.
3. commit → receiver: with the workers running, --live sequential writes; for each, from its
   2xx to the receiver's first copy.

All processes share the machine (2 cores here): the rate is what one box with the database,
the API, the workers and the receiver on it does, not a ceiling of the design.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import load  # bench/load.py
import stream  # bench/stream.py (its database() helper)
from load import BenchError, Processes, say

HERE = Path(__file__).resolve().parent


def percentile(values: list[float], p: float) -> float:
    return stream.percentile(sorted(values), p)


def base_env(url: str, tmp: Path) -> dict[str, str]:
    # Workers run on their own (phase 2 starts them); the receiver listens on loopback.
    return load.service_env(url, tmp, WORKER_IN_PROCESS="false", WEBHOOK_ALLOW_PRIVATE_URLS="true")


def start_api(processes: Processes, env: dict[str, str], *, outbox: bool) -> str:
    port = load.free_port()
    if outbox:
        command = [*load.cli_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        launcher = str(HERE / "serve_without_outbox.py")
        command = [sys.executable, launcher, "--host", "127.0.0.1", "--port", str(port)]
    processes.start("api", command, env)
    api = f"http://127.0.0.1:{port}"
    load.wait_healthy(processes, "api", f"{api}/healthz")
    return api


def new_controversy(http: httpx.Client) -> str:
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    response = http.post(
        "/v1/controversies",
        json={"slug": slug, "title": "Bench", "category": "safety", "stage": "emerging"},
    )
    if response.status_code != 201:
        raise BenchError(f"creating a controversy: {response.status_code} {response.text[:300]}")
    return slug


def sequential_writes(http: httpx.Client, slug: str, count: int) -> list[float]:
    """Latency (ms) of `count` sequential side creations, after 20 unmeasured ones."""
    latencies = []
    for n in range(count + 20):
        started = time.perf_counter()
        response = http.post(f"/v1/controversies/{slug}/sides", json={"label": f"w{n}"})
        if response.status_code != 201:
            raise BenchError(f"write: {response.status_code} {response.text[:300]}")
        if n >= 20:
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def phase_outbox_cost(
    args: argparse.Namespace, processes: Processes, env: dict[str, str], key: str
) -> dict[str, Any]:
    figures: dict[str, list[float]] = {"with": [], "without": []}
    for round_ in range(args.rounds):
        for mode in ("with", "without"):
            api = start_api(processes, env, outbox=mode == "with")
            with httpx.Client(base_url=api, headers=auth(key), timeout=30) as http:
                slug = new_controversy(http)
                figures[mode] += sequential_writes(http, slug, args.writes)
            processes.stop("api")
            say(f"round {round_ + 1}: {args.writes} writes {mode} the outbox")
    return {
        mode: {
            "n": len(values),
            "p50_ms": round(percentile(values, 50), 2),
            "p99_ms": round(percentile(values, 99), 2),
            "mean_ms": round(sum(values) / len(values), 2),
        }
        for mode, values in figures.items()
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def receiver_stats(port: int) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=30).json()
    return stats


def wait_for_count(port: int, expected: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = receiver_stats(port)
        if stats["count"] >= expected:
            return stats
        time.sleep(0.2)
    raise BenchError(f"the receiver got {receiver_stats(port)['count']} of {expected} in time")


async def concurrent_writes(api: str, key: str, slug: str, count: int, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=api, headers=auth(key), timeout=60) as http:

        async def one(n: int) -> None:
            async with gate:
                response = await http.post(
                    f"/v1/controversies/{slug}/sides", json={"label": f"backlog-{n}"}
                )
                if response.status_code != 201:
                    raise BenchError(f"write: {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(one(n) for n in range(count)))


def phase_deliveries(
    args: argparse.Namespace, processes: Processes, env: dict[str, str], key: str
) -> dict[str, Any]:
    api = start_api(processes, env, outbox=True)
    receiver_port = load.free_port()
    with httpx.Client(base_url=api, headers=auth(key), timeout=30) as http:
        slug = new_controversy(http)
        url = f"http://127.0.0.1:{receiver_port}/hook"
        secrets = []
        for n in range(args.endpoints):
            made = http.post("/v1/webhooks", json={"url": url, "description": f"bench {n}"})
            if made.status_code != 201:
                raise BenchError(f"webhook: {made.status_code} {made.text[:300]}")
            secrets.append(made.json()["secret"])
    processes.start(
        "receiver",
        [sys.executable, str(HERE / "webhook_receiver.py"), str(receiver_port), *secrets],
        env,
    )
    load.wait_healthy(processes, "receiver", f"http://127.0.0.1:{receiver_port}/stats")
    say(f"{args.events} writes with no worker running (their deliveries wait)")
    asyncio.run(concurrent_writes(api, key, slug, args.events, 8))
    expected = args.events * args.endpoints
    started = time.monotonic()
    for n in range(args.workers):
        processes.start(f"worker-{n}", [*load.cli_command(), "worker"], env)
    stats = wait_for_count(receiver_port, expected, args.timeout)
    elapsed = (stats["last"] or started) - started
    flowing = (stats["last"] or 0) - (stats["first"] or 0)
    backlog = {
        "deliveries": stats["count"],
        "seconds_from_worker_start": round(elapsed, 2),
        "per_second": round(stats["count"] / elapsed, 1) if elapsed > 0 else None,
        "seconds_first_to_last": round(flowing, 2),
        "per_second_flowing": round((stats["count"] - 1) / flowing, 1) if flowing > 0 else None,
        "bad_signatures": stats["bad"],
        "repeats": stats["repeats"],
    }
    say(f"backlog: {stats['count']} deliveries in {elapsed:.1f} s")

    httpx.post(f"http://127.0.0.1:{receiver_port}/reset", timeout=10)
    answered: dict[str, float] = {}
    with httpx.Client(base_url=api, headers=auth(key), timeout=30) as http:
        for n in range(args.live):
            label = f"live-{n}"
            response = http.post(f"/v1/controversies/{slug}/sides", json={"label": label})
            if response.status_code != 201:
                raise BenchError(f"write: {response.status_code} {response.text[:200]}")
            answered[label] = time.monotonic()
            time.sleep(args.interval)
    stats = wait_for_count(receiver_port, args.live * args.endpoints, args.timeout)
    lags = [(stats["labels"][label] - t) * 1000 for label, t in answered.items()]
    live = {
        "writes": args.live,
        "p50_ms": round(percentile(lags, 50), 1),
        "p99_ms": round(percentile(lags, 99), 1),
        "max_ms": round(max(lags), 1),
        "bad_signatures": stats["bad"],
        "repeats": stats["repeats"],
    }
    for n in range(args.workers):
        processes.stop(f"worker-{n}")
    processes.stop("receiver")
    processes.stop("api")
    return {"backlog": backlog, "live": live}


def render(args: argparse.Namespace, info: dict[str, Any], result: dict[str, Any]) -> str:
    cost = result["outbox"]
    ratio = cost["with"]["p50_ms"] / cost["without"]["p50_ms"]
    backlog, live = result["deliveries"]["backlog"], result["deliveries"]["live"]
    return "\n".join(
        [
            "",
            f"Webhook benchmark — {info['date']:%Y-%m-%d %H:%M} UTC, commit {info['commit']}",
            f"machine: {info['nproc']} cores, {info['cpu']}, Python {info['python']},"
            f" PostgreSQL {info['postgresql']}, load average at start {info['loadavg_at_start']}",
            "",
            f"write latency (POST …/sides, sequential, {cost['with']['n']} per mode over"
            f" {args.rounds} alternating rounds):",
            f"  with the outbox     p50 {cost['with']['p50_ms']} ms, p99 {cost['with']['p99_ms']}"
            f" ms, mean {cost['with']['mean_ms']} ms",
            f"  without the outbox  p50 {cost['without']['p50_ms']} ms, p99"
            f" {cost['without']['p99_ms']} ms, mean {cost['without']['mean_ms']} ms",
            f"  with / without (p50): {ratio:.2f}×",
            "",
            f"deliveries: {args.endpoints} endpoints × {args.events} events waiting, then"
            f" {args.workers} worker process(es): {backlog['deliveries']} delivered in"
            f" {backlog['seconds_from_worker_start']} s from the workers' start ="
            f" {backlog['per_second']} deliveries/s; {backlog['per_second_flowing']}/s from the"
            f" first to the last (bad signatures {backlog['bad_signatures']}, repeats"
            f" {backlog['repeats']})",
            f"commit → receiver, {live['writes']} writes {args.interval:g} s apart, workers"
            f" running: p50 {live['p50_ms']} ms, p99 {live['p99_ms']} ms, max {live['max_ms']} ms"
            f" (bad signatures {live['bad_signatures']}, repeats {live['repeats']})",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", load.DEFAULT_PG))
    parser.add_argument("--writes", type=int, default=300, help="sequential writes per round")
    parser.add_argument("--rounds", type=int, default=2, help="with/without rounds")
    parser.add_argument("--endpoints", type=int, default=5, help="webhook endpoints")
    parser.add_argument("--events", type=int, default=1000, help="events in the backlog")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--live", type=int, default=200, help="writes measured end to end")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between them")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write figures as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = load.machine()
    info["date"] = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder:
        tmp = Path(folder)
        processes = Processes(tmp)
        try:
            with stream.database(args.pg, tmp) as (url, version):
                info["postgresql"] = version
                env = base_env(url, tmp)
                try:
                    load.run_cli(["migrate"], env, "controversy-api migrate")
                    key = json.loads(load.run_cli(load.KEY_ARGS, env, "keys create"))["key"]
                    result = {
                        "outbox": phase_outbox_cost(args, processes, env, key),
                        "deliveries": phase_deliveries(args, processes, env, key),
                    }
                finally:
                    processes.stop_all()
        except BenchError as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1
    print(render(args, info, result), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": info, **result}, default=str, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
