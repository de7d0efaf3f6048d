"""The editorial noise inputs: read and change them; every change recomputes the score."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.service import Author
from app.config import Settings
from app.controversies import service as controversy_service
from app.etags import check_if_match
from app.noise import repository
from app.noise import service as noise_service
from app.noise.schemas import NoiseInputsRead, NoiseInputsUpdate


async def read(
    session: AsyncSession, *, controversy_id: uuid.UUID, version: int
) -> NoiseInputsRead:
    """The current editorial inputs."""
    return NoiseInputsRead(
        industry_impact=await repository.industry_impact(session, controversy_id),
        overrides=await repository.overrides(session, controversy_id),
        version=version,
    )


async def get(session: AsyncSession, *, id_or_slug: str) -> NoiseInputsRead:
    """The editorial inputs of a live controversy."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    version = await repository.controversy_version(session, controversy_id)
    return await read(session, controversy_id=controversy_id, version=version)


async def update(
    session: AsyncSession,
    *,
    id_or_slug: str,
    data: NoiseInputsUpdate,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> NoiseInputsRead:
    """Change industry impact or overrides (If-Match: the card's ETag) and recompute."""
    row = await controversy_service.lock_live(session, id_or_slug=id_or_slug)
    check_if_match(if_match, row.version)
    if data.industry_impact is not None:
        await repository.set_industry_impact(session, row.id, data.industry_impact)
    for component, value in (data.overrides or {}).items():
        await repository.set_override(session, row.id, component, value)
    version = row.version
    if data.industry_impact is not None or data.overrides:
        version = await controversy_service.touch(session, controversy_id=row.id)
        await noise_service.recompute(session, controversy_id=row.id, now=now, settings=settings)
        await audit_service.record(
            session,
            author=author,
            resource="noise_inputs",
            resource_id=row.id,
            action="update",
            changes=data.model_dump(mode="json", exclude_unset=True),
        )
    return await read(session, controversy_id=row.id, version=version)
