"""outbox events: every committed change as events, announced on the change channel

`outbox_events` is appended in the transaction of each write (app/events), so an event exists
exactly when its change committed. A trigger announces each new event as `e:<id>` on the
channel the processes already listen to; PostgreSQL delivers it only on COMMIT.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "controversy_api_changes"


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("controversy_id", UUID(as_uuid=True), nullable=False),
        sa.Column("controversy_slug", sa.Text(), nullable=False),
        sa.Column("controversy_version", sa.Integer(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("resource_id", UUID(as_uuid=True), nullable=False),
        sa.Column("payload", JSONB(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_outbox_events_controversy", "outbox_events", ["controversy_id", "id"])
    op.create_index("ix_outbox_events_occurred", "outbox_events", ["occurred_at"])
    op.execute(
        f"""
CREATE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', 'e:' || NEW.id::text);
    RETURN NULL;
END $$"""
    )
    op.execute(
        "CREATE TRIGGER outbox_events_appended AFTER INSERT ON outbox_events"
        " FOR EACH ROW EXECUTE FUNCTION notify_outbox_event()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_events_appended ON outbox_events")
    op.execute("DROP FUNCTION notify_outbox_event()")
    op.drop_table("outbox_events")
