"""Checks the columns a hand-written statement names against the table metadata.

The card, the list and the mention upsert are written in SQL for speed; the models stay the one
source of column names, so a renamed column fails here rather than in production.
"""

from __future__ import annotations

import re

from app.models import metadata


def unknown_columns(sql: str, aliases: dict[str, str]) -> set[str]:
    """`alias.column` references in `sql` whose column its table does not have."""
    unknown = set()
    for alias, column in re.findall(r"\b([A-Za-z_]+)\.([a-z_]+)\b", sql):
        table = aliases.get(alias)
        if table is None:
            continue
        if column not in metadata.tables[table].c:
            unknown.add(f"{alias}.{column}")
    return unknown


def listed_columns(sql: str, after: str) -> list[str]:
    """The names in the parenthesised list that follows `after` (an INSERT's or alias's)."""
    match = re.search(re.escape(after) + r"\s*\(([^)]*)\)", sql)
    assert match is not None, f"no column list after {after!r}"
    return [name.strip() for name in match.group(1).split(",")]


def not_in_table(names: list[str], table: str) -> set[str]:
    """The names the table has no column of."""
    return {name for name in names if name not in metadata.tables[table].c}
