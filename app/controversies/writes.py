"""The one write path: every change to a controversy or one of its rows goes through here.

`write_to()` opens a ControversyWrite on a live controversy. It locks the controversy first —
every writer does, so concurrent writes to one controversy run one after another and can never
deadlock — and each change is made through it: rows are locked, checked against `If-Match`,
inserted, changed or archived with their version bumped, and audited. When the block ends
without an error, the card's version is bumped if anything on it changed, and the Noise Score
is recomputed if one of its inputs did. The request's unit of work (app/unit_of_work.py) then
commits all of it before the answer is sent, or none of it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from app.audit import service as audit_service
from app.controversies import repository
from app.errors import NotFound
from app.etags import check_if_match
from app.events import service as events_service
from app.events.schemas import ChangeEventType
from app.models.controversy import Controversy
from app.noise import service as noise_service
from app.repository_base import insert_row, lock_row, set_archived, update_row
from app.schemas_base import non_null_changes
from app.writer import Writer

Row = TypeVar("Row", bound=SQLModel)
Read = TypeVar("Read")
# (the archived row, its controversy's id): may refuse a restore with an AppError.
BeforeRestore = Callable[[Any, uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class RowKind:
    """One kind of row of a controversy: its model, its audit name, and what it feeds."""

    model: type[SQLModel]
    resource: str  # "side", "stance", "event", "forecast" (audit log and messages)
    feeds_the_score: bool  # a change recomputes the Noise Score


class ControversyWrite:
    """One write to one locked, live controversy (see the module doc)."""

    def __init__(self, writer: Writer, controversy: Controversy) -> None:
        self.writer = writer
        self.controversy = controversy
        self._card_changed = False
        self._score_inputs_changed = False
        self.events = events_service.Pending()

    @property
    def id(self) -> uuid.UUID:
        """The controversy's id."""
        return self.controversy.id

    def changed(self, *, score_input: bool) -> None:
        """Something on the card changed (and, with `score_input`, an input of its score)."""
        self._card_changed = True
        self._score_inputs_changed = self._score_inputs_changed or score_input

    async def record(
        self,
        resource: str,
        resource_id: uuid.UUID,
        action: str,
        changes: Mapping[str, Any] | None = None,
        *,
        version: int | None = None,
    ) -> None:
        """Write the audit entry of one change, and note its event (with the row's new
        `version`, when it has one), in this transaction."""
        type_ = events_service.event_type(resource, action)
        if type_ is not None:
            self.events.add(type_, resource, resource_id, changes or {}, version)
        await audit_service.record(
            self.writer.session,
            author=self.writer.author,
            resource=resource,
            resource_id=resource_id,
            action=action,
            changes=dict(changes or {}),
        )

    async def row(self, kind: RowKind, row_id: uuid.UUID, *, archived: bool | None = False) -> Any:
        """Lock a row of this controversy; 404 when it has none with that id."""
        row = await lock_row(
            self.writer.session, kind.model, row_id, controversy_id=self.id, archived=archived
        )
        if row is None:
            raise NotFound(f"No {kind.resource} with id '{row_id}' in this controversy.")
        return row

    async def add(self, kind: RowKind, values: Mapping[str, Any], audited: BaseModel) -> uuid.UUID:
        """Insert a row of this controversy; returns its id."""
        row_id = uuid.uuid4()
        await insert_row(
            self.writer.session, kind.model, {"id": row_id, "controversy_id": self.id, **values}
        )
        self.changed(score_input=kind.feeds_the_score)
        await self.record(
            kind.resource, row_id, "create", audited.model_dump(mode="json"), version=1
        )
        return row_id

    async def update(
        self,
        kind: RowKind,
        row_id: uuid.UUID,
        data: BaseModel,
        if_match: str | None,
        *,
        validate: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        extra_fields: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Change fields a client sent of a live row (If-Match required).

        `validate` may refuse the changes; fields in `extra_fields` are not columns: they are
        returned for the caller to write (e.g. a forecast's scenarios).
        """
        row = await self.row(kind, row_id)
        check_if_match(if_match, row.version)
        changes = non_null_changes(data)
        if validate is not None:
            await validate(changes)
        if not changes:
            return {}
        columns = {
            name: value.value if isinstance(value, StrEnum) else value
            for name, value in changes.items()
            if name not in extra_fields
        }
        version = await update_row(self.writer.session, kind.model, row_id, columns)
        self.changed(score_input=kind.feeds_the_score)
        await self.record(
            kind.resource,
            row_id,
            "update",
            data.model_dump(mode="json", exclude_unset=True),
            version=version,
        )
        return {name: value for name, value in changes.items() if name in extra_fields}

    async def set_archived(
        self,
        kind: RowKind,
        row_id: uuid.UUID,
        archived: bool,
        if_match: str | None,
        *,
        before_restore: BeforeRestore | None = None,
    ) -> None:
        """Archive (If-Match required) or restore a row; `before_restore` may refuse it."""
        row = await self.row(kind, row_id, archived=None)
        was_archived = row.archived_at is not None
        if archived:
            check_if_match(if_match, row.version)
        elif was_archived and before_restore is not None:
            await before_restore(row, self.id)
        if was_archived == archived:
            return
        version = await set_archived(self.writer.session, kind.model, row_id, archived)
        self.changed(score_input=kind.feeds_the_score)
        await self.record(
            kind.resource, row_id, "archive" if archived else "restore", version=version
        )

    async def finish(self) -> None:
        """Bump the card's version if it changed, recompute its score if an input did, and
        append the write's events to the outbox (all in this transaction)."""
        session, writer = self.writer.session, self.writer
        version = self.controversy.version
        if self._card_changed:
            version = await repository.touch(session, self.id)
        if self._score_inputs_changed:
            recomputed = await noise_service.recompute(
                session, controversy_id=self.id, now=writer.now, settings=writer.settings
            )
            change = recomputed.level_change
            if change is not None:  # the band moved from the one last announced
                self.events.add(
                    ChangeEventType.noise_level_changed, "controversy", self.id, change.payload()
                )
        await events_service.append(
            session,
            self.events,
            controversy_id=self.id,
            controversy_slug=self.controversy.slug,
            controversy_version=version,
        )


async def lock_controversy(
    writer: Writer, id_or_slug: str, *, archived: bool | None = False
) -> Controversy:
    """Lock a controversy for a write; 404 when there is none (live, by default)."""
    controversy = await repository.lock(writer.session, id_or_slug, archived=archived)
    if controversy is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    return controversy


@asynccontextmanager
async def write_to(writer: Writer, id_or_slug: str) -> AsyncIterator[ControversyWrite]:
    """A write to a live controversy (the controversy is locked before anything else)."""
    unit = ControversyWrite(writer, await lock_controversy(writer, id_or_slug))
    yield unit
    await unit.finish()


async def touch_for_actor(
    writer: Writer, controversy_id: uuid.UUID, *, actor_id: uuid.UUID, changes: Mapping[str, Any]
) -> None:
    """The card of a controversy changed from outside it: an actor it shows changed. (Its
    score, when the actor's influence changed, is recomputed by a job: `rescore`.)"""
    async with write_to(writer, str(controversy_id)) as unit:
        unit.changed(score_input=False)
        unit.events.add(ChangeEventType.controversy_updated, "actor", actor_id, changes)


async def rescore(writer: Writer, controversy_id: uuid.UUID) -> bool:
    """Recompute a controversy's score from its rows as they are now (a job's work after an
    input changed elsewhere); False when it is gone or archived."""
    try:
        async with write_to(writer, str(controversy_id)) as unit:
            unit.changed(score_input=True)
    except NotFound:
        return False
    return True


async def archive_or_restore(
    writer: Writer,
    id_or_slug: str,
    kind: RowKind,
    row_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    read: Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[Read]],
    *,
    before_restore: BeforeRestore | None = None,
) -> Read | None:
    """Archive a row of a controversy (None), or restore it (the row, read again)."""
    async with write_to(writer, id_or_slug) as unit:
        await unit.set_archived(kind, row_id, archived, if_match, before_restore=before_restore)
    return None if archived else await read(writer.session, unit.id, row_id)
