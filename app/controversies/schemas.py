"""What a client sends to create or change a controversy, and its analysis block."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from app.enums import Category, ReviewStatus, Stage
from app.schemas_base import ReadModel, UTCDatetime, WriteModel
from app.validation import (
    UUID_SHAPED,
    KeyPoint,
    LongText,
    Name,
    Percent,
    RelativeOrHttpUrl,
    Slug,
    Tag,
    Title,
)


class Analysis(ReadModel):
    """Who wrote the AI analysis of a card, whether an editor reviewed it, and how."""

    generated_by: str | None
    review_status: ReviewStatus
    reviewed_at: UTCDatetime | None
    methodology_url: str | None


class AnalysisWrite(WriteModel):
    generated_by: Name | None = None
    review_status: ReviewStatus = ReviewStatus.unreviewed
    methodology_url: RelativeOrHttpUrl | None = None


def _not_uuid_shaped(slug: str) -> str:
    # Paths accept an id or a slug; a slug that looks like an id would be unreachable.
    if UUID_SHAPED.match(slug):
        raise ValueError("must not look like an id")
    return slug


class ControversyCreate(WriteModel):
    """A new controversy. Ids, timestamps and noise values are set by the service."""

    slug: Annotated[Slug, AfterValidator(_not_uuid_shaped)]
    title: Title
    category: Category
    stage: Stage
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    summary: LongText = ""
    why_it_matters: LongText = ""
    key_points: list[KeyPoint] = Field(default_factory=list, max_length=20)
    eli5: LongText = ""
    analysis: AnalysisWrite | None = None
    started_at: UTCDatetime | None = Field(
        default=None, description="When the story began; default: now."
    )
    industry_impact: Percent = Field(default=50, description="Editorial noise input, 0–100.")


class ControversyUpdate(WriteModel):
    """Fields to change; omitted fields stay as they are."""

    slug: Annotated[Slug, AfterValidator(_not_uuid_shaped)] | None = None
    title: Title | None = None
    category: Category | None = None
    stage: Stage | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    summary: LongText | None = None
    why_it_matters: LongText | None = None
    key_points: list[KeyPoint] | None = Field(default=None, max_length=20)
    eli5: LongText | None = None
    analysis: AnalysisWrite | None = None
    started_at: UTCDatetime | None = None
