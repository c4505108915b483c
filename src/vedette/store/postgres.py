"""The production store: PostgreSQL, same semantics as the SQLite store, batched writes.

A URL may carry `schema=NAME` (not a libpq parameter: it is taken out before connecting):
Vedette then creates that schema if needed and keeps its tables there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from vedette.events import Event, Metric
from vedette.store.base import (
    PruneCounts,
    RunRecord,
    Store,
    StoreError,
    check_ids,
    event_bodies,
    shown_url,
)

# Each entry upgrades the schema by one version; never edit one that has shipped.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id BIGSERIAL PRIMARY KEY,
        source TEXT NOT NULL,
        name TEXT NOT NULL,
        host TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        ended_at TIMESTAMPTZ,
        scope JSONB NOT NULL,
        outcome TEXT NOT NULL,
        exit_code INTEGER,
        counts JSONB NOT NULL DEFAULT '{}',
        error TEXT
    );
    CREATE INDEX runs_source_started ON runs (source, started_at);
    CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        uid TEXT UNIQUE,
        run_id BIGINT REFERENCES runs (id),
        time TIMESTAMPTZ NOT NULL,
        host TEXT NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        body JSONB NOT NULL
    );
    CREATE INDEX events_source_time ON events (source, time);
    CREATE INDEX events_time ON events (time);
    CREATE INDEX events_run ON events (run_id);
    CREATE TABLE metrics (
        id BIGSERIAL PRIMARY KEY,
        uid TEXT UNIQUE,
        run_id BIGINT REFERENCES runs (id),
        time TIMESTAMPTZ NOT NULL,
        name TEXT NOT NULL,
        labels JSONB NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        type TEXT NOT NULL
    );
    CREATE INDEX metrics_name_time ON metrics (name, time);
    CREATE INDEX metrics_time ON metrics (time);
    """,
    # The process that recorded a run, so that a run it could not finish can be closed.
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_EVENT_COLUMNS = ("uid", "run_id", "time", "host", "source", "kind", "category", "severity",
                  "dedup_key", "body")
_METRIC_COLUMNS = ("uid", "run_id", "time", "name", "labels", "value", "type")


