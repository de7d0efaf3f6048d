"""The `controversy-api` command: serve, migrate, seed-demo, openapi."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.config import Settings, get_settings
from app.db import database
from app.logging_setup import configure_logging

logger = logging.getLogger("app.cli")

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def _run_async(factory: Callable[[], Any]) -> Any:
    return asyncio.run(factory())


async def _seed(
    url: str, settings: Settings, *, only_if_empty: bool, now: datetime | None = None
) -> int:
    from app.db import make_engine, make_sessionmaker, session_scope
    from app.demo.loader import database_is_empty, load_demo

    engine = make_engine(url, settings)
    inserted = 0
    try:
        # No return inside the loop: leaving the generator early would skip its commit.
        async for session in session_scope(make_sessionmaker(engine)):
            if not only_if_empty or await database_is_empty(session):
                inserted = await load_demo(session, settings=settings, now=now)
    finally:
        await engine.dispose()
    return inserted


async def _revision(url: str, settings: Settings) -> str | None:
    from app.db import make_engine
    from app.migrations import database_revision

    engine = make_engine(url, settings)
    try:
        async with engine.connect() as connection:
            return await database_revision(connection)
    finally:
        await engine.dispose()


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app
    from app.migrations import head_revision, upgrade

    settings = get_settings()
    with database(settings) as (url, embedded):
        if embedded:
            upgrade(url)
        else:
            current = _run_async(lambda: _revision(url, settings))
            if current != head_revision():
                logger.error(
                    "the database is behind the code; run `controversy-api migrate` first",
                    extra={"database_revision": current, "code_revision": head_revision()},
                )
                return 2
        if settings.seed_demo_on_empty:
            inserted = _run_async(lambda: _seed(url, settings, only_if_empty=True))
            if inserted:
                logger.info("empty database: loaded the demo data", extra={"inserted": inserted})
        if embedded:
            from app.keys.service import ensure_demo_admin_key

            ensure_demo_admin_key(url, settings)
        if settings.worker_in_process is None:
            # The embedded default runs a job worker inside the API (inside each of its
            # processes with --workers: the queue runs each job once all the same); elsewhere
            # workers run as `controversy-api worker`.
            settings = settings.model_copy(update={"worker_in_process": embedded})
            os.environ["WORKER_IN_PROCESS"] = "true" if embedded else "false"
        logger.info(
            "serving", extra={"host": args.host, "port": args.port, "workers": args.workers}
        )
        # uvicorn re-raises the signal that stopped it; with SIGTERM's default action that would
        # kill the process before the embedded database is stopped, so turn it into an exit.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        options: dict[str, Any] = {
            "host": args.host,
            "port": args.port,
            "log_config": None,
            "access_log": False,
        }
        if args.workers > 1:
            # Each worker is a process of its own that builds the app from the environment; the
            # database (embedded or not) is this process's, reached by its URL.
            os.environ["DATABASE_URL"] = url
            uvicorn.run(
                "app.main:app_from_environment", factory=True, workers=args.workers, **options
            )
        else:
            uvicorn.run(create_app(settings, database_url=url), **options)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.migrations import head_revision, upgrade
    from app.worker.runner import Worker

    settings = get_settings()
    with database(settings) as (url, embedded):
        if embedded:
            upgrade(url)
        elif _run_async(lambda: _revision(url, settings)) != head_revision():
            logger.error("the database is behind the code; run `controversy-api migrate` first")
            return 2
        if args.metrics_port:
            from prometheus_client import start_http_server

            start_http_server(args.metrics_port, addr=args.metrics_host)
        logger.info("worker running", extra={"concurrency": settings.worker_concurrency})
        _run_async(lambda: _work_until_signalled(Worker(url, settings)))
    return 0


async def _work_until_signalled(worker: Any) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, worker.stop.set)
    await worker.run()


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.migrations import downgrade, upgrade

    settings = get_settings()
    with database(settings) as (url, _):
        if args.downgrade:
            downgrade(url, args.downgrade)
        else:
            upgrade(url, args.revision)
    logger.info("migrated")
    return 0


def _utc_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("a time with a zone, e.g. 2026-11-27T12:00:00Z")
    return parsed.astimezone(UTC)


async def _recompute_all(url: str, settings: Settings) -> tuple[int, int]:
    from app.db import make_engine, make_sessionmaker
    from app.noise.service import recompute_all

    def progress(done: int, total: int) -> None:
        if done == total or done % 1_000 == 0:
            print(f"recomputed {done:,} of {total:,}", file=sys.stderr, flush=True)

    engine = make_engine(url, settings)
    try:
        return await recompute_all(
            make_sessionmaker(engine), now=datetime.now(UTC), settings=settings, progress=progress
        )
    finally:
        await engine.dispose()


NO_WORKER_HINT_SECONDS = 10.0


async def _queue_recompute_all(url: str, settings: Settings, *, wait: bool) -> dict[str, Any]:
    from app import queue
    from app.db import make_engine, make_sessionmaker
    from app.noise.service import recompute_run, start_recompute_run

    engine = make_engine(url, settings)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            run_id = await start_recompute_run(session)
            await queue.enqueue(session, queue.RECOMPUTE_ALL, queue.payload(run=run_id))
        print(f"queued recompute run {run_id}", file=sys.stderr, flush=True)
        shown = -1
        hint_at: float | None = time.monotonic() + NO_WORKER_HINT_SECONDS
        while True:
            async with sessions() as session:
                run = await recompute_run(session, run_id)
            if run.done != shown:
                print(f"recomputed {run.done:,} of {run.total:,}", file=sys.stderr, flush=True)
                shown = run.done
            if run.done == 0 and hint_at is not None and time.monotonic() > hint_at:
                print(
                    "no worker has taken the run yet: start `controversy-api worker` (the run"
                    " stays queued), or use --inline to recompute here",
                    file=sys.stderr,
                    flush=True,
                )
                hint_at = None
            if not wait or run.finished_at is not None:
                return {
                    "run": str(run_id),
                    "recomputed": run.done,
                    "changed": run.changed,
                    "finished": run.finished_at is not None,
                }
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


def cmd_recompute_all(args: argparse.Namespace) -> int:
    settings = get_settings()
    with database(settings) as (url, _):
        if args.inline:
            recomputed, changed = _run_async(lambda: _recompute_all(url, settings))
            print(json.dumps({"recomputed": recomputed, "changed": changed}))
            return 0
        result = _run_async(lambda: _queue_recompute_all(url, settings, wait=not args.no_wait))
    print(json.dumps(result))
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from app.migrations import upgrade

    settings = get_settings()
    with database(settings) as (url, embedded):
        if embedded:
            upgrade(url)
        inserted = _run_async(lambda: _seed(url, settings, only_if_empty=False, now=args.now))
    print(json.dumps({"inserted": inserted}))
    return 0


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app (no database needed)."""
    from app.main import create_app

    app = create_app(get_settings(), database_url="postgresql://openapi@localhost/openapi")
    return app.openapi()


