"""Forecast schemas."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Self

from pydantic import Field, computed_field, model_validator

from app.enums import Outcome, ReviewStatus
from app.forecasts import scoring
from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime, WriteModel
from app.validation import HttpUrl, LongText, Name, SupportedDate, Title


class ScoreRead(ReadModel):
    """Scores over `n` resolved, non-annulled scenarios (forecasts.md); null when n is 0."""

    n: int = Field(description="How many scenarios were scored.")
    brier: float | None = Field(description="Mean Brier score, 0 (best) to 1; 4 decimals.")
    log_loss: float | None = Field(description="Mean log loss (p clipped to [0.001, 0.999]).")
    brier_skill: float | None = Field(
        description="1 − Brier / 0.25: above 0 beats always saying 50%; 3 decimals."
    )

    @classmethod
    def of(cls, totals: scoring.Sums) -> ScoreRead:
        """The display scores of these totals."""
        score = scoring.score(totals)
        return cls(
            n=score.n, brier=score.brier, log_loss=score.log_loss, brier_skill=score.brier_skill
        )


class ResolutionRead(ReadModel):
    """How a scenario turned out; the latest correction wins."""

    outcome: Outcome
    resolved_at: UTCDatetime
    source_url: str | None = None
    note: str | None = None
    resolved_by: str = Field(description="The public id of the key that resolved it.")


class ScenarioScoreRead(ReadModel):
    """The scores of one resolved scenario, to 4 decimals (means use the unrounded values)."""

    brier: float
    log_loss: float


class ScenarioRead(ReadModel):
    id: uuid.UUID
    title: str
    description: str
    probability: float | None = Field(default=None, ge=0, le=1)
    horizon: date | None = None
    resolution: ResolutionRead | None = None
    version: int = Field(description="Bumped on every resolution; the ETag is built from it.")

    @computed_field(description="True when it has a probability and a horizon.")  # type: ignore[prop-decorator]
    @property
    def scorable(self) -> bool:
        return self.probability is not None and self.horizon is not None

    @computed_field(description="Its Brier score and log loss, once resolved (not annulled).")  # type: ignore[prop-decorator]
    @property
    def score(self) -> ScenarioScoreRead | None:
        outcome = scoring.outcome_value(self.resolution.outcome if self.resolution else None)
        if self.probability is None or outcome is None:
            return None
        return ScenarioScoreRead(
            brier=scoring.display(scoring.brier(self.probability, outcome), 4),
            log_loss=scoring.display(scoring.log_loss(self.probability, outcome), 4),
        )


class ForecastRead(ReadModel):
    id: uuid.UUID
    generated_by: str
    generated_at: UTCDatetime
    review_status: ReviewStatus
    summary: str
    scenarios: list[ScenarioRead]
    signals_as_of: UTCDatetime | None
    superseded: bool = Field(description="True when a newer forecast exists.")
    version: int = Field(description="Bumped on every change; the ETag is built from it.")
    generator_track_record: ScoreRead | None = Field(
        default=None,
        description="How this forecast's generator has scored over all its resolved scenarios.",
    )

    @computed_field(description="This forecast's scores over its resolved scenarios.")  # type: ignore[prop-decorator]
    @property
    def score(self) -> ScoreRead:
        return ScoreRead.of(
            scoring.sums(
                (s.probability, s.resolution.outcome if s.resolution else None)
                for s in self.scenarios
            )
        )


class ScenarioWrite(WriteModel):
    """A scenario: narrative, or scorable with both a probability and a horizon."""

    title: Title
    description: LongText = ""
    probability: float | None = Field(
        default=None, ge=0, le=1, description="The stated chance it happens by the horizon."
    )
    horizon: SupportedDate | None = Field(
        default=None, description="The date by which it happens or not (on or after the forecast)."
    )

    @model_validator(mode="after")
    def probability_with_horizon(self) -> Self:
        if (self.probability is None) != (self.horizon is None):
            raise ValueError("a scorable scenario needs both probability and horizon")
        return self


class ForecastCreate(WriteModel):
    """A new forecast; it supersedes the current one, which stays readable."""

    generated_by: Name
    generated_at: UTCDatetime | None = Field(default=None, description="Default: now.")
    review_status: ReviewStatus = ReviewStatus.unreviewed
    summary: LongText = ""
    scenarios: list[ScenarioWrite] = Field(min_length=1, max_length=10)
    signals_as_of: UTCDatetime | None = None


class ForecastUpdate(WriteModel):
    """Review a forecast or correct its text; its scenarios are replaced when sent."""

    review_status: ReviewStatus | None = None
    summary: LongText | None = None
    scenarios: list[ScenarioWrite] | None = Field(default=None, min_length=1, max_length=10)


class ForecastPage(Page[ForecastRead]):
    """A page of a controversy's forecasts, newest first."""


class ResolutionWrite(WriteModel):
    """How a scenario turned out; sending it again corrects it (If-Match required)."""

    outcome: Outcome
    resolved_at: UTCDatetime | None = Field(default=None, description="Default: now.")
    source_url: HttpUrl | None = None
    note: LongText | None = None


class DueScenarioRead(ReadModel):
    """A scorable scenario past its horizon and still unresolved, with where it lives."""

    controversy_id: uuid.UUID
    controversy_slug: str
    forecast_id: uuid.UUID
    generated_by: str
    generated_at: UTCDatetime
    scenario: ScenarioRead


class DueScenarioPage(Page[DueScenarioRead]):
    """The editors' queue: oldest horizon first."""


class CalibrationBinRead(ReadModel):
    """Scenarios whose stated probability falls in [lower, upper) ([0.9, 1.0] for the last)."""

    lower: float
    upper: float
    n: int
    mean_probability: float | None
    observed_frequency: float | None = Field(description="The share that happened.")


class GeneratorScoreRead(ScoreRead):
    generated_by: str


class TrackRecordRead(ScoreRead):
    """Scores and calibration of the resolved scenarios the filters select."""

    calibration: list[CalibrationBinRead]
    by_generator: list[GeneratorScoreRead] = Field(
        description="The same scores for each generator, most scored first."
    )
