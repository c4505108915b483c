"""Stores to test against: the embedded SQLite file and the real PostgreSQL server (the
`pg_url` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vedette.store import Store, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        location = str(tmp_path / "store.db")
    else:
        location = request.getfixturevalue("pg_url")
    with open_store(location) as store:
        yield store
