"""CORS for the origins of publishable keys (from the database, cached briefly) + settings."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem_response
from app.keys import repository

logger = logging.getLogger(__name__)

_generation = 0


def invalidate() -> None:
    """Make every origin cache of this process reload on its next use (a key changed)."""
    global _generation
    _generation += 1


class OriginCache:
    """The allowed origins of live publishable keys, reloaded at most every `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.origins: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._generation = -1
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._generation == _generation and time.monotonic() - self._loaded_at < self.ttl

    async def refresh(self, app: Any) -> None:
        """Reload from the database when stale; keep the old set if the database fails."""
        if self._fresh():
            return
        async with self._lock:
            if self._fresh():
                return
            generation = _generation
            try:
                async with app.state.sessionmaker() as session:
                    loaded = await asyncio.wait_for(repository.publishable_origins(session), 2)
                self.origins = frozenset(loaded)
            except Exception as exc:  # the database being down must not break CORS
                logger.warning("could not load key origins: %s", type(exc).__name__)
            self._generation = generation
            self._loaded_at = time.monotonic()


class KeyOriginsCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with the allowed origins of publishable keys added at run time."""

    def __init__(
        self,
        app: ASGIApp,
        /,
        *,
        origin_cache: OriginCache,
        allow_origins: Sequence[str] = (),
        allow_methods: Sequence[str] = ("GET",),
        allow_headers: Sequence[str] = (),
        expose_headers: Sequence[str] = (),
        max_age: int = 600,
    ) -> None:
        super().__init__(
            app,
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
            max_age=max_age,
        )
        self.origin_cache = origin_cache
        self.static_origins = frozenset(allow_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "origin" in Headers(scope=scope) and "app" in scope:
            await self.origin_cache.refresh(scope["app"])
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        """Starlette's answer, but a refusal as problem+json like every other error."""
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        refused = bytes(answer.body).decode().removeprefix("Disallowed CORS ")
        # Starlette's CORS headers (Vary, and the allow lists it would grant) go along.
        kept = {
            name: value
            for name, value in answer.headers.items()
            if name.lower() not in ("content-length", "content-type")
        }
        return problem_response(
            status=400,
            type_slug="cors-refused",
            title="Cross-origin request refused",
            detail=f"This preflight is refused: its {refused} is not allowed. A browser page "
            "needs a publishable key whose origins include the page's origin.",
            headers=kept,
            extra={"refused": refused.split(", ")},
        )

    def is_allowed_origin(self, origin: str) -> bool:
        return origin in self.static_origins or origin in self.origin_cache.origins
