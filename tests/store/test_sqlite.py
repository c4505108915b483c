"""The embedded SQLite store: schema, runs, events, metrics, atomicity and refusals."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vedette.events import Event, Host, Metric, MetricType, Severity
from vedette.store import Store, StoreError, open_store
from vedette.store import sqlite as sqlite_store
from vedette.store.sqlite import MIGRATIONS, SQLiteStore

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def event(n: int, source: str = "fim", time: datetime | None = None) -> Event:
    return Event(time=time or T0 + timedelta(minutes=n), host=Host(name="h1"), source=source,
                 kind="finding", category="file_system_activity", severity=Severity.HIGH,
                 summary=f"event {n}", dedup_key=f"h1:{source}:{n}",
                 context={"n": n, "path": f"/etc/{n}"}, observables={"file.path": f"/etc/{n}"},
                 controls=["pci_dss:11.5.2"])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.db") as opened:
        yield opened


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


# --- the file ---------------------------------------------------------------------------

def test_wal_mode_schema_version_and_private_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "store.db"
    with open_store(path) as store:
        store.start_run("fim", "check", "h1", ["/etc"])
        assert _pragma(path, "journal_mode") == "wal"
        assert _pragma(path, "user_version") == len(MIGRATIONS) == sqlite_store.SCHEMA_VERSION
        for name in ("store.db", "store.db-wal", "store.db-shm"):
            assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name


def test_reopen_keeps_data_and_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with open_store(path) as store:
        run = store.start_run("fim", "check", "h1", ["/etc"])
        store.add_events([event(1)], run)
    with open_store(path) as store:  # re-running migration 1 would fail: tables exist
        assert [r.id for r in store.runs()] == [run.id]
        assert [e.summary for e in store.events()] == ["event 1"]
    assert _pragma(path, "user_version") == len(MIGRATIONS)


def test_only_new_migrations_run_on_upgrade(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.db"
    with open_store(path) as store:
        store.add_events([event(1)])
    upgraded = [*MIGRATIONS, "CREATE TABLE extra (x INTEGER)"]
    monkeypatch.setattr(sqlite_store, "MIGRATIONS", upgraded)
    monkeypatch.setattr(sqlite_store, "SCHEMA_VERSION", len(upgraded))
    with open_store(path) as store:
        assert [e.summary for e in store.events()] == ["event 1"]
    assert _pragma(path, "user_version") == len(upgraded)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM extra").fetchone()[0] == 0
    finally:
        conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer") as caught:
        open_store(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("content", [b"this is not a database\n" * 200,
                                     b"SQLite format 3\x00" + b"\xff" * 2000])
def test_non_sqlite_file_is_refused_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        open_store(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content  # and left alone


def test_open_store_urls(tmp_path: Path) -> None:
    path = tmp_path / "url" / "store.db"
    with open_store(f"sqlite:///{path}") as store:
        assert isinstance(store, SQLiteStore)
        store.add_events([event(1)])
    assert path.is_file()
    with open_store(path) as store:
        assert len(list(store.events())) == 1
    for url in ("postgresql://vedette@db/vedette", "postgres://db/vedette"):
        with pytest.raises(StoreError, match="PostgreSQL"):
            open_store(url)


# --- runs -----------------------------------------------------------------------------------

def test_runs_record_start_finish_outcome_and_counts(store: Store) -> None:
    before = datetime.now(UTC)
    run = store.start_run("fim", "check", "h1", ["/etc", "/usr/bin"])
    assert run.id > 0 and run.outcome == "running" and run.ended_at is None
    (stored,) = store.runs()
    assert (stored.id, stored.source, stored.name, stored.host) == (run.id, "fim", "check", "h1")
    assert stored.scope == ["/etc", "/usr/bin"]
    assert stored.outcome == "running" and stored.ended_at is None and stored.exit_code is None
    assert before - timedelta(seconds=1) <= stored.started_at <= datetime.now(UTC)
    store.finish_run(run, "changes", 2, {"scanned": 10, "by_severity": {"high": 1}},
                     error=None)
    (stored,) = store.runs()
    assert stored.outcome == "changes" and stored.exit_code == 2
    assert stored.counts == {"scanned": 10, "by_severity": {"high": 1}}
    assert stored.ended_at is not None and stored.ended_at >= stored.started_at
    assert stored.error is None
    failed = store.start_run("fim", "init", "h1", [])
    store.finish_run(failed, "error", 3, {}, error="/x: cannot read")
    assert store.runs()[-1].error == "/x: cannot read"


def test_runs_filters(store: Store) -> None:
    first = store.start_run("fim", "init", "h1", [])
    second = store.start_run("pii", "scan", "h1", [])
    assert [r.id for r in store.runs(source="fim")] == [first.id]
    assert [r.id for r in store.runs(source="pii")] == [second.id]
    assert [r.id for r in store.runs()] == [first.id, second.id]
    assert store.runs(since=datetime.now(UTC) + timedelta(hours=1)) == []
    assert len(store.runs(since=datetime.now(UTC) - timedelta(hours=1))) == 2


# --- events -----------------------------------------------------------------------------------

def test_events_round_trip_exactly(store: Store) -> None:
    originals = [event(n) for n in range(5)]
    assert store.add_events(originals) == 5
    assert list(store.events()) == originals
    assert store.add_events([]) == 0


def test_events_filters(store: Store) -> None:
    run_a = store.start_run("fim", "check", "h1", [])
    run_b = store.start_run("fim", "check", "h1", [])
    store.add_events([event(1), event(2)], run_a)
    store.add_events([event(3, source="pii"), event(4)], run_b)
    store.add_events([event(5)])
    assert [e.context["n"] for e in store.events(source="fim")] == [1, 2, 4, 5]
    assert [e.context["n"] for e in store.events(source="pii")] == [3]
    assert [e.context["n"] for e in store.events(run_id=run_a.id)] == [1, 2]
    assert [e.context["n"] for e in store.events(run_id=run_b.id)] == [3, 4]
    assert [e.context["n"] for e in store.events(since=T0 + timedelta(minutes=3))] == [3, 4, 5]
    assert [e.context["n"] for e in
            store.events(source="fim", since=T0 + timedelta(minutes=2), run_id=run_b.id)] == [4]


def test_events_since_compares_instants_across_time_zones(store: Store) -> None:
    paris = datetime(2024, 3, 1, 14, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    store.add_events([event(1, time=T0), event(2, time=T0 + timedelta(seconds=1, microseconds=5)),
                      event(3, time=paris)])
    # 13:00 Paris is 12:00 UTC: the first event is at exactly that instant.
    since = datetime(2024, 3, 1, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert [e.context["n"] for e in store.events(since=since)] == [1, 2, 3]
    assert [e.context["n"] for e in store.events(since=T0 + timedelta(microseconds=1))] == [2, 3]
    assert [e.context["n"] for e in store.events(since=T0 + timedelta(minutes=30))] == [3]


def test_add_events_is_atomic_when_the_input_fails_halfway(store: Store) -> None:
    store.add_events([event(0)])

    def failing() -> Iterator[Event]:
        yield event(1)
        yield event(2)
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        store.add_events(failing())
    assert [e.context["n"] for e in store.events()] == [0]


def test_add_events_is_atomic_when_an_insert_fails_midway(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with open_store(path) as store:
        store.add_events([event(0)])
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.dedup_key = 'h1:fim:3' "
                 "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    conn.commit()
    conn.close()
    with open_store(path) as store:
        with pytest.raises(sqlite3.DatabaseError, match="refused"):
            store.add_events([event(n) for n in range(1, 6)])
        assert [e.context["n"] for e in store.events()] == [0]
        # The connection is usable afterwards: no transaction left open.
        assert store.add_events([event(7)]) == 1
        assert [e.context["n"] for e in store.events()] == [0, 7]


# --- metrics ----------------------------------------------------------------------------------

def metric(name: str, value: float, minutes: int, **labels: str) -> Metric:
    return Metric(name=name, value=value, labels=labels, time=T0 + timedelta(minutes=minutes),
                  type=MetricType.COUNTER if name.endswith("_total") else MetricType.GAUGE)


def test_metrics_round_trip_and_filters(store: Store) -> None:
    run = store.start_run("fim", "check", "h1", [])
    samples = [metric("vedette_fim_changes", 2, 0, severity="high", host="h1"),
               metric("vedette_fim_files_scanned", 1234, 1, host="h1"),
               metric("vedette_fim_runs_total", 1, 2),
               metric("vedette_fim_changes", 0.5, 3, severity="low", host="h1")]
    assert store.add_metrics(samples, run) == 4
    assert list(store.metrics()) == samples
    got = list(store.metrics(name="vedette_fim_changes"))
    assert [(m.value, m.labels["severity"]) for m in got] == [(2, "high"), (0.5, "low")]
    assert [m.type for m in store.metrics(name="vedette_fim_runs_total")] == [MetricType.COUNTER]
    assert [m.name for m in store.metrics(since=T0 + timedelta(minutes=2))] == [
        "vedette_fim_runs_total", "vedette_fim_changes"]
    assert list(store.metrics(name="nothing")) == []


def test_add_metrics_is_atomic(store: Store) -> None:
    def failing() -> Iterator[Metric]:
        yield metric("a", 1, 0)
        raise OSError("gone")

    with pytest.raises(OSError, match="gone"):
        store.add_metrics(failing())
    assert list(store.metrics()) == []


def _open_and_record(path: str) -> int:
    with open_store(path) as store:
        return store.start_run("fim", "check", "h", []).id


def test_processes_opening_a_fresh_store_at_once_all_succeed(tmp_path: Path) -> None:
    import multiprocessing

    target = str(tmp_path / "fresh.db")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_open_and_record, [target] * 12)
    assert sorted(ids) == list(range(1, 13))


def test_a_durable_store_syncs_every_commit(tmp_path: Path) -> None:
    """The agent's store sink drops its spooled copy once the store has the events: the
    commit must survive a power loss, not only the process (SQLite's synchronous FULL = 2)."""
    from vedette.store.sqlite import SQLiteStore

    with open_store(tmp_path / "a.db", durable=True) as durable, \
            open_store(tmp_path / "b.db") as default:
        assert isinstance(durable, SQLiteStore) and isinstance(default, SQLiteStore)
        assert durable._db.execute("PRAGMA synchronous").fetchone() == (2,)
        assert default._db.execute("PRAGMA synchronous").fetchone() == (1,)
