"""Row operations every writable table shares, through its SQLModel: lock, change, archive.

Every writable table has `id`, `version` and `archived_at`; most have `updated_at`. Column
names come from the models, never from strings, so a column that does not exist cannot be
written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import Executable
from sqlmodel import SQLModel

Row = TypeVar("Row", bound=SQLModel)
Statement = TypeVar("Statement", bound=Executable)


def columns(model: type[SQLModel]) -> Any:
    """The model's table columns (`columns(Side).label`)."""
    return model.__table__.c  # type: ignore[attr-defined]


def fresh(statement: Statement) -> Statement:
    """A select whose rows overwrite what the session already holds of them.

    Writes here are statements (UPDATE … RETURNING), which leave objects already loaded in the
    session as they were; a read after a write must see the row as it is now.
    """
    return statement.execution_options(populate_existing=True)


async def lock_row(
    session: AsyncSession,
    model: type[Row],
    row_id: uuid.UUID,
    *,
    controversy_id: uuid.UUID | None = None,
    archived: bool | None = False,
) -> Row | None:
    """Lock one row for the rest of the transaction; None when absent.

    `archived`: False → live rows only, True → archived only, None → either. With
    `controversy_id`, only a row of that controversy.
    """
    table = columns(model)
    statement = select(model).where(table.id == row_id)
    if controversy_id is not None:
        statement = statement.where(table.controversy_id == controversy_id)
    if archived is not None:
        statement = statement.where(
            table.archived_at.is_not(None) if archived else table.archived_at.is_(None)
        )
    # FOR NO KEY UPDATE: rows of other tables may still point here with a foreign key.
    row: Row | None = await session.scalar(fresh(statement.with_for_update(key_share=True)))
    return row


def _bumped(model: type[SQLModel], values: Mapping[str, Any]) -> dict[str, Any]:
    table = columns(model)
    bumped = {**values, "version": table.version + 1}
    if "updated_at" in table:
        bumped["updated_at"] = func.now()
    return bumped


async def update_row(
    session: AsyncSession, model: type[SQLModel], row_id: uuid.UUID, values: Mapping[str, Any]
) -> int:
    """Set columns, bump the version (and updated_at); returns the new version."""
    table = columns(model)
    statement = (
        update(model.__table__)  # type: ignore[attr-defined]
        .where(table.id == row_id)
        .values(_bumped(model, values))
        .returning(table.version)
    )
    version: int = (await session.execute(statement)).scalar_one()
    return version


async def set_archived(
    session: AsyncSession, model: type[SQLModel], row_id: uuid.UUID, archived: bool
) -> int:
    """Archive (hide) or restore a row; returns the new version."""
    return await update_row(
        session, model, row_id, {"archived_at": func.now() if archived else None}
    )


async def insert_row(
    session: AsyncSession, model: type[SQLModel], values: Mapping[str, Any]
) -> None:
    """Insert one row (the table fills what is left to its defaults)."""
    session.add(model(**values))
    await session.flush()
