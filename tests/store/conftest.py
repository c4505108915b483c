"""Stores to test against: the embedded SQLite file and the real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from vedette.store import Store, open_store

# The PostgreSQL server the tests use; each test gets a schema of its own, dropped after.
PG_SERVER = os.environ.get("VEDETTE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
_numbers = itertools.count()


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema = f"vedette_test_{os.getpid()}_{next(_numbers)}"
    yield f"{PG_SERVER}?schema={schema}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        location = str(tmp_path / "store.db")
    else:
        location = request.getfixturevalue("pg_url")
    with open_store(location) as store:
        yield store
