"""change notifications: every committed change to a controversy or a key is announced

Triggers send `pg_notify('controversy_api_changes', …)` with `c:<controversy id>` or
`k:<key id>` (`c:*` / `k:*` after a TRUNCATE). PostgreSQL delivers a notification only when
its transaction commits, and once per distinct payload per transaction, so every API process
listening on the channel learns of each committed change, and of nothing that rolled back.
The processes use it to drop what they cached (cards, lists, keys). Triggers rather than
application code, so no write path — the API, the CLI, a migration, a manual fix — can forget.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "controversy_api_changes"

# Key columns that change what authentication answers; `last_used_at` (written every minute by
# the usage flusher) is not one of them.
KEY_COLUMNS = (
    "secret_hash, previous_secret_hash, previous_secret_expires_at, revoked_at, expires_at,"
    " scopes, origins, rate_limit, kind, name"
)


def upgrade() -> None:
    op.execute(
        f"""
CREATE FUNCTION notify_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0] is the kind prefix: 'c' for controversies, 'k' for api keys.
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('{CHANNEL}', TG_ARGV[0] || ':' || OLD.id::text);
    ELSE
        PERFORM pg_notify('{CHANNEL}', TG_ARGV[0] || ':' || NEW.id::text);
    END IF;
    RETURN NULL;
END $$"""
    )
    op.execute(
        f"""
CREATE FUNCTION notify_table_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_ARGV[0] || ':*');
    RETURN NULL;
END $$"""
    )
    op.execute(
        "CREATE TRIGGER controversies_changed AFTER INSERT OR UPDATE OR DELETE ON controversies"
        " FOR EACH ROW EXECUTE FUNCTION notify_row_change('c')"
    )
    op.execute(
        "CREATE TRIGGER controversies_emptied AFTER TRUNCATE ON controversies"
        " FOR EACH STATEMENT EXECUTE FUNCTION notify_table_emptied('c')"
    )
    op.execute(
        "CREATE TRIGGER api_keys_added_or_removed AFTER INSERT OR DELETE ON api_keys"
        " FOR EACH ROW EXECUTE FUNCTION notify_row_change('k')"
    )
    op.execute(
        f"CREATE TRIGGER api_keys_changed AFTER UPDATE OF {KEY_COLUMNS} ON api_keys"
        " FOR EACH ROW EXECUTE FUNCTION notify_row_change('k')"
    )
    op.execute(
        "CREATE TRIGGER api_keys_emptied AFTER TRUNCATE ON api_keys"
        " FOR EACH STATEMENT EXECUTE FUNCTION notify_table_emptied('k')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER api_keys_emptied ON api_keys")
    op.execute("DROP TRIGGER api_keys_changed ON api_keys")
    op.execute("DROP TRIGGER api_keys_added_or_removed ON api_keys")
    op.execute("DROP TRIGGER controversies_emptied ON controversies")
    op.execute("DROP TRIGGER controversies_changed ON controversies")
    op.execute("DROP FUNCTION notify_table_emptied()")
    op.execute("DROP FUNCTION notify_row_change()")
