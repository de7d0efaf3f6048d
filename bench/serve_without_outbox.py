"""`controversy-api serve` with the outbox append turned into a no-op: only bench/webhooks.py
uses it, to measure what appending change events costs a write. (The product has no such
switch: without the outbox there is no stream, no webhook and no /v1/changes.)"""

from __future__ import annotations

import sys
from typing import Any

from app.cli import main
from app.events import repository


async def _append_nothing(session: Any, rows: Any) -> None:
    return None


if __name__ == "__main__":
    repository.append = _append_nothing
    sys.exit(main(["serve", *sys.argv[1:]]))
