"""The PostgreSQL store against the real server: schema versions, errors, batches, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.conftest import PG_SERVER
from vedette.events import Event, Host
from vedette.store import StoreError, open_store
from vedette.store import postgres as pg_store
from vedette.store.base import shown_url
from vedette.store.postgres import MIGRATIONS, PostgresStore, split_schema


def _schema_of(url: str) -> str:
    return url.rsplit("schema=", 1)[1]


def _version(url: str) -> int:
    with psycopg.connect(PG_SERVER) as conn:
        return conn.execute(f'SELECT version FROM "{_schema_of(url)}".vedette_schema').fetchone()[0]


def test_open_store_url_creates_the_schema_with_versioned_tables(pg_url: str) -> None:
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        store.start_run("fim", "check", "h1", [])
    assert _version(pg_url) == len(MIGRATIONS) == pg_store.SCHEMA_VERSION
    with open_store(pg_url) as store:  # reopening does not re-run migration 1
        assert len(store.runs()) == 1


def test_only_new_migrations_run_on_upgrade(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(pg_url).close()
    upgraded = [*MIGRATIONS, "CREATE TABLE extra (x INTEGER)"]
    monkeypatch.setattr(pg_store, "MIGRATIONS", upgraded)
    monkeypatch.setattr(pg_store, "SCHEMA_VERSION", len(upgraded))
    open_store(pg_url).close()
    assert _version(pg_url) == len(upgraded)


def test_a_failing_migration_leaves_nothing_behind(pg_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    broken = [MIGRATIONS[0] + "; CREATE TABLE runs (x INTEGER)"]
    monkeypatch.setattr(pg_store, "MIGRATIONS", broken)
    with pytest.raises(StoreError, match="already exists"):
        open_store(pg_url)
    with psycopg.connect(PG_SERVER) as conn:
        tables = conn.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_schema = %s", (_schema_of(pg_url),)).fetchone()[0]
    assert tables == 0


def test_newer_schema_is_refused(pg_url: str) -> None:
    open_store(pg_url).close()
    with psycopg.connect(PG_SERVER) as conn:
        conn.execute(f'UPDATE "{_schema_of(pg_url)}".vedette_schema SET version = 99')
    with pytest.raises(StoreError, match="newer"):
        open_store(pg_url)


def test_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://vedette:s3cret@127.0.0.1:1/vedette")
    message = str(caught.value)
    assert "cannot connect" in message and "127.0.0.1:1" in message
    assert "s3cret" not in message and "***" in message


def test_url_helpers() -> None:
    assert shown_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert split_schema("postgresql://h/db?sslmode=disable&schema=s1") == (
        "postgresql://h/db?sslmode=disable", "s1")
    with pytest.raises(StoreError, match="identifier"):
        split_schema('postgresql://h/db?schema=x";drop')


def test_large_batches_go_in_one_copy(pg_url: str) -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    events = [Event(time=t0 + timedelta(seconds=n), host=Host(name="h"), source="fim",
                    kind="activity", category="file_system_activity", summary=f"e{n}",
                    dedup_key=f"k{n}") for n in range(5000)]
    with open_store(pg_url) as store:
        assert store.add_events(events, ids=[f"id{n}" for n in range(5000)]) == 5000
        assert store.add_events(events[:10], ids=[f"id{n}" for n in range(10)]) == 0
        assert [e.summary for e in store.events()][::1000] == ["e0", "e1000", "e2000", "e3000",
                                                               "e4000"]


def test_agents_opening_a_fresh_schema_at_once_all_succeed(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_record() -> None:
        try:
            with open_store(pg_url) as store:
                store.start_run("fim", "check", "h", [])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_record) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_store(pg_url) as store:
        assert len(store.runs()) == 6