def split_schema(url: str) -> tuple[str, str | None]:
    """Take Vedette's own `schema=` parameter out of a PostgreSQL URL."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((value for key, value in query if key == "schema"), None)
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise StoreError(f"{shown_url(url)}: schema={schema!r} is not a plain SQL identifier")
    rest = urlencode([(key, value) for key, value in query if key != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        self.url = shown_url(url)
        conninfo, self.schema = split_schema(url)
        try:
            self._db = psycopg.connect(conninfo, autocommit=True, connect_timeout=10,
                                       application_name="vedette")
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL store {self.url}: cannot connect: "
                             f"{str(exc).strip()}") from exc
        try:
            self._migrate()
        except psycopg.Error as exc:
            self._db.close()
            raise StoreError(f"PostgreSQL store {self.url}: {str(exc).strip()}") from exc
        except BaseException:
            self._db.close()
            raise

    def _migrate(self) -> None:
        # One transaction under an advisory lock: two agents starting on a fresh database
        # must not both create the tables, and a failed migration leaves nothing behind.
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                             (f"vedette:{self.schema or ''}",))
            if self.schema:
                self._db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    sql.Identifier(self.schema)))
                self._db.execute(sql.SQL("SET search_path TO {}").format(
                    sql.Identifier(self.schema)))
            self._db.execute("CREATE TABLE IF NOT EXISTS vedette_schema (version INTEGER "
                             "NOT NULL)")
            row = self._db.execute("SELECT version FROM vedette_schema").fetchone()
            version = row[0] if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(f"PostgreSQL store {self.url}: schema version {version} is "
                                 f"newer than this Vedette understands ({SCHEMA_VERSION}); "
                                 "upgrade Vedette")
            for number in range(version, SCHEMA_VERSION):
                self._db.execute(MIGRATIONS[number])  # type: ignore[arg-type]
            if row is None:
                self._db.execute("INSERT INTO vedette_schema VALUES (%s)", (SCHEMA_VERSION,))
            elif version != SCHEMA_VERSION:
                self._db.execute("UPDATE vedette_schema SET version = %s", (SCHEMA_VERSION,))

    def start_run(self, source: str, name: str, host: str, scope: list[str]) -> RunRecord:
        pid = os.getpid()
        (run_id, started_at), = self._db.execute(
            "INSERT INTO runs (source, name, host, started_at, scope, outcome, pid) "
            "VALUES (%s, %s, %s, now(), %s, 'running', %s) RETURNING id, started_at",
            (source, name, host, Jsonb(scope), pid)).fetchall()
        return RunRecord(id=run_id, source=source, name=name, host=host,
                         started_at=started_at, scope=scope, pid=pid)

    def finish_run(self, run: RunRecord, outcome: str, exit_code: int,
                   counts: dict[str, Any], error: str | None = None) -> None:
        (ended_at,), = self._db.execute(
            "UPDATE runs SET ended_at = now(), outcome = %s, exit_code = %s, counts = %s, "
            "error = %s WHERE id = %s RETURNING ended_at",
            (outcome, exit_code, Jsonb(counts), error, run.id)).fetchall()
        run.ended_at, run.outcome, run.exit_code = ended_at, outcome, exit_code
        run.counts, run.error = counts, error

    def add_events(self, events: Iterable[Event], run: RunRecord | None = None,
                   ids: Sequence[str] | None = None,
                   bodies: Sequence[str] | None = None) -> int:
        run_id = run.id if run else None
        rows = [(run_id, e.time, e.host.name, e.source, e.kind, e.category, e.severity.value,
                 e.dedup_key, body) for e, body in event_bodies(events, bodies)]
        check_ids(ids, len(rows))
        return self._copy("events", _EVENT_COLUMNS, rows, ids)

    def add_metrics(self, metrics: Iterable[Metric], run: RunRecord | None = None,
                    ids: Sequence[str] | None = None) -> int:
        run_id = run.id if run else None
        rows = [(run_id, m.time, m.name, json.dumps(m.labels, sort_keys=True), m.value,
                 m.type.value) for m in metrics]
        check_ids(ids, len(rows))
        return self._copy("metrics", _METRIC_COLUMNS, rows, ids)

    def _copy(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
              ids: Sequence[str] | None) -> int:
        """COPY the rows into a staging table, then insert the ones whose id is new: the
        speed of COPY with the de-duplication of ON CONFLICT, in one transaction."""
        if not rows:
            return 0
        uids: Iterable[str | None] = ids if ids is not None else [None] * len(rows)
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        with self._db.transaction(), self._db.cursor() as cursor:
            cursor.execute(sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {staging} "
                "(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS").format(
                staging=sql.Identifier(f"staging_{table}"), table=sql.Identifier(table)))
            with cursor.copy(sql.SQL("COPY {staging} ({names}) FROM STDIN").format(
                    staging=sql.Identifier(f"staging_{table}"), names=names)) as copy:
                for uid, row in zip(uids, rows, strict=True):
                    copy.write_row((uid, *row))
            cursor.execute(sql.SQL(
                "INSERT INTO {table} ({names}) SELECT {names} FROM {staging} ORDER BY id "
                "ON CONFLICT (uid) DO NOTHING").format(
                table=sql.Identifier(table), names=names,
                staging=sql.Identifier(f"staging_{table}")))
            return cursor.rowcount

    def prune(self, before: datetime) -> PruneCounts:
        with self._db.transaction():
            events = self._db.execute("DELETE FROM events WHERE time < %s", (before,)).rowcount
            metrics = self._db.execute("DELETE FROM metrics WHERE time < %s",
                                       (before,)).rowcount
            runs = self._db.execute(
                "DELETE FROM runs WHERE started_at < %s AND ended_at IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM events WHERE run_id = runs.id) "
                "AND NOT EXISTS (SELECT 1 FROM metrics WHERE run_id = runs.id)",
                (before,)).rowcount
        return PruneCounts(events=events, metrics=metrics, runs=runs)

    def runs(self, source: str | None = None, since: datetime | None = None) -> list[RunRecord]:
        query, params = _where("SELECT id, source, name, host, started_at, scope, ended_at, "
                               "outcome, exit_code, counts, error, pid FROM runs",
                               source=source, started_at=since)
        rows = self._db.execute(query + " ORDER BY id", params).fetchall()  # type: ignore[arg-type]
        return [RunRecord(id=r[0], source=r[1], name=r[2], host=r[3], started_at=r[4],
                          scope=r[5], ended_at=r[6], outcome=r[7], exit_code=r[8],
                          counts=r[9], error=r[10], pid=r[11]) for r in rows]

    def events(self, source: str | None = None, since: datetime | None = None,
               run_id: int | None = None) -> Iterator[Event]:
        query, params = _where("SELECT body FROM events", source=source, time=since,
                               run_id=run_id)
        with self._db.cursor() as cursor:
            cursor.execute(query + " ORDER BY id", params)  # type: ignore[arg-type]
            for (body,) in cursor:
                yield Event.model_validate(body)

    def metrics(self, name: str | None = None, since: datetime | None = None) -> Iterator[Metric]:
        query, params = _where("SELECT time, name, labels, value, type FROM metrics",
                               name=name, time=since)
        with self._db.cursor() as cursor:
            cursor.execute(query + " ORDER BY id", params)  # type: ignore[arg-type]
            for time, metric_name, labels, value, kind in cursor:
                yield Metric(name=metric_name, value=value, labels=labels, time=time, type=kind)

    def close(self) -> None:
        self._db.close()


def _where(query: str, **filters: Any) -> tuple[str, list[Any]]:
    """Append `column = %s` (or `>= %s` for times) for each filter that is set."""
    clauses, params = [], []
    for column, value in filters.items():
        if value is None:
            continue
        clauses.append(f"{column} >= %s" if isinstance(value, datetime) else f"{column} = %s")
        params.append(value)
    return (query + " WHERE " + " AND ".join(clauses) if clauses else query), params
