"""The card's hand-tuned SQL names only columns the models declare."""

from __future__ import annotations

from app.cards.repository import CARD_SQL
from tests.sql_columns import unknown_columns

CARD_ALIASES = {
    "c": "controversies",
    "s": "sides",
    "st": "stances",
    "a": "actors",
    "f": "forecasts",
    "sc": "forecast_scenarios",
    "e": "timeline_events",
    "m": "mentions",
}


def test_every_column_the_card_names_exists_in_the_metadata() -> None:
    assert unknown_columns(CARD_SQL.text, CARD_ALIASES) == set()


def test_the_check_catches_a_misspelled_column() -> None:
    misspelled = CARD_SQL.text.replace("c.noise_composite", "c.noise_compsite")
    assert unknown_columns(misspelled, CARD_ALIASES) == {"c.noise_compsite"}


def test_the_card_reads_every_table_it_joins_through_an_alias() -> None:
    # Every alias the check knows is used, so no table of the card escapes it.
    for alias in CARD_ALIASES:
        assert f" {alias}." in CARD_SQL.text or f"({alias}." in CARD_SQL.text, alias
