"""Actors: one row per organisation or person, shared by every controversy it stands in."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import queue
from app.actors import repository
from app.actors.schemas import (
    ActorCreate,
    ActorDetail,
    ActorPage,
    ActorRead,
    ActorStance,
    ActorUpdate,
)
from app.audit import service as audit_service
from app.controversies.writes import touch_for_actor
from app.enums import ActorKind
from app.errors import Conflict, NotFound
from app.etags import check_if_match
from app.models.actor import Actor
from app.pagination import cursor_text, cursor_uuid, make_page, read_cursor
from app.repository_base import insert_row, lock_row, set_archived, update_row
from app.schemas_base import non_null_changes
from app.writer import Writer

RESOURCE = "actor"


def normalise_name(name: str) -> str:
    """The key that makes "OpenAI" and " openai " the same actor."""
    return re.sub(r"\s+", " ", name).strip().casefold()


async def list_actors(
    session: AsyncSession, *, q: str | None, kind: str | None, cursor: str | None, limit: int
) -> ActorPage:
    """Live actors in name order; `q` matches part of the name."""
    after = read_cursor(cursor, "actors", cursor_text, cursor_uuid)
    rows = await repository.page(session, q=q, kind=kind, after=after, limit=limit + 1)
    return make_page(
        rows,
        limit=limit,
        name="actors",
        position=lambda row: (row.name, row.id),
        item=ActorRead.model_validate,
        page=ActorPage,
    )


async def _live(session: AsyncSession, actor_id: uuid.UUID) -> Actor:
    actor = await repository.live(session, actor_id)
    if actor is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    return actor


async def is_live(session: AsyncSession, *, actor_id: uuid.UUID) -> bool:
    """Whether a live actor has this id."""
    return await repository.live(session, actor_id) is not None


async def read_actor(session: AsyncSession, _: object, actor_id: uuid.UUID) -> ActorDetail:
    """One live actor with the controversies and sides it stands on."""
    actor = await _live(session, actor_id)
    stands = [
        ActorStance.model_validate(
            {
                "controversy": {"id": row.id, "slug": row.slug, "title": row.title},
                "side": {"id": row.side_id, "label": row.label},
                "claim": row.claim,
            }
        )
        for row in await repository.stands(session, actor_id)
    ]
    return ActorDetail.model_validate(
        {**ActorRead.model_validate(actor).model_dump(), "stances": stands}
    )


async def _name_free(session: AsyncSession, name: str, actor_id: uuid.UUID | None) -> str:
    key = normalise_name(name)
    existing = await repository.by_name_key(session, key)
    if existing is not None and existing != actor_id:
        raise Conflict(
            f"An actor named '{name}' already exists.", extra={"existing_id": str(existing)}
        )
    return key


async def create_actor(writer: Writer, data: ActorCreate) -> ActorRead:
    """Create an actor; 409 with the existing id when the normalised name exists."""
    session = writer.session
    key = await _name_free(session, data.name, None)
    actor_id = uuid.uuid4()
    values = {**data.model_dump(), "id": actor_id, "name_key": key, "kind": data.kind.value}
    await insert_row(session, Actor, values)
    await _audit(writer, actor_id, "create", data.model_dump(mode="json"))
    return ActorRead.model_validate(await _live(session, actor_id))


async def update_actor(
    writer: Writer, _: object, actor_id: uuid.UUID, data: ActorUpdate, if_match: str | None
) -> ActorRead:
    """Change an actor; every controversy it stands in shows it at once, and is rescored by a
    queued job when its influence changed."""
    session = writer.session
    actor = await lock_row(session, Actor, actor_id)
    if actor is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    check_if_match(if_match, actor.version)
    changes = non_null_changes(data)
    values = {k: (v.value if isinstance(v, ActorKind) else v) for k, v in changes.items()}
    if "name" in values:
        values["name_key"] = await _name_free(session, values["name"], actor_id)
    if values:
        await update_row(session, Actor, actor_id, values)
        # Locked in id order, the order every writer uses: two actor updates cannot deadlock.
        audited = data.model_dump(mode="json", exclude_unset=True)
        for controversy_id in await repository.controversies_of(session, actor_id):
            await touch_for_actor(writer, controversy_id, actor_id=actor_id, changes=audited)
        await _audit(writer, actor_id, "update", audited)
        if "influence" in values:
            # Rescoring every controversy the actor stands in is a job: queued in this
            # transaction, so it runs exactly when this change committed.
            await queue.enqueue(
                session,
                queue.RECOMPUTE_ACTOR,
                queue.payload(actor=actor_id, author=writer.author.actor),
            )
    return ActorRead.model_validate(await _live(session, actor_id))


async def set_actor_archived(
    writer: Writer, _: object, actor_id: uuid.UUID, archived: bool, if_match: str | None
) -> ActorRead | None:
    """Archive an actor that stands nowhere (409 otherwise), or restore one."""
    session = writer.session
    actor = await lock_row(session, Actor, actor_id, archived=None)
    if actor is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    if archived:
        check_if_match(if_match, actor.version)
        stances = await repository.live_stance_count(session, actor_id)
        if stances:
            raise Conflict(
                f"The actor still stands in {stances} controversies; archive those stances first."
            )
    if (actor.archived_at is not None) != archived:
        await set_archived(session, Actor, actor_id, archived)
        await _audit(writer, actor_id, "archive" if archived else "restore", {})
    return None if archived else ActorRead.model_validate(await _live(session, actor_id))


async def _audit(
    writer: Writer, actor_id: uuid.UUID, action: str, changes: dict[str, object]
) -> None:
    await audit_service.record(
        writer.session,
        author=writer.author,
        resource=RESOURCE,
        resource_id=actor_id,
        action=action,
        changes=changes,
    )


async def controversies_of(session: AsyncSession, actor_id: uuid.UUID) -> list[uuid.UUID]:
    """The controversies where an actor has a live stance, in id order."""
    return await repository.controversies_of(session, actor_id)
