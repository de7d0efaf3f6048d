"""Sides of a controversy and the stances on them; every change goes through the write path."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.actors import service as actor_service
from app.actors.schemas import ActorRead
from app.controversies import service as controversy_service
from app.controversies.writes import RowKind, archive_or_restore, write_to
from app.errors import Conflict, NotFound, ValidationFailed, found_or_404
from app.models.side import Side, Stance
from app.sides import repository
from app.sides.schemas import (
    SideCreate,
    SideRead,
    SideUpdate,
    StanceCreate,
    StanceRead,
    StanceUpdate,
)
from app.writer import Writer

# Actors' influences on sides make the score's star power and polarity.
SIDE = RowKind(Side, "side", feeds_the_score=True)
STANCE = RowKind(Stance, "stance", feeds_the_score=True)


async def sides(session: AsyncSession, *, controversy_id: uuid.UUID) -> list[SideRead]:
    """The live sides of a controversy with who stands on them: two queries, however many."""
    return await _sides(session, controversy_id)


async def _sides(
    session: AsyncSession, controversy_id: uuid.UUID, side_id: uuid.UUID | None = None
) -> list[SideRead]:
    found = await repository.live_sides(session, controversy_id, side_id)
    on_side: dict[uuid.UUID, list[StanceRead]] = {side.id: [] for side in found}
    for stance, actor in await repository.live_stances(session, list(on_side)):
        on_side[stance.side_id].append(_stance(stance, actor))
    return [
        SideRead.model_validate({**side.model_dump(), "stances": on_side[side.id]})
        for side in found
    ]


def _stance(stance: Stance, actor: Any) -> StanceRead:
    return StanceRead(
        id=stance.id,
        claim=stance.claim,
        version=stance.version,
        actor=ActorRead.model_validate(actor),
    )


async def _side(session: AsyncSession, controversy_id: uuid.UUID, side_id: uuid.UUID) -> SideRead:
    found = await _sides(session, controversy_id, side_id)
    if not found:
        raise NotFound(f"No side with id '{side_id}' in this controversy.")
    return found[0]


async def read_side(session: AsyncSession, id_or_slug: str, side_id: uuid.UUID) -> SideRead:
    """One live side with its stances."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await _side(session, controversy_id, side_id)


async def _label_free(
    writer: Writer, controversy_id: uuid.UUID, label: str, side_id: uuid.UUID | None
) -> None:
    if await repository.label_taken(writer.session, controversy_id, label, side_id):
        raise Conflict(f"This controversy already has a live side labelled '{label}'.")


async def create_side(writer: Writer, id_or_slug: str, data: SideCreate) -> SideRead:
    """Add a side to a controversy; labels are unique among its live sides."""
    async with write_to(writer, id_or_slug) as unit:
        await _label_free(writer, unit.id, data.label, None)
        side_id = await unit.add(SIDE, data.model_dump(), data)
    return await _side(writer.session, unit.id, side_id)


async def update_side(
    writer: Writer, id_or_slug: str, side_id: uuid.UUID, data: SideUpdate, if_match: str | None
) -> SideRead:
    """Change a side (If-Match required)."""
    async with write_to(writer, id_or_slug) as unit:

        async def label_free(changes: dict[str, Any]) -> None:
            if changes.get("label"):
                await _label_free(writer, unit.id, changes["label"], side_id)

        await unit.update(SIDE, side_id, data, if_match, validate=label_free)
    return await _side(writer.session, unit.id, side_id)


async def set_side_archived(
    writer: Writer, id_or_slug: str, side_id: uuid.UUID, archived: bool, if_match: str | None
) -> SideRead | None:
    """Its stances leave the card and the score while it is archived."""

    async def label_free(row: Side, controversy_id: uuid.UUID) -> None:
        await _label_free(writer, controversy_id, row.label, side_id)

    return await archive_or_restore(
        writer, id_or_slug, SIDE, side_id, archived, if_match, _side, before_restore=label_free
    )


async def _stance_of(
    session: AsyncSession, controversy_id: uuid.UUID, stance_id: uuid.UUID
) -> StanceRead:
    found = await repository.live_stance(session, controversy_id, stance_id)
    return _stance(*found_or_404(found, f"stance with id '{stance_id}' in this controversy"))


async def read_stance(session: AsyncSession, id_or_slug: str, stance_id: uuid.UUID) -> StanceRead:
    """One live stance with its actor."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await _stance_of(session, controversy_id, stance_id)


async def _actor_free(writer: Writer, controversy_id: uuid.UUID, actor_id: uuid.UUID) -> None:
    existing = await repository.live_stance_of(writer.session, controversy_id, actor_id)
    if existing is not None:
        raise Conflict(
            "This actor already stands on a side of this controversy.",
            extra={"existing_id": str(existing)},
        )


async def create_stance(
    writer: Writer, id_or_slug: str, side_id: uuid.UUID, data: StanceCreate
) -> StanceRead:
    """Put an actor on a side with its claim; an actor stands on one side per controversy."""
    async with write_to(writer, id_or_slug) as unit:
        await unit.row(SIDE, side_id)
        if not await actor_service.is_live(writer.session, actor_id=data.actor_id):
            raise ValidationFailed(
                f"No actor with id '{data.actor_id}'.",
                errors=[{"location": "body", "field": "actor_id", "message": "unknown actor"}],
            )
        await _actor_free(writer, unit.id, data.actor_id)
        values = {"side_id": side_id, "actor_id": data.actor_id, "claim": data.claim}
        stance_id = await unit.add(STANCE, values, data)
    return await _stance_of(writer.session, unit.id, stance_id)


async def update_stance(
    writer: Writer,
    id_or_slug: str,
    stance_id: uuid.UUID,
    data: StanceUpdate,
    if_match: str | None,
) -> StanceRead:
    """Change a claim or move the stance to another side (If-Match required)."""
    async with write_to(writer, id_or_slug) as unit:

        async def side_is_live(changes: dict[str, Any]) -> None:
            target = changes.get("side_id")
            if target is None:
                return
            try:
                await unit.row(SIDE, target)
            except NotFound as exc:
                raise ValidationFailed(
                    "The target side is not a live side of this controversy.",
                    errors=[{"location": "body", "field": "side_id", "message": "unknown side"}],
                ) from exc

        await unit.update(STANCE, stance_id, data, if_match, validate=side_is_live)
    return await _stance_of(writer.session, unit.id, stance_id)


async def set_stance_archived(
    writer: Writer, id_or_slug: str, stance_id: uuid.UUID, archived: bool, if_match: str | None
) -> StanceRead | None:
    """The actor leaves the side while the stance is archived."""

    async def actor_free(row: Stance, controversy_id: uuid.UUID) -> None:
        if await repository.live_stance_of(writer.session, controversy_id, row.actor_id):
            raise Conflict("The actor already stands on a side of this controversy again.")

    return await archive_or_restore(
        writer,
        id_or_slug,
        STANCE,
        stance_id,
        archived,
        if_match,
        _stance_of,
        before_restore=actor_free,
    )
