"""The controversy itself: find it, create, change, archive and restore it, its score inputs.

Every change goes through the one write path (app/controversies/writes.py). What a client is
shown after a write — the whole card — is built above this package, in app/cards/.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.controversies import repository
from app.controversies.schemas import AnalysisWrite, ControversyCreate, ControversyUpdate
from app.controversies.writes import ControversyWrite, lock_controversy, write_to
from app.errors import Conflict, NotFound, ValidationFailed
from app.etags import check_if_match
from app.models.controversy import Controversy
from app.noise.schemas import NoiseInputsRead, NoiseInputsUpdate
from app.repository_base import set_archived, update_row
from app.writer import Writer

RESOURCE = "controversy"


async def resolve(session: AsyncSession, *, id_or_slug: str) -> uuid.UUID:
    """The id of a live controversy named by id or slug; 404 otherwise."""
    controversy_id = await repository.live_id(session, id_or_slug)
    if controversy_id is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    return controversy_id


def _analysis_columns(analysis: AnalysisWrite, now: datetime) -> dict[str, Any]:
    reviewed = analysis.review_status == "reviewed"
    return {
        "analysis_generated_by": analysis.generated_by,
        "analysis_review_status": analysis.review_status.value,
        "analysis_reviewed_at": now if reviewed else None,
        "analysis_methodology_url": analysis.methodology_url,
    }


async def create(writer: Writer, *, data: ControversyCreate) -> uuid.UUID:
    """Create a controversy with its initial noise state; 409 when the slug is taken."""
    now = writer.now
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        **data.model_dump(mode="json", exclude={"analysis", "started_at"}),
        "started_at": data.started_at or now,
        "created_at": now,
        "updated_at": now,
        "last_activity_at": now,
        **_analysis_columns(data.analysis or AnalysisWrite(), now),
    }
    controversy_id = await repository.insert_new(writer.session, values)
    if controversy_id is None:
        raise Conflict(f"The slug '{data.slug}' is already taken.")
    async with write_to(writer, str(controversy_id)) as unit:
        unit.changed(score_input=True)  # its first noise state
        await unit.record(RESOURCE, controversy_id, "create", data.model_dump(mode="json"))
    return controversy_id


def _columns(data: ControversyUpdate, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, value in data.model_dump(mode="json", exclude_unset=True).items():
        if field == "analysis":
            values.update(_analysis_columns(data.analysis or AnalysisWrite(), now))
        elif value is None:
            raise ValidationFailed(
                f"`{field}` cannot be null.",
                errors=[{"location": "body", "field": field, "message": "may not be null"}],
            )
        else:
            values[field] = value
    return values


async def update(
    writer: Writer, *, id_or_slug: str, data: ControversyUpdate, if_match: str | None
) -> uuid.UUID:
    """Change some fields of a live controversy (If-Match required)."""
    async with write_to(writer, id_or_slug) as unit:
        check_if_match(if_match, unit.controversy.version)
        values = _columns(data, writer.now)
        if data.slug and await repository.slug_taken(writer.session, data.slug, unit.id):
            raise Conflict(f"The slug '{data.slug}' is already taken.")
        if values:
            await update_row(writer.session, Controversy, unit.id, values)
            changes = data.model_dump(mode="json", exclude_unset=True)
            await unit.record(RESOURCE, unit.id, "update", changes)
    return unit.id


async def archive(writer: Writer, *, id_or_slug: str, if_match: str | None) -> uuid.UUID:
    """Hide a live controversy from every read (If-Match required); it can be restored."""
    unit = ControversyWrite(writer, await lock_controversy(writer, id_or_slug))
    check_if_match(if_match, unit.controversy.version)
    await set_archived(writer.session, Controversy, unit.id, True)
    await unit.record(RESOURCE, unit.id, "archive")
    return unit.id


async def restore(writer: Writer, *, id_or_slug: str) -> uuid.UUID:
    """Bring an archived controversy back (a live one stays as it is)."""
    unit = ControversyWrite(writer, await lock_controversy(writer, id_or_slug, archived=None))
    if unit.controversy.archived_at is not None:
        await set_archived(writer.session, Controversy, unit.id, False)
        await unit.record(RESOURCE, unit.id, "restore")
    return unit.id


async def inputs(session: AsyncSession, *, controversy_id: uuid.UUID) -> NoiseInputsRead:
    """The editorial inputs of a controversy's score, with the card's version."""
    version, impact, overrides = await repository.inputs(session, controversy_id)
    return NoiseInputsRead.model_validate(
        {"industry_impact": impact, "overrides": overrides, "version": version}
    )


async def update_inputs(
    writer: Writer, *, id_or_slug: str, data: NoiseInputsUpdate, if_match: str | None
) -> NoiseInputsRead:
    """Change industry impact or overrides (If-Match: the card's ETag); the score follows."""
    async with write_to(writer, id_or_slug) as unit:
        check_if_match(if_match, unit.controversy.version)
        if data.industry_impact is not None:
            await repository.set_industry_impact(writer.session, unit.id, data.industry_impact)
        for component, value in (data.overrides or {}).items():
            await repository.set_override(writer.session, unit.id, component, value)
        if data.industry_impact is not None or data.overrides:
            unit.changed(score_input=True)
            changes = data.model_dump(mode="json", exclude_unset=True)
            await unit.record("noise_inputs", unit.id, "update", changes)
    return await inputs(writer.session, controversy_id=unit.id)
