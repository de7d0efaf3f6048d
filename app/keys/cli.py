"""`controversy-api keys create|list|revoke`: key management from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings, get_settings
from app.errors import NotFound
from app.keys import service
from app.keys.schemas import KeyCreate
from app.pagination import MAX_LIMIT

T = TypeVar("T")


def _with_session(url: str, settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from app.db import make_engine, make_sessionmaker, session_scope

    async def run() -> T:
        engine = make_engine(url, settings)
        try:
            async for session in session_scope(make_sessionmaker(engine)):
                result = await work(session)
        finally:
            await engine.dispose()
        return result

    return asyncio.run(run())


def _run(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    from app.db import database
    from app.migrations import upgrade

    settings = get_settings()
    with database(settings) as (url, embedded):
        if embedded:
            upgrade(url)
        return _with_session(url, settings, lambda session: work(session, settings))


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def cmd_create(args: argparse.Namespace) -> int:
    """Create a key and print it (with its secret, shown once) as JSON."""
    try:
        data = KeyCreate(
            name=args.name,
            kind=args.kind,
            scopes=[scope.strip() for scope in args.scopes.split(",") if scope.strip()],
            origins=args.origin or [],
            rate_limit=args.rate_limit,
            expires_at=args.expires_at,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "key"
            print(f"invalid {field}: {error['msg']}", file=sys.stderr)
        return 2
    created = _run(
        lambda session, settings: service.create_key(session, data=data, settings=settings)
    )
    _print(created.model_dump(mode="json"))
    return 0


async def _all_keys(session: AsyncSession) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await service.list_keys(session, cursor=cursor, limit=MAX_LIMIT)
        keys.extend(key.model_dump(mode="json") for key in page.data)
        if page.next_cursor is None:
            return keys
        cursor = page.next_cursor


def cmd_list(args: argparse.Namespace) -> int:
    """Print every key (never a secret) as a JSON list."""
    _print(_run(lambda session, settings: _all_keys(session)))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    """Revoke a key by its public id and print it."""
    try:
        key = _run(lambda session, settings: service.revoke_key(session, public_id=args.id))
    except NotFound as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    _print(key.model_dump(mode="json"))
    return 0


def add_keys_commands(subparsers: Any) -> None:
    """Add `keys create|list|revoke` to the CLI's sub-commands."""
    keys = subparsers.add_parser("keys", help="manage API keys")
    commands = keys.add_subparsers(dest="keys_command", required=True)

    create = commands.add_parser("create", help="create a key and print it as JSON (shown once)")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", default="read", help="comma-separated: read,write,admin")
    create.add_argument("--kind", choices=["secret", "publishable"], default="secret")
    create.add_argument(
        "--origin", action="append", metavar="URL", help="allowed origin (publishable keys)"
    )
    create.add_argument("--rate-limit", type=int, metavar="N", help="requests per minute")
    create.add_argument("--expires-at", metavar="TIME", help="RFC 3339 time with a zone")
    create.set_defaults(func=cmd_create)

    list_ = commands.add_parser("list", help="list keys as JSON (never their secrets)")
    list_.set_defaults(func=cmd_list)

    revoke = commands.add_parser("revoke", help="revoke a key by its id (key_…)")
    revoke.add_argument("id")
    revoke.set_defaults(func=cmd_revoke)
