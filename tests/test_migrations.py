"""Alembic migrations up and down on fresh databases, and the constraints they create."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.db import async_url
from app.migrations import alembic_config, downgrade, head_revision, ours, upgrade
from app.models import metadata

APP_TABLES = set(metadata.tables)


async def _inspect(url: str, fn: Callable[[Connection], Any]) -> Any:
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def inspect(url: str, fn: Callable[[Connection], Any]) -> Any:
    return asyncio.run(_inspect(url, fn))


def tables(connection: Connection) -> set[str]:
    rows = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ).scalars()
    return set(rows)


def revision(connection: Connection) -> str | None:
    exists = connection.scalar(text("SELECT to_regclass('public.alembic_version')"))
    if exists is None:
        return None
    value = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return str(value) if value is not None else None


def functions(connection: Connection) -> set[str]:
    rows = connection.execute(
        text(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public'"
        )
    ).scalars()
    return set(rows)


def schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": ours}
    )
    return list(compare_metadata(context, metadata))


@pytest.fixture
def empty_url(fresh_database: Callable[[], str]) -> str:
    return fresh_database()


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    assert inspect(empty_url, tables) == set()

    upgrade(empty_url)
    after_up = inspect(empty_url, tables)
    assert after_up >= APP_TABLES, APP_TABLES - after_up
    assert "alembic_version" in after_up
    assert inspect(empty_url, revision) == head_revision()
    assert "controversy_search_vector" in inspect(empty_url, functions)

    downgrade(empty_url)
    left = inspect(empty_url, tables)
    assert left <= {"alembic_version"}, left
    assert inspect(empty_url, revision) is None
    assert "controversy_search_vector" not in inspect(empty_url, functions)

    upgrade(empty_url)
    assert inspect(empty_url, tables) >= APP_TABLES
    assert inspect(empty_url, revision) == head_revision()
    # Upgrading a database at head changes nothing.
    upgrade(empty_url)
    assert inspect(empty_url, revision) == head_revision()


def test_every_revision_steps_up_and_down(empty_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revisions[-1] == head_revision()
    for rev in revisions:
        upgrade(empty_url, rev)
        assert inspect(empty_url, revision) == rev
    for rev in reversed(revisions[:-1]):
        downgrade(empty_url, "-1")
        assert inspect(empty_url, revision) == rev
    downgrade(empty_url, "base")
    assert inspect(empty_url, tables) <= {"alembic_version"}


def test_models_match_the_migrations(empty_url: str) -> None:
    upgrade(empty_url)
    diff = inspect(empty_url, schema_diff)
    assert diff == [], diff


# --------------------------------------------------------------------------- constraints


async def run(engine: AsyncEngine, statement: str, **params: Any) -> Any:
    async with engine.begin() as connection:
        result = await connection.execute(text(statement), params)
        return result.all() if result.returns_rows else None


async def controversy(engine: AsyncEngine, slug: str) -> uuid.UUID:
    rows = await run(
        engine,
        "INSERT INTO controversies (id, slug, title, category, stage)"
        " VALUES (gen_random_uuid(), :slug, 'T', 'safety', 'emerging') RETURNING id",
        slug=slug,
    )
    value: uuid.UUID = rows[0][0]
    return value


async def test_category_outside_the_enum_is_rejected(engine: AsyncEngine) -> None:
    await controversy(engine, "valid-one")
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO controversies (id, slug, title, category, stage)"
            " VALUES (gen_random_uuid(), 'bad-category', 'T', 'cooking', 'emerging')",
        )
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO controversies (id, slug, title, category, stage)"
            " VALUES (gen_random_uuid(), 'bad-stage', 'T', 'safety', 'finished')",
        )
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO controversies (id, slug, title, category, stage)"
            " VALUES (gen_random_uuid(), 'Not A Slug', 'T', 'safety', 'emerging')",
        )


@pytest.mark.parametrize("influence", [101, -1])
async def test_influence_out_of_range_is_rejected(engine: AsyncEngine, influence: int) -> None:
    await run(
        engine,
        "INSERT INTO actors (id, name, name_key, kind, influence)"
        " VALUES (gen_random_uuid(), 'Fine', 'fine', 'person', 100)",
    )
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO actors (id, name, name_key, kind, influence)"
            " VALUES (gen_random_uuid(), 'Loud', 'loud', 'person', :i)",
            i=influence,
        )


async def test_duplicate_mention_is_rejected(engine: AsyncEngine) -> None:
    first = await controversy(engine, "first")
    second = await controversy(engine, "second")
    insert = (
        "INSERT INTO mentions (id, controversy_id, platform, external_id, published_at)"
        " VALUES (gen_random_uuid(), :c, :p, 'same-id', now())"
    )
    await run(engine, insert, c=first, p="reddit")
    # Same external id on another platform is another post.
    await run(engine, insert, c=first, p="hackernews")
    for target in (first, second):
        with pytest.raises(IntegrityError):
            await run(engine, insert, c=target, p="reddit")
    with pytest.raises(IntegrityError):
        await run(engine, insert.replace(":p", "'myspace'").replace("'same-id'", "'x'"), c=first)


async def test_stance_on_a_side_of_another_controversy_is_rejected(engine: AsyncEngine) -> None:
    first = await controversy(engine, "first")
    second = await controversy(engine, "second")
    side = (
        await run(
            engine,
            "INSERT INTO sides (id, controversy_id, label) VALUES (gen_random_uuid(), :c, 'A')"
            " RETURNING id",
            c=first,
        )
    )[0][0]
    actor = (
        await run(
            engine,
            "INSERT INTO actors (id, name, name_key, kind, influence)"
            " VALUES (gen_random_uuid(), 'X', 'x', 'person', 50) RETURNING id",
        )
    )[0][0]
    insert = (
        "INSERT INTO stances (id, controversy_id, side_id, actor_id)"
        " VALUES (gen_random_uuid(), :c, :s, :a)"
    )
    with pytest.raises(IntegrityError):
        await run(engine, insert, c=second, s=side, a=actor)
    await run(engine, insert, c=first, s=side, a=actor)
    # One stance per actor and controversy.
    with pytest.raises(IntegrityError):
        await run(engine, insert, c=first, s=side, a=actor)


async def test_other_checks(engine: AsyncEngine) -> None:
    cid = await controversy(engine, "checked")
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO mentions (id, controversy_id, platform, external_id, published_at,"
            " score) VALUES (gen_random_uuid(), :c, 'x', 'neg', now(), -1)",
            c=cid,
        )
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO noise_overrides (controversy_id, component, value)"
            " VALUES (:c, 'reach', 101)",
            c=cid,
        )
    with pytest.raises(IntegrityError):
        await run(
            engine,
            "INSERT INTO sides (id, controversy_id, label, position)"
            " VALUES (gen_random_uuid(), :c, 'Neg', -1)",
            c=cid,
        )
