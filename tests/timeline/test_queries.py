"""The mention upsert's hand-tuned SQL names only columns the models declare."""

from __future__ import annotations

from app.timeline.repository import MENTION_FIELDS, UPSERT_MENTIONS
from tests.sql_columns import listed_columns, not_in_table, unknown_columns

SQL = UPSERT_MENTIONS.text


def test_the_insert_lists_only_mention_columns() -> None:
    assert not_in_table(listed_columns(SQL, "INSERT INTO mentions"), "mentions") == set()


def test_the_unnested_batch_carries_mention_columns() -> None:
    batch = listed_columns(SQL, "AS b")
    assert not_in_table(batch, "mentions") == set()
    assert batch == ["platform", *MENTION_FIELDS]


def test_qualified_references_exist() -> None:
    aliases = {"mentions": "mentions", "EXCLUDED": "mentions", "b": "mentions"}
    assert unknown_columns(SQL, aliases) == set()


def test_the_check_catches_a_column_the_table_lacks() -> None:
    broken = SQL.replace("EXCLUDED.shares", "EXCLUDED.reshares", 1)
    assert unknown_columns(broken, {"EXCLUDED": "mentions"}) == {"EXCLUDED.reshares"}
