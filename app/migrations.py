"""Alembic, driven from code: upgrade, downgrade, and "is the database at head?"."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from alembic import command

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the project's migrations and the given database."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database up to `revision` (blocking; call outside the event loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database down to `revision` (blocking; call outside the event loop)."""
    command.downgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision the code knows (read from the migration files once)."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused"))
    return script.get_current_head()


async def database_revision(connection: AsyncConnection) -> str | None:
    """The revision the database is at, or None when it was never migrated."""

    def current(sync_connection: Any) -> str | None:
        revision = MigrationContext.configure(sync_connection).get_current_revision()
        return str(revision) if revision is not None else None

    return await connection.run_sync(current)


# The job queue's tables are PgQueuer's (created by migration 0007 from its own DDL), not ours:
# comparing the models with the database leaves them out.
QUEUE_TABLE_PREFIX = "pgqueuer"


def ours(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name`: every object except the job queue's tables."""
    return not (type_ == "table" and name is not None and name.startswith(QUEUE_TABLE_PREFIX))
