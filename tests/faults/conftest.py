"""Two real `serve` processes on one migrated database, shared by a module's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.migrations import upgrade
from tests.servers import ServedApi, served_api


@pytest.fixture(scope="module")
def shared_database(fresh_database: Callable[[], str]) -> str:
    url = fresh_database()
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def first(shared_database: str) -> Iterator[ServedApi]:
    with served_api(shared_database) as served:
        yield served


@pytest.fixture(scope="module")
def second(shared_database: str, first: ServedApi) -> Iterator[ServedApi]:
    with served_api(shared_database, key=first.key) as served:
        yield served
