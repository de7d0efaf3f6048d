"""Labels for people: every enum value's name and meaning, and the methodology page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TypeVar

from app.config import Settings
from app.enums import (
    ActorKind,
    Category,
    ComponentSource,
    EventKind,
    Grade,
    NoiseLevel,
    Outcome,
    Platform,
    ReviewStatus,
    Stage,
)
from app.meta import page
from app.meta.schemas import (
    ActorKindLabel,
    CategoryLabel,
    ComponentSourceLabel,
    EventKindLabel,
    GradeLabel,
    Meta,
    NoiseComponent,
    NoiseComponentLabel,
    NoiseLevelLabel,
    OutcomeLabel,
    PlatformLabel,
    ReviewStatusLabel,
    StageLabel,
)
from app.noise import scoring
from app.noise import service as noise_service
from app.schemas_base import ReadModel

E = TypeVar("E", bound=StrEnum)
L = TypeVar("L", bound=ReadModel)
Texts = Mapping[E, tuple[str, str]]


def _ranges(bands: Sequence[tuple[int, str]]) -> dict[str, str]:
    # Lower bounds, highest first (scoring.LEVEL_BANDS): each band ends below the previous one.
    ranges, upper = {}, 100
    for low, name in bands:
        ranges[name] = f"{low}–{upper}"
        upper = low - 1
    return ranges


_LEVEL_RANGES = {name: f"Scores {r}" for name, r in _ranges(scoring.LEVEL_BANDS).items()}
_GRADE_RANGES = {name: f"Influence {r}" for name, r in _ranges(scoring.GRADE_BANDS).items()}

CATEGORIES: Texts[Category] = {
    Category.safety: ("Safety", "AI that could hurt people, misbehave or slip out of control."),
    Category.copyright: (
        "Copyright",
        "Who owns the work AI is trained on, and what it turns out.",
    ),
    Category.privacy: ("Privacy", "Personal data that AI collects, uses or exposes."),
    Category.bias: ("Bias & fairness", "AI that treats people unequally because of who they are."),
    Category.labor: ("Labor", "Jobs, pay and working conditions changed by AI."),
    Category.misinformation: (
        "Misinformation",
        "False or misleading content made or spread with AI.",
    ),
    Category.governance: ("Governance", "Laws, rules and oversight of AI, and who sets them."),
    Category.business: (
        "Business",
        "Companies, deals, boardroom fights and market power in AI.",
    ),
    Category.open_source: (
        "Open source",
        "Whether models, weights and code should be released for anyone to use.",
    ),
    Category.military: ("Military", "AI in weapons, defense and surveillance by armed forces."),
    Category.other: ("Other", "A story that fits none of the other categories."),
}

STAGES: Texts[Stage] = {
    Stage.emerging: ("Emerging", "Just surfaced: first reports, few reactions so far."),
    Stage.developing: ("Developing", "More people weigh in and the sides take shape."),
    Stage.escalating: (
        "Escalating",
        "Growing fast: more voices, higher stakes, actions such as lawsuits or new rules.",
    ),
    Stage.resolved: (
        "Resolved",
        "Settled: a decision, reversal or agreement closed the main question.",
    ),
    Stage.dormant: ("Dormant", "Gone quiet without being settled; it may flare up again."),
}

NOISE_LEVELS: Texts[NoiseLevel] = {
    NoiseLevel.quiet: ("Quiet", "barely discussed right now."),
    NoiseLevel.murmur: ("Murmur", "some talk, mostly among people who follow the topic."),
    NoiseLevel.buzz: ("Buzz", "clearly being discussed, in more than one place."),
    NoiseLevel.loud: ("Loud", "widely discussed; hard to miss if you follow AI news."),
    NoiseLevel.uproar: ("Uproar", "one of the stories everyone is talking about right now."),
}

NOISE_COMPONENTS: Texts[NoiseComponent] = {
    NoiseComponent.reach: (
        "Reach",
        "How many people the posts of the current wave could reach: their combined audience,"
        " on a log scale.",
    ),
    NoiseComponent.engagement: (
        "Engagement",
        "How much people react to those posts: votes, comments and shares, on a log scale.",
    ),
    NoiseComponent.star_power: (
        "Star power",
        "How influential the people and organizations taking sides are (the three most"
        " influential count).",
    ),
    NoiseComponent.cross_platform: (
        "Cross-platform",
        "On how many different platforms the story is discussed;"
        f" {scoring.CROSS_PLATFORM_SATURATION} or more count in full.",
    ),
    NoiseComponent.polarity: (
        "Polarity",
        "How evenly influence is split between the sides: highest when no side dominates.",
    ),
    NoiseComponent.duration: (
        "Duration",
        "How long the current wave of discussion has lasted;"
        f" {scoring.DURATION_SATURATION_DAYS} days or more count in full.",
    ),
    NoiseComponent.industry_impact: (
        "Industry impact",
        "An editor's judgment of how much the story matters to the AI industry (50 unless set).",
    ),
}

GRADES: Texts[Grade] = {
    Grade.A: ("Grade A", "a leading voice whose word moves the story."),
    Grade.B: ("Grade B", "a well-known voice with a large following."),
    Grade.C: ("Grade C", "a recognized voice within its field or community."),
    Grade.D: ("Grade D", "a minor voice with a limited audience."),
    Grade.F: ("Grade F", "little measurable influence on the story."),
}

PLATFORMS: Texts[Platform] = {
    Platform.hackernews: ("Hacker News", "The link-sharing and discussion site for technologists."),
    Platform.reddit: ("Reddit", "Community forums (subreddits) with voted posts and comments."),
    Platform.x: ("X (Twitter)", "The short-post social network formerly called Twitter."),
    Platform.bluesky: ("Bluesky", "A decentralized short-post social network."),
    Platform.mastodon: ("Mastodon", "Independent servers of the federated social web."),
    Platform.youtube: ("YouTube", "Videos and the comments under them."),
    Platform.news: ("News", "Articles from news outlets and the press."),
    Platform.blog: ("Blog", "Posts on personal, company or newsletter blogs."),
    Platform.other: ("Other", "Any other source."),
}

ACTOR_KINDS: Texts[ActorKind] = {
    ActorKind.organization: ("Organization", "A company, lab, nonprofit or other institution."),
    ActorKind.person: ("Person", "An individual, speaking for themselves or in their role."),
    ActorKind.community: (
        "Community",
        "A loose group such as users, artists or open-source contributors.",
    ),
    ActorKind.government: (
        "Government",
        "A state, regulator, court, legislature or public agency.",
    ),
    ActorKind.other: ("Other", "Anyone who fits none of the other kinds."),
}

EVENT_KINDS: Texts[EventKind] = {
    EventKind.announcement: ("Announcement", "Someone made a statement or revealed a plan."),
    EventKind.release: ("Release", "A product, model, paper or dataset came out."),
    EventKind.response: (
        "Response",
        "A reaction to what happened: a reply, apology, reversal or pushback.",
    ),
    EventKind.legal: ("Legal", "A lawsuit, ruling, settlement or other court action."),
    EventKind.policy: (
        "Policy",
        "A law, regulation or company policy was adopted or changed.",
    ),
    EventKind.other: ("Other", "A milestone of another kind."),
}

REVIEW_STATUSES: Texts[ReviewStatus] = {
    ReviewStatus.unreviewed: (
        "Not reviewed yet",
        "Written with AI; no editor has checked it yet.",
    ),
    ReviewStatus.reviewed: ("Reviewed", "Written with AI and checked by an editor."),
}

COMPONENT_SOURCES: Texts[ComponentSource] = {
    ComponentSource.derived: ("Measured", "Computed from the story's posts, sides and dates."),
    ComponentSource.editorial: ("Set by an editor", "An editor set this value by hand."),
}

OUTCOMES: Texts[Outcome] = {
    Outcome.happened: ("Happened", "The scenario came true by its horizon."),
    Outcome.did_not_happen: ("Did not happen", "The scenario did not come true by its horizon."),
    Outcome.annulled: (
        "Annulled",
        "The question could not be settled fairly; left out of every score.",
    ),
}


def _labels(enum: type[E], texts: Texts[E], model: type[L], prefix: Mapping[str, str]) -> list[L]:
    # Every value of the enum, in its order: a value without words is a bug, caught at startup
    # (the first request) and by the tests, never shown as a bare code.
    labels = []
    for member in enum:
        if member not in texts:
            raise LookupError(f"{enum.__name__}.{member.value} has no label")
        label, description = texts[member]
        if member.value in prefix:
            description = f"{prefix[member.value]}: {description}"
        labels.append(
            model.model_validate({"value": member, "label": label, "description": description})
        )
    return labels


def meta() -> Meta:
    """Every displayed enum value with its label and one-line meaning."""
    return Meta(
        categories=_labels(Category, CATEGORIES, CategoryLabel, {}),
        stages=_labels(Stage, STAGES, StageLabel, {}),
        noise_levels=_labels(NoiseLevel, NOISE_LEVELS, NoiseLevelLabel, _LEVEL_RANGES),
        noise_components=_labels(NoiseComponent, NOISE_COMPONENTS, NoiseComponentLabel, {}),
        component_sources=_labels(ComponentSource, COMPONENT_SOURCES, ComponentSourceLabel, {}),
        grades=_labels(Grade, GRADES, GradeLabel, _GRADE_RANGES),
        platforms=_labels(Platform, PLATFORMS, PlatformLabel, {}),
        actor_kinds=_labels(ActorKind, ACTOR_KINDS, ActorKindLabel, {}),
        event_kinds=_labels(EventKind, EVENT_KINDS, EventKindLabel, {}),
        review_statuses=_labels(ReviewStatus, REVIEW_STATUSES, ReviewStatusLabel, {}),
        outcomes=_labels(Outcome, OUTCOMES, OutcomeLabel, {}),
    )


def methodology_page(settings: Settings) -> str:
    """The Noise Score method as an HTML page for people (the data of /v1/methodology)."""
    return page.render(
        noise_service.methodology(settings),
        components={c.value: NOISE_COMPONENTS[c] for c in NoiseComponent},
        levels={level.value: NOISE_LEVELS[level] for level in NoiseLevel},
    )
