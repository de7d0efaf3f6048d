"""api keys and their usage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("public_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("origins", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("rate_limit", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret_hash", sa.LargeBinary(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('publishable', 'secret')", name="ck_api_keys_kind"),
        sa.CheckConstraint(
            "cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]",
            name="ck_api_keys_scopes",
        ),
        sa.CheckConstraint(
            "kind = 'secret' OR scopes <@ ARRAY['read']::text[]",
            name="ck_api_keys_publishable_read_only",
        ),
        sa.CheckConstraint("rate_limit > 0", name="ck_api_keys_rate_limit"),
        sa.CheckConstraint("public_id ~ '^key_[A-Za-z0-9]{12}$'", name="ck_api_keys_public_id"),
        sa.CheckConstraint(
            "octet_length(secret_hash) = 32"
            " AND (previous_secret_hash IS NULL OR octet_length(previous_secret_hash) = 32)",
            name="ck_api_keys_hash_length",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("secret_hash"),
        sa.UniqueConstraint("previous_secret_hash"),
    )
    op.create_index("ix_api_keys_created", "api_keys", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_api_keys_publishable",
        "api_keys",
        ["kind"],
        unique=False,
        postgresql_where="kind = 'publishable' AND revoked_at IS NULL",
    )
    op.create_table(
        "key_usage",
        sa.Column("key_id", sa.UUID(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("route_group", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("count >= 0", name="ck_key_usage_count"),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", "day", "route_group", name="pk_key_usage"),
    )


def downgrade() -> None:
    op.drop_table("key_usage")
    op.drop_index(
        "ix_api_keys_publishable",
        table_name="api_keys",
        postgresql_where="kind = 'publishable' AND revoked_at IS NULL",
    )
    op.drop_index("ix_api_keys_created", table_name="api_keys")
    op.drop_table("api_keys")