def render_openapi() -> str:
    """The OpenAPI document as the text stored in openapi/openapi.json."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    text = render_openapi()
    path = Path(args.output) if args.output else OPENAPI_PATH
    if args.check:
        current = path.read_text("utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run `controversy-api openapi`", file=sys.stderr)
            return 1
        print(f"{path} matches the app")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="controversy-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (embedded PostgreSQL without DATABASE_URL)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="worker processes (one per core uses them all; default WEB_CONCURRENCY or 1)",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="upgrade the database schema to head")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION", help="downgrade instead (e.g. base)")
    migrate.set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed-demo", help="load the demo controversies (idempotent)")
    seed.add_argument(
        "--now",
        type=_utc_time,
        default=None,
        metavar="TIME",
        help="lay the demo out as if loaded at this RFC 3339 time (default: now);"
        " 2026-11-27T12:00:00Z gives the data as written",
    )
    seed.set_defaults(func=cmd_seed_demo)

    recompute = sub.add_parser(
        "recompute-all",
        help="recompute every stored Noise Score with the workers' NOISE_WEIGHTS and half-life,"
        " as queued jobs (idempotent; progress on stderr)",
    )
    recompute.add_argument(
        "--no-wait", action="store_true", help="queue the run and return without waiting"
    )
    recompute.add_argument(
        "--inline",
        action="store_true",
        help="recompute here, with this process's settings, instead of through the queue",
    )
    recompute.set_defaults(func=cmd_recompute_all)

    worker = sub.add_parser(
        "worker",
        help="run a job worker: webhook deliveries, rescoring, recompute-all, pruning, the level"
        " scan (run as many as you like; each job runs once)",
    )
    worker.add_argument(
        "--metrics-port", type=int, default=None, help="serve Prometheus metrics on this port"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(func=cmd_worker)

    openapi = sub.add_parser("openapi", help="write openapi/openapi.json")
    openapi.add_argument("--output", help="another path to write to")
    openapi.add_argument("--check", action="store_true", help="fail when the file is stale")
    openapi.set_defaults(func=cmd_openapi)

    from app.keys.cli import add_keys_commands

    add_keys_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    configure_logging(get_settings().log_level)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
