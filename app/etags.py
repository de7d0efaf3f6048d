"""Entity tags of writable resources and the If-Match check.

A writable resource's ETag is built from its `version` (bumped on every write), so a client
that read it can prove on update that nothing changed since. The card also carries its current
score, so a cached card is revalidated when the score moves with time alone.
"""

from __future__ import annotations

from app.errors import PreconditionFailed, PreconditionRequired


def version_etag(version: int, score: int | None = None, shown: str | None = None) -> str:
    """The ETag of a resource at `version` (and, for the card, its current score and a tag of
    what it shows that changes without its version: its forecaster's track record)."""
    if score is None:
        return f'W/"{version}"'
    return f'W/"{version}.{score}"' if shown is None else f'W/"{version}.{score}.{shown}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this (weak) ETag, or `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    weak = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == weak for tag in if_none_match.split(","))


def _tag_version(tag: str) -> int | None:
    value = tag.strip().removeprefix("W/").strip('"')
    head = value.split(".", 1)[0]
    return int(head) if head.isdigit() and len(head) < 19 else None


def check_if_match(if_match: str | None, current_version: int) -> None:
    """428 without If-Match, 412 when none of its tags names the current version."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Updates and deletes need an If-Match header with the ETag you last read."
        )
    if if_match.strip() == "*":
        return
    if any(_tag_version(tag) == current_version for tag in if_match.split(",")):
        return
    raise PreconditionFailed(
        "The resource changed since you read it: read it again and retry with its new ETag.",
        extra={"current_etag": version_etag(current_version)},
    )
