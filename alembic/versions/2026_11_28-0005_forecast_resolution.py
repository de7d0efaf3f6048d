"""forecast resolution: scenarios can be resolved and scored; generators keep a track record

Scenarios gain their latest resolution (outcome, when, a source, a note, who) and a version
for If-Match. `forecast_track_records` holds each generator's sums per calibration bin,
maintained in the transaction that changes them; any change to it announces `c:*` on the change channel, since
the track record is shown on every card whose forecast that generator wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCENARIO_COLUMNS = (
    sa.Column("outcome", sa.Text(), nullable=True),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resolution_source_url", sa.Text(), nullable=True),
    sa.Column("resolution_note", sa.Text(), nullable=True),
    sa.Column("resolved_by", sa.Text(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
)

CHECKS = {
    "ck_forecast_scenarios_outcome": (
        "outcome IS NULL OR (outcome IN ('happened', 'did_not_happen', 'annulled'))"
    ),
    "ck_forecast_scenarios_resolved": "(outcome IS NULL) = (resolved_at IS NULL)",
    "ck_forecast_scenarios_pair": "(probability IS NULL) = (horizon IS NULL)",
    "ck_forecast_scenarios_scorable": "outcome IS NULL OR probability IS NOT NULL",
}


def upgrade() -> None:
    for column in SCENARIO_COLUMNS:
        op.add_column("forecast_scenarios", column)
    for name, condition in CHECKS.items():
        op.create_check_constraint(name, "forecast_scenarios", condition)
    op.create_index(
        "ix_forecast_scenarios_due",
        "forecast_scenarios",
        ["horizon", "id"],
        postgresql_where=sa.text("outcome IS NULL AND probability IS NOT NULL"),
    )
    op.create_index(
        "ix_forecast_scenarios_scored",
        "forecast_scenarios",
        ["resolved_at"],
        postgresql_include=["forecast_id", "probability", "outcome"],
        postgresql_where=sa.text("outcome IN ('happened', 'did_not_happen')"),
    )
    op.create_index("ix_forecasts_generated_by", "forecasts", ["generated_by"])
    op.create_table(
        "forecast_track_records",
        sa.Column("generated_by", sa.Text(), primary_key=True),
        sa.Column("bin", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("brier_sum", sa.Float(), nullable=False),
        sa.Column("log_loss_sum", sa.Float(), nullable=False),
        sa.Column("probability_sum", sa.Float(), nullable=False),
        sa.Column("happened", sa.Integer(), nullable=False),
    )
    op.execute(
        "CREATE TRIGGER forecast_track_records_changed AFTER INSERT OR UPDATE OR DELETE"
        " OR TRUNCATE ON forecast_track_records"
        " FOR EACH STATEMENT EXECUTE FUNCTION notify_table_emptied('c')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER forecast_track_records_changed ON forecast_track_records")
    op.drop_table("forecast_track_records")
    op.drop_index("ix_forecasts_generated_by", table_name="forecasts")
    op.drop_index("ix_forecast_scenarios_scored", table_name="forecast_scenarios")
    op.drop_index("ix_forecast_scenarios_due", table_name="forecast_scenarios")
    for name in CHECKS:
        op.drop_constraint(name, "forecast_scenarios", type_="check")
    for column in reversed(SCENARIO_COLUMNS):
        op.drop_column("forecast_scenarios", column.name)
