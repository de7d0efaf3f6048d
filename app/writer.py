"""Who writes, when, and in which transaction: what every write service is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings


@dataclass(frozen=True)
class Author:
    """Who makes a write: the API key's public id (or a placeholder) and the request id."""

    actor: str
    request_id: str | None = None


@dataclass(frozen=True)
class Writer:
    """A write request's session (its unit of work commits it), author, clock and settings."""

    session: AsyncSession
    author: Author
    now: datetime
    settings: Settings
