"""idempotency records are written in the write's own transaction

A record now exists only for a committed write (an in-flight attempt is marked by an
advisory lock its transaction holds), so the `running` state and its CHECK go away.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An attempt still marked running never stored its answer: forget it, so a retry runs.
    op.execute("DELETE FROM idempotency_keys WHERE state <> 'done' OR response_status IS NULL")
    op.drop_constraint("ck_idempotency_keys_state", "idempotency_keys", type_="check")
    op.drop_column("idempotency_keys", "state")
    op.alter_column("idempotency_keys", "response_status", nullable=False)


def downgrade() -> None:
    op.alter_column("idempotency_keys", "response_status", nullable=True)
    op.add_column(
        "idempotency_keys",
        sa.Column("state", sa.Text(), nullable=False, server_default="done"),
    )
    op.alter_column("idempotency_keys", "state", server_default=None)
    op.create_check_constraint(
        "ck_idempotency_keys_state", "idempotency_keys", "state IN ('running', 'done')"
    )
