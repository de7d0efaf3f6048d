"""webhooks and the job queue: endpoints, deliveries, attempts; pgqueuer's tables; level watch

- `webhook_endpoints`, `webhook_deliveries` (one per event and endpoint, unique),
  `webhook_attempts`, and `webhook_dispatch_cursor` (the newest outbox event fanned out);
- PgQueuer's own tables, types, function and trigger, from its DDL (the package is pinned to a
  minor release in pyproject.toml, so this renders the same on every machine);
- `noise_level_watch`: the level band last announced per controversy and when decay may next
  move it, for the periodic scan; `recompute_runs`: progress of `recompute-all` jobs;
- outbox events may belong to no controversy (`webhook.disabled`), and carry the changed
  row's own version.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from pgqueuer.adapters.persistence import schema_ddl
from pgqueuer.domain.settings import DBSettings
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.util import await_only

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _queue_settings() -> DBSettings:
    # The library's default names, whatever PGQUEUER_* variables the machine has set.
    return DBSettings.model_validate({})


def _execute_script(sql: str) -> None:
    # The DDL is one script of many statements (functions with `;` inside): sent as a simple
    # query on the driver's connection, not as one prepared statement.
    driver_connection = op.get_bind().connection.driver_connection
    assert driver_connection is not None
    await_only(driver_connection.execute(sql))


OLD_ACTIONS = ("create", "update", "archive", "restore", "ingest", "rotate", "revoke")
# Webhook endpoints are deleted (not archived), their deliveries retried and tested.
NEW_ACTIONS = (*OLD_ACTIONS, "delete", "retry", "test")


def _audit_actions(actions: tuple[str, ...]) -> None:
    op.drop_constraint("ck_audit_log_action", "audit_log", type_="check")
    op.create_check_constraint(
        "ck_audit_log_action",
        "audit_log",
        "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")",
    )


def upgrade() -> None:
    _execute_script(schema_ddl.render_install(_queue_settings(), create_schema=False))
    _audit_actions(NEW_ACTIONS)

    for column in ("controversy_id", "controversy_slug", "controversy_version"):
        op.alter_column("outbox_events", column, nullable=True)
    op.add_column("outbox_events", sa.Column("resource_version", sa.Integer(), nullable=True))

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("event_types", ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column(
            "controversy_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="active"),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("after_event_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "status IN ('active', 'failing', 'disabled')", name="ck_webhook_endpoints_status"
        ),
    )
    op.create_index("ix_webhook_endpoints_created", "webhook_endpoints", ["created_at", "id"])

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "endpoint_id",
            UUID(as_uuid=True),
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_event"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name="ck_webhook_deliveries_status"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint", "webhook_deliveries", ["endpoint_id", "created_at", "id"]
    )
    op.create_index("ix_webhook_deliveries_created", "webhook_deliveries", ["created_at"])

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column(
            "delivery_id",
            UUID(as_uuid=True),
            sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
    )
    op.create_index("ix_webhook_attempts_delivery", "webhook_attempts", ["delivery_id", "attempt"])

    op.create_table(
        "webhook_dispatch_cursor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_webhook_dispatch_cursor_single"),
    )
    # Webhooks start with the events that come after them.
    op.execute(
        "INSERT INTO webhook_dispatch_cursor (id, last_event_id)"
        " SELECT 1, coalesce(max(id), 0) FROM outbox_events"
    )

    op.create_table(
        "noise_level_watch",
        sa.Column(
            "controversy_id",
            UUID(as_uuid=True),
            sa.ForeignKey("controversies.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("announced_level", sa.Text(), nullable=False),
        sa.Column("check_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_noise_level_watch_check", "noise_level_watch", ["check_at"])
    # Levels of the controversies already here: noted (not announced) by the first scan.
    op.execute(
        "INSERT INTO noise_level_watch (controversy_id, announced_level, check_at)"
        " SELECT id, 'unknown', now() FROM controversies"
    )

    op.create_table(
        "recompute_runs",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "requested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("changed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("after_id", UUID(as_uuid=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("recompute_runs")
    op.drop_table("noise_level_watch")
    op.drop_table("webhook_dispatch_cursor")
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    # Events about no controversy cannot go back into the stricter table.
    op.execute("DELETE FROM outbox_events WHERE controversy_id IS NULL")
    op.drop_column("outbox_events", "resource_version")
    for column in ("controversy_id", "controversy_slug", "controversy_version"):
        op.alter_column("outbox_events", column, nullable=False)
    op.execute("DELETE FROM audit_log WHERE action IN ('delete', 'retry', 'test')")
    _audit_actions(OLD_ACTIONS)
    _execute_script(schema_ddl.render_uninstall(_queue_settings()))
