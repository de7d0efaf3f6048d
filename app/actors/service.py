"""Actor and side reads."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.actors import repository
from app.actors.schemas import (
    ActorCreate,
    ActorDetail,
    ActorRead,
    ActorUpdate,
    SideCreate,
    SideRead,
    SideUpdate,
    StanceCreate,
    StanceRead,
    StanceUpdate,
)
from app.audit import service as audit_service
from app.audit.service import Author
from app.config import Settings
from app.controversies import service as controversy_service
from app.enums import ActorKind
from app.errors import Conflict, NotFound, ValidationFailed
from app.etags import check_if_match
from app.noise import service as noise_service
from app.pagination import Page, cursor_text, cursor_uuid, make_page, read_cursor
from app.repository_base import lock_row, set_archived, update_row
from app.schemas_base import non_null_changes


async def sides(session: AsyncSession, *, controversy_id: uuid.UUID) -> list[SideRead]:
    """The sides of a controversy, in display order."""
    return [SideRead.model_validate(s) for s in await repository.sides(session, controversy_id)]


async def get_actor(session: AsyncSession, *, actor_id: uuid.UUID) -> ActorDetail:
    """One actor with the controversies and sides it stands on."""
    row = await repository.actor_with_stances(session, actor_id)
    if row is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    return ActorDetail.model_validate(row)


async def list_actors(
    session: AsyncSession, *, q: str | None, kind: str | None, cursor: str | None, limit: int
) -> Page[ActorRead]:
    """Actors in name order."""
    after = read_cursor(cursor, "actors", cursor_text, cursor_uuid)
    rows = await repository.actors_page(session, q=q, kind=kind, after=after, limit=limit + 1)
    return make_page(
        rows,
        limit=limit,
        name="actors",
        position=lambda row: (row.name, row.id),
        item=ActorRead.model_validate,
    )


def normalise_name(name: str) -> str:
    """The key that makes "OpenAI" and " openai " the same actor."""
    return re.sub(r"\s+", " ", name).strip().casefold()


async def get_live_actor(session: AsyncSession, *, actor_id: uuid.UUID) -> ActorRead:
    """One live actor."""
    row = await repository.live_actor(session, actor_id)
    if row is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    return ActorRead.model_validate(row)


async def create_actor(session: AsyncSession, *, data: ActorCreate, author: Author) -> ActorRead:
    """Create an actor; 409 with the existing id when the normalised name exists."""
    key = normalise_name(data.name)
    existing = await repository.actor_by_name_key(session, key)
    if existing is not None:
        raise Conflict(
            f"An actor named '{data.name}' already exists.", extra={"existing_id": str(existing)}
        )
    actor_id = uuid.uuid4()
    values = {"id": actor_id, "name_key": key, **data.model_dump()}
    values["kind"] = data.kind.value
    await repository.insert(session, "actors", values)
    await audit_service.record(
        session,
        author=author,
        resource="actor",
        resource_id=actor_id,
        action="create",
        changes=data.model_dump(mode="json"),
    )
    return await get_live_actor(session, actor_id=actor_id)


async def _recompute_controversies_of(
    session: AsyncSession, actor_id: uuid.UUID, now: datetime, settings: Settings
) -> None:
    # Locks in id order, the same order every writer uses, so two actor updates can't deadlock.
    for controversy_id in await repository.controversies_of_actor(session, actor_id):
        await controversy_service.touch(session, controversy_id=controversy_id)
        await noise_service.recompute(
            session, controversy_id=controversy_id, now=now, settings=settings
        )


async def update_actor(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID,
    data: ActorUpdate,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> ActorRead:
    """Change an actor; a new influence recomputes every controversy it stands in."""
    row = await lock_row(session, "actors", actor_id)
    if row is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    check_if_match(if_match, row["version"])
    changes = non_null_changes(data)
    values = {k: (v.value if isinstance(v, ActorKind) else v) for k, v in changes.items()}
    if "name" in values:
        key = normalise_name(values["name"])
        existing = await repository.actor_by_name_key(session, key)
        if existing is not None and existing != actor_id:
            raise Conflict(
                f"An actor named '{values['name']}' already exists.",
                extra={"existing_id": str(existing)},
            )
        values["name_key"] = key
    if values:
        await update_row(session, "actors", actor_id, values)
        await _recompute_controversies_of(session, actor_id, now, settings)
        await audit_service.record(
            session,
            author=author,
            resource="actor",
            resource_id=actor_id,
            action="update",
            changes=data.model_dump(mode="json", exclude_unset=True),
        )
    return await get_live_actor(session, actor_id=actor_id)


async def set_actor_archived(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    author: Author,
) -> ActorRead | None:
    """Archive an actor that stands nowhere (409 otherwise), or restore one."""
    row = await lock_row(session, "actors", actor_id, archived=None)
    if row is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    if archived:
        check_if_match(if_match, row["version"])
        stances = await repository.live_stance_count(session, actor_id)
        if stances:
            raise Conflict(
                f"The actor still stands in {stances} controversies; archive those stances first."
            )
    if (row["archived_at"] is not None) != archived:
        await set_archived(session, "actors", actor_id, archived)
        await audit_service.record(
            session,
            author=author,
            resource="actor",
            resource_id=actor_id,
            action="archive" if archived else "restore",
        )
    return None if archived else await get_live_actor(session, actor_id=actor_id)


async def get_side(
    session: AsyncSession, *, controversy_id: uuid.UUID, side_id: uuid.UUID
) -> SideRead:
    """One live side with its stances."""
    document = await repository.side(session, controversy_id, side_id)
    if not document:
        raise NotFound(f"No side with id '{side_id}' in this controversy.")
    return SideRead.model_validate(document[0])


async def _after_side_write(
    session: AsyncSession, controversy_id: uuid.UUID, now: datetime, settings: Settings
) -> None:
    await controversy_service.touch(session, controversy_id=controversy_id)
    await noise_service.recompute(
        session, controversy_id=controversy_id, now=now, settings=settings
    )


async def create_side(
    session: AsyncSession,
    *,
    id_or_slug: str,
    data: SideCreate,
    author: Author,
    now: datetime,
    settings: Settings,
) -> SideRead:
    """Add a side to a controversy; labels are unique among its live sides."""
    controversy = await controversy_service.lock_live(session, id_or_slug=id_or_slug)
    if await repository.side_label_taken(session, controversy.id, data.label, None):
        raise Conflict(f"This controversy already has a side labelled '{data.label}'.")
    side_id = uuid.uuid4()
    await repository.insert(
        session, "sides", {"id": side_id, "controversy_id": controversy.id, **data.model_dump()}
    )
    await _after_side_write(session, controversy.id, now, settings)
    await audit_service.record(
        session,
        author=author,
        resource="side",
        resource_id=side_id,
        action="create",
        changes=data.model_dump(mode="json"),
    )
    return await get_side(session, controversy_id=controversy.id, side_id=side_id)


async def update_side(
    session: AsyncSession,
    *,
    id_or_slug: str,
    side_id: uuid.UUID,
    data: SideUpdate,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> SideRead:
    """Change a side (If-Match required)."""

    async def label_free(changes: dict[str, Any], controversy_id: uuid.UUID) -> None:
        label = changes.get("label")
        if label and await repository.side_label_taken(session, controversy_id, label, side_id):
            raise Conflict(f"This controversy already has a side labelled '{label}'.")

    controversy_id = await controversy_service.update_child(
        session,
        table="sides",
        resource="side",
        id_or_slug=id_or_slug,
        row_id=side_id,
        data=data,
        if_match=if_match,
        author=author,
        after_write=lambda cid: _after_side_write(session, cid, now, settings),
        validate=label_free,
    )
    return await get_side(session, controversy_id=controversy_id, side_id=side_id)


async def set_side_archived(
    session: AsyncSession,
    *,
    id_or_slug: str,
    side_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> SideRead | None:
    """Archive a side (its stances leave the card and the score) or restore it."""

    async def label_free(row: Any, controversy_id: uuid.UUID) -> None:
        if await repository.side_label_taken(session, controversy_id, row["label"], side_id):
            raise Conflict(f"A live side is labelled '{row['label']}'; rename one first.")

    controversy_id = await controversy_service.set_child_archived(
        session,
        table="sides",
        resource="side",
        id_or_slug=id_or_slug,
        row_id=side_id,
        archived=archived,
        if_match=if_match,
        author=author,
        after_write=lambda cid: _after_side_write(session, cid, now, settings),
        before_restore=label_free,
    )
    if archived:
        return None
    return await get_side(session, controversy_id=controversy_id, side_id=side_id)


async def get_stance(
    session: AsyncSession, *, controversy_id: uuid.UUID, stance_id: uuid.UUID
) -> StanceRead:
    """One live stance with its actor."""
    row = await repository.stance(session, controversy_id, stance_id)
    if row is None:
        raise NotFound(f"No stance with id '{stance_id}' in this controversy.")
    return StanceRead.model_validate(row)


async def create_stance(
    session: AsyncSession,
    *,
    id_or_slug: str,
    side_id: uuid.UUID,
    data: StanceCreate,
    author: Author,
    now: datetime,
    settings: Settings,
) -> StanceRead:
    """Put an actor on a side with its claim; an actor stands on one side per controversy."""
    controversy = await controversy_service.lock_live(session, id_or_slug=id_or_slug)
    side = await lock_row(session, "sides", side_id, controversy_id=controversy.id)
    if side is None:
        raise NotFound(f"No side with id '{side_id}' in this controversy.")
    if await repository.live_actor(session, data.actor_id) is None:
        raise ValidationFailed(
            f"No actor with id '{data.actor_id}'.",
            errors=[{"location": "body", "field": "actor_id", "message": "unknown actor"}],
        )
    existing = await repository.actor_stance_exists(session, controversy.id, data.actor_id)
    if existing is not None:
        raise Conflict(
            "This actor already stands on a side of this controversy.",
            extra={"existing_id": str(existing)},
        )
    stance_id = uuid.uuid4()
    await repository.insert(
        session,
        "stances",
        {
            "id": stance_id,
            "controversy_id": controversy.id,
            "side_id": side_id,
            "actor_id": data.actor_id,
            "claim": data.claim,
        },
    )
    await _after_side_write(session, controversy.id, now, settings)
    await audit_service.record(
        session,
        author=author,
        resource="stance",
        resource_id=stance_id,
        action="create",
        changes=data.model_dump(mode="json"),
    )
    return await get_stance(session, controversy_id=controversy.id, stance_id=stance_id)


async def update_stance(
    session: AsyncSession,
    *,
    id_or_slug: str,
    stance_id: uuid.UUID,
    data: StanceUpdate,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> StanceRead:
    """Change a claim or move the stance to another side (If-Match required)."""

    async def side_is_live(changes: dict[str, Any], controversy_id: uuid.UUID) -> None:
        target = changes.get("side_id")
        if (
            target
            and await lock_row(session, "sides", target, controversy_id=controversy_id) is None
        ):
            raise ValidationFailed(
                "The target side is not a live side of this controversy.",
                errors=[{"location": "body", "field": "side_id", "message": "unknown side"}],
            )

    controversy_id = await controversy_service.update_child(
        session,
        table="stances",
        resource="stance",
        id_or_slug=id_or_slug,
        row_id=stance_id,
        data=data,
        if_match=if_match,
        author=author,
        after_write=lambda cid: _after_side_write(session, cid, now, settings),
        validate=side_is_live,
    )
    return await get_stance(session, controversy_id=controversy_id, stance_id=stance_id)


async def set_stance_archived(
    session: AsyncSession,
    *,
    id_or_slug: str,
    stance_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> StanceRead | None:
    """Archive a stance (the actor leaves the side) or restore it."""

    async def actor_free(row: Any, controversy_id: uuid.UUID) -> None:
        if await repository.actor_stance_exists(session, controversy_id, row["actor_id"]):
            raise Conflict("The actor already stands on a side of this controversy again.")

    controversy_id = await controversy_service.set_child_archived(
        session,
        table="stances",
        resource="stance",
        id_or_slug=id_or_slug,
        row_id=stance_id,
        archived=archived,
        if_match=if_match,
        author=author,
        after_write=lambda cid: _after_side_write(session, cid, now, settings),
        before_restore=actor_free,
    )
    if archived:
        return None
    return await get_stance(session, controversy_id=controversy_id, stance_id=stance_id)
