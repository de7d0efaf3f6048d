"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 17:11:41.006056
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEARCH_FUNCTION = """
CREATE FUNCTION controversy_search_vector(title text, summary text, key_points text[])
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
      || setweight(to_tsvector('english'::regconfig,
                               coalesce(array_to_string(key_points, ' '), '')), 'C')
$$
"""


def upgrade() -> None:
    # Generated columns need an IMMUTABLE expression; array_to_string is only STABLE, so the
    # search document is built by this wrapper (english config, fixed: safe to mark immutable).
    op.execute(SEARCH_FUNCTION)
    op.create_table(
        "actors",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("influence", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('organization', 'person', 'community', 'government', 'other')",
            name="ck_actors_kind",
        ),
        sa.CheckConstraint("influence BETWEEN 0 AND 100", name="ck_actors_influence"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_key"),
    )
    op.create_index("ix_actors_name", "actors", ["name", "id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column(
            "changes", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'archive', 'restore', 'ingest', 'rotate', 'revoke')",
            name="ck_audit_log_action",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_occurred", "audit_log", ["occurred_at", "id"], unique=False)
    op.create_index(
        "ix_audit_log_resource", "audit_log", ["resource", "resource_id", "id"], unique=False
    )
    op.create_table(
        "controversies",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("why_it_matters", sa.Text(), server_default="", nullable=False),
        sa.Column("key_points", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("eli5", sa.Text(), server_default="", nullable=False),
        sa.Column("analysis_generated_by", sa.Text(), nullable=True),
        sa.Column("analysis_review_status", sa.Text(), server_default="unreviewed", nullable=False),
        sa.Column("analysis_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("analysis_methodology_url", sa.Text(), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("industry_impact", sa.Integer(), server_default="50", nullable=False),
        sa.Column("noise_composite", sa.Float(), server_default="0", nullable=False),
        sa.Column(
            "noise_components",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "last_activity_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("hot_key", sa.Float(), server_default="-30", nullable=False),
        sa.Column("noise_computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed("controversy_search_vector(title, summary, key_points)", persisted=True),
            nullable=True,
        ),
        sa.CheckConstraint(
            "analysis_review_status IN ('unreviewed', 'reviewed')", name="ck_controversies_review"
        ),
        sa.CheckConstraint(
            "category IN ('safety', 'copyright', 'privacy', 'bias', 'labor', 'misinformation', 'governance', 'business', 'open_source', 'military', 'other')",
            name="ck_controversies_category",
        ),
        sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="ck_controversies_slug"),
        sa.CheckConstraint(
            "stage IN ('emerging', 'developing', 'escalating', 'resolved', 'dormant')",
            name="ck_controversies_stage",
        ),
        sa.CheckConstraint(
            "industry_impact BETWEEN 0 AND 100", name="ck_controversies_industry_impact"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index(
        "ix_controversies_category", "controversies", ["category", "hot_key"], unique=False
    )
    op.create_index(
        "ix_controversies_created",
        "controversies",
        ["created_at", "id"],
        unique=False,
        postgresql_where="archived_at IS NULL",
    )
    op.create_index(
        "ix_controversies_hot",
        "controversies",
        ["hot_key", "id"],
        unique=False,
        postgresql_where="archived_at IS NULL",
    )
    op.create_index(
        "ix_controversies_recent",
        "controversies",
        ["last_activity_at", "id"],
        unique=False,
        postgresql_where="archived_at IS NULL",
    )
    op.create_index(
        "ix_controversies_search", "controversies", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "ix_controversies_started",
        "controversies",
        ["started_at", "id"],
        unique=False,
        postgresql_where="archived_at IS NULL",
    )
    op.create_index(
        "ix_controversies_tags", "controversies", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_index("ix_controversies_updated", "controversies", ["updated_at"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('running', 'done')", name="ck_idempotency_keys_state"),
        sa.PrimaryKeyConstraint("owner", "key"),
    )
    op.create_index("ix_idempotency_keys_expires", "idempotency_keys", ["expires_at"], unique=False)
    op.create_table(
        "forecasts",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("generated_by", sa.Text(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_status", sa.Text(), server_default="unreviewed", nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("signals_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "review_status IN ('unreviewed', 'reviewed')", name="ck_forecasts_review"
        ),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_forecasts_controversy",
        "forecasts",
        ["controversy_id", "generated_at", "id"],
        unique=False,
    )
    op.create_table(
        "mentions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("score", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comments", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("shares", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "platform IN ('hackernews', 'reddit', 'x', 'bluesky', 'mastodon', 'youtube', 'news', 'blog', 'other')",
            name="ck_mentions_platform",
        ),
        sa.CheckConstraint(
            "audience >= 0 AND score >= 0 AND comments >= 0 AND shares >= 0",
            name="ck_mentions_metrics",
        ),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id", name="uq_mentions_platform_external_id"),
    )
    op.create_index(
        "ix_mentions_controversy",
        "mentions",
        ["controversy_id", "published_at", "id"],
        unique=False,
    )
    op.create_table(
        "noise_overrides",
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "component IN ('reach', 'engagement', 'star_power', 'cross_platform', 'polarity', 'duration')",
            name="ck_noise_overrides_component",
        ),
        sa.CheckConstraint("value BETWEEN 0 AND 100", name="ck_noise_overrides_value"),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("controversy_id", "component"),
    )
    op.create_table(
        "noise_snapshots",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("composite", sa.Float(), nullable=False),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_noise_snapshots_controversy",
        "noise_snapshots",
        ["controversy_id", "computed_at", "id"],
        unique=False,
    )
    op.create_table(
        "sides",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("position >= 0", name="ck_sides_position"),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id", "controversy_id", name="uq_sides_id_controversy"),
    )
    op.create_index("ix_sides_controversy", "sides", ["controversy_id", "position"], unique=False)
    op.create_index(
        "uq_sides_label",
        "sides",
        ["controversy_id", "label"],
        unique=True,
        postgresql_where="archived_at IS NULL",
    )
    op.create_table(
        "timeline_events",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('announcement', 'release', 'response', 'legal', 'policy', 'other')",
            name="ck_timeline_events_kind",
        ),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_timeline_events_controversy",
        "timeline_events",
        ["controversy_id", "occurred_at", "id"],
        unique=False,
    )
    op.create_table(
        "forecast_scenarios",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("forecast_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("horizon", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "probability IS NULL OR (probability >= 0 AND probability <= 1)",
            name="ck_forecast_scenarios_probability",
        ),
        sa.ForeignKeyConstraint(["forecast_id"], ["forecasts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_forecast_scenarios_forecast",
        "forecast_scenarios",
        ["forecast_id", "position"],
        unique=False,
    )
    op.create_table(
        "stances",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("controversy_id", sa.UUID(), nullable=False),
        sa.Column("side_id", sa.UUID(), nullable=False),
        sa.Column("actor_id", sa.UUID(), nullable=False),
        sa.Column("claim", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["controversy_id"], ["controversies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["side_id", "controversy_id"],
            ["sides.id", "sides.controversy_id"],
            name="fk_stances_side",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stances_actor", "stances", ["actor_id"], unique=False)
    op.create_index("ix_stances_side", "stances", ["side_id"], unique=False)
    op.create_index(
        "uq_stances_actor",
        "stances",
        ["controversy_id", "actor_id"],
        unique=True,
        postgresql_where="archived_at IS NULL",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_index("uq_stances_actor", table_name="stances", postgresql_where="archived_at IS NULL")
    op.drop_index("ix_stances_side", table_name="stances")
    op.drop_index("ix_stances_actor", table_name="stances")
    op.drop_table("stances")
    op.drop_index("ix_forecast_scenarios_forecast", table_name="forecast_scenarios")
    op.drop_table("forecast_scenarios")
    op.drop_index("ix_timeline_events_controversy", table_name="timeline_events")
    op.drop_table("timeline_events")
    op.drop_index("uq_sides_label", table_name="sides", postgresql_where="archived_at IS NULL")
    op.drop_index("ix_sides_controversy", table_name="sides")
    op.drop_table("sides")
    op.drop_index("ix_noise_snapshots_controversy", table_name="noise_snapshots")
    op.drop_table("noise_snapshots")
    op.drop_table("noise_overrides")
    op.drop_index("ix_mentions_controversy", table_name="mentions")
    op.drop_table("mentions")
    op.drop_index("ix_forecasts_controversy", table_name="forecasts")
    op.drop_table("forecasts")
    op.drop_index("ix_idempotency_keys_expires", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_controversies_updated", table_name="controversies")
    op.drop_index("ix_controversies_tags", table_name="controversies", postgresql_using="gin")
    op.drop_index(
        "ix_controversies_started",
        table_name="controversies",
        postgresql_where="archived_at IS NULL",
    )
    op.drop_index("ix_controversies_search", table_name="controversies", postgresql_using="gin")
    op.drop_index(
        "ix_controversies_recent",
        table_name="controversies",
        postgresql_where="archived_at IS NULL",
    )
    op.drop_index(
        "ix_controversies_hot", table_name="controversies", postgresql_where="archived_at IS NULL"
    )
    op.drop_index(
        "ix_controversies_created",
        table_name="controversies",
        postgresql_where="archived_at IS NULL",
    )
    op.drop_index("ix_controversies_category", table_name="controversies")
    op.drop_table("controversies")
    op.drop_index("ix_audit_log_resource", table_name="audit_log")
    op.drop_index("ix_audit_log_occurred", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_actors_name", table_name="actors")
    op.drop_table("actors")
    op.execute("DROP FUNCTION controversy_search_vector(text, text, text[])")
