"""The embedded store: one SQLite file in WAL mode with a versioned schema."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vedette.events import Event, Metric
from vedette.store.base import (
    PruneCounts,
    RunRecord,
    Store,
    StoreError,
    check_ids,
    event_bodies,
)

# Each entry upgrades the schema by one version; never edit one that has shipped.
# Statements are separated by `;`, which must not appear inside them.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        name TEXT NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        scope TEXT NOT NULL,
        outcome TEXT NOT NULL,
        exit_code INTEGER,
        counts TEXT NOT NULL DEFAULT '{}',
        error TEXT
    );
    CREATE INDEX runs_source_started ON runs (source, started_at);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs (id),
        time TEXT NOT NULL,
        host TEXT NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX events_source_time ON events (source, time);
    CREATE INDEX events_run ON events (run_id);
    CREATE TABLE metrics (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs (id),
        time TEXT NOT NULL,
        name TEXT NOT NULL,
        labels TEXT NOT NULL,
        value REAL NOT NULL,
        type TEXT NOT NULL
    );
    CREATE INDEX metrics_name_time ON metrics (name, time);
    """,
    # Stable delivery ids: the pipeline delivers at least once, the store keeps each once.
    """
    ALTER TABLE events ADD COLUMN uid TEXT;
    CREATE UNIQUE INDEX events_uid ON events (uid);
    ALTER TABLE metrics ADD COLUMN uid TEXT;
    CREATE UNIQUE INDEX metrics_uid ON metrics (uid);
    CREATE INDEX events_time ON events (time);
    CREATE INDEX metrics_time ON metrics (time);
    """,
    # The process that recorded a run, so that a run it could not finish can be closed.
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class SQLiteStore(Store):
    def __init__(self, path: Path, durable: bool = False) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                # Created private before SQLite writes anything into it.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            # A store may be opened by one thread and closed by another (the agent's delivery
            # threads); it is never used by two at once.
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit survives the process being killed, which is what a check's
            # run needs; FULL also survives a power loss, for writers that drop their copy.
            self._db.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a usable Vedette store: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot open store: {exc.strerror or exc}") from exc

    def _migrate(self) -> None:
        # Under a write lock, re-reading the version inside it: two processes opening a
        # fresh store at once must not both create the tables.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: schema version {version} is newer than this "
                                 f"Vedette understands ({SCHEMA_VERSION}); upgrade Vedette")
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def start_run(self, source: str, name: str, host: str, scope: list[str]) -> RunRecord:
        run = RunRecord(id=0, source=source, name=name, host=host,
                        started_at=datetime.now(UTC), scope=scope, pid=os.getpid())
        cursor = self._db.execute(
            "INSERT INTO runs (source, name, host, started_at, scope, outcome, pid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (source, name, host, _iso(run.started_at), json.dumps(scope), run.outcome, run.pid))
        run.id = int(cursor.lastrowid or 0)
        return run

    def finish_run(self, run: RunRecord, outcome: str, exit_code: int,
                   counts: dict[str, Any], error: str | None = None) -> None:
        run.ended_at, run.outcome, run.exit_code = datetime.now(UTC), outcome, exit_code
        run.counts, run.error = counts, error
        self._db.execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, exit_code = ?, counts = ?, error = ? "
            "WHERE id = ?",
            (_iso(run.ended_at), outcome, exit_code, json.dumps(counts), error, run.id))

    def add_events(self, events: Iterable[Event], run: RunRecord | None = None,
                   ids: Sequence[str] | None = None,
                   bodies: Sequence[str] | None = None) -> int:
        run_id = run.id if run else None
        rows = [(run_id, _iso(e.time), e.host.name, e.source, e.kind, e.category,
                 e.severity.value, e.dedup_key, body) for e, body in event_bodies(events, bodies)]
        check_ids(ids, len(rows))
        return self._insert(
            "INSERT INTO events (run_id, time, host, source, kind, category, severity, "
            "dedup_key, body, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (uid) DO NOTHING", rows, ids)

    def add_metrics(self, metrics: Iterable[Metric], run: RunRecord | None = None,
                    ids: Sequence[str] | None = None) -> int:
        run_id = run.id if run else None
        rows = [(run_id, _iso(m.time), m.name, json.dumps(m.labels, sort_keys=True), m.value,
                 m.type.value) for m in metrics]
        check_ids(ids, len(rows))
        return self._insert(
            "INSERT INTO metrics (run_id, time, name, labels, value, type, uid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO NOTHING", rows, ids)

    def _insert(self, sql: str, rows: list[tuple[Any, ...]], ids: Sequence[str] | None) -> int:
        uids: Iterable[str | None] = ids if ids is not None else [None] * len(rows)
        with self._transaction():
            before = self._db.total_changes
            self._db.executemany(sql, [(*row, uid) for row, uid in zip(rows, uids, strict=True)])
            return self._db.total_changes - before

    def prune(self, before: datetime) -> PruneCounts:
        cutoff = _iso(before)
        with self._transaction():
            events = self._db.execute("DELETE FROM events WHERE time < ?", (cutoff,)).rowcount
            metrics = self._db.execute("DELETE FROM metrics WHERE time < ?", (cutoff,)).rowcount
            runs = self._db.execute(
                "DELETE FROM runs WHERE started_at < ? AND ended_at IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM events WHERE run_id = runs.id) "
                "AND NOT EXISTS (SELECT 1 FROM metrics WHERE run_id = runs.id)",
                (cutoff,)).rowcount
        return PruneCounts(events=events, metrics=metrics, runs=runs)

    def runs(self, source: str | None = None, since: datetime | None = None) -> list[RunRecord]:
        sql, params = _where("SELECT * FROM runs", source=source, started_at=since)
        self._db.row_factory = sqlite3.Row
        try:
            rows = self._db.execute(sql + " ORDER BY id", params).fetchall()
        finally:
            self._db.row_factory = None
        return [RunRecord(
            id=row["id"], source=row["source"], name=row["name"], host=row["host"],
            started_at=datetime.fromisoformat(row["started_at"]), scope=json.loads(row["scope"]),
            ended_at=datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None,
            outcome=row["outcome"], exit_code=row["exit_code"], counts=json.loads(row["counts"]),
            error=row["error"], pid=row["pid"]) for row in rows]

    def events(self, source: str | None = None, since: datetime | None = None,
               run_id: int | None = None) -> Iterator[Event]:
        sql, params = _where("SELECT body FROM events", source=source, time=since, run_id=run_id)
        for (body,) in self._db.execute(sql + " ORDER BY id", params):
            yield Event.from_json(body)

    def metrics(self, name: str | None = None, since: datetime | None = None) -> Iterator[Metric]:
        sql, params = _where("SELECT time, name, labels, value, type FROM metrics",
                             name=name, time=since)
        for time, metric_name, labels, value, kind in self._db.execute(sql + " ORDER BY id",
                                                                        params):
            yield Metric(name=metric_name, value=value, labels=json.loads(labels),
                         time=datetime.fromisoformat(time), type=kind)

    def close(self) -> None:
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _where(sql: str, **filters: Any) -> tuple[str, list[Any]]:
    """Append `column = ?` (or `>= ?` for times) for each filter that is set."""
    clauses, params = [], []
    for column, value in filters.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            clauses.append(f"{column} >= ?")
            params.append(_iso(value))
        else:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (sql + " WHERE " + " AND ".join(clauses) if clauses else sql), params


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
