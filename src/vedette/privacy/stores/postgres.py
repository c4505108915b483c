"""Find personal data at rest in PostgreSQL: one table, some tables or a whole database.

Text columns (`text`, `varchar`, `char`, `citext` and domains over them) are scanned value
by value, `json` and `jsonb` columns leaf by leaf with the member name as context. A
finding names schema, table, column, the row's primary key (or `ctid` when the table has
none) and, for JSON, the path inside the document; it carries a masked preview and a keyed
hash, never the value.

The scan is gentle on a production server: read-only transactions, a server-side cursor
(memory stays flat whatever the table size), a statement timeout, a short lock timeout
(a scan never queues behind a migration for long) and an optional sample of rows per
table (`TABLESAMPLE SYSTEM` sized from the planner's row estimate, then `LIMIT`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

if TYPE_CHECKING:
    from vedette.privacy import Engine, Finding

# Base types scanned; `citext` is text with case-insensitive comparison.
TEXT_TYPES = ("text", "varchar", "bpchar", "citext")
JSON_TYPES = ("json", "jsonb")
# A scan should never hold up a schema change for long: it gives up on a lock after this.
LOCK_TIMEOUT_MS = 5000
ROWS_PER_FETCH = 1000
# Sampling reads blocks at random; ask for more than needed, then LIMIT, as blocks vary.
SAMPLE_MARGIN = 2.0
# ...and from at least this many blocks: a sample of 100 rows of a table with 100 rows a
# block would otherwise come from two blocks on average, and from none one time in seven.
MIN_SAMPLED_BLOCKS = 20

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Tables (ordinary and partitioned parents, not their partitions: the parent reads them) with
# their scanned columns, primary key and planner row estimate, in a stable order.
_DISCOVER = """
SELECT n.nspname, c.relname, c.reltuples::float8, c.relpages::float8, a.attname,
       CASE WHEN t.typtype = 'd' THEN b.typname ELSE t.typname END AS base_type,
       ARRAY(SELECT k.attname FROM pg_index i
             JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY (i.indkey)
             WHERE i.indrelid = c.oid AND i.indisprimary
             ORDER BY array_position(i.indkey::int2[], k.attnum)) AS primary_key,
       has_table_privilege(c.oid, 'SELECT') AS readable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type b ON b.oid = t.typbasetype
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
  AND (CASE WHEN t.typtype = 'd' THEN b.typname ELSE t.typname END) = ANY (%s)
ORDER BY n.nspname, c.relname, a.attnum
"""


class DatabaseError(Exception):
    """The scan cannot run (server down, access denied, ...); the message names the database."""


class TableError(Exception):
    """One table could not be read; the scan goes on with the others."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # base type name: text, varchar, bpchar, citext, json, jsonb

    @property
    def is_json(self) -> bool:
        return self.type in JSON_TYPES


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]  # empty: rows are located by ctid
    estimated_rows: float  # planner estimate; negative when never analysed
    estimated_blocks: float = 0.0  # the same, for the table's size in blocks
    readable: bool = True

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class RowFinding:
    """One piece of personal data in one value: where it is and what it looks like, masked."""

    schema: str
    table: str
    column: str
    column_type: str
    key: dict[str, str]  # primary key column -> value (redacted if personal), or {"ctid": ...}
    json_path: str | None  # where in a JSON document; None for text columns
    type: str
    start: int  # character offsets inside the value (or the JSON leaf)
    end: int
    confidence: float
    detector: str
    preview: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TableProblem:
    table: str
    message: str


@dataclass
class Counts:
    """What a scanner has read so far: tables read to the end, rows."""

    tables: int = 0
    rows: int = 0


def describe_dsn(dsn: str) -> str:
    """The connection string without its password, fit for logs, reports and errors."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unparsable connection string)"
    shown = [f"{name}={parts[name]}" for name in ("host", "port", "dbname", "user")
             if parts.get(name)]
    return " ".join(shown) or "(libpq defaults)"


def parse_table_name(text: str) -> tuple[str | None, str]:
    """`schema.table` or `table` (any schema)."""
    schema, _, name = text.rpartition(".")
    if not name:
        raise ValueError(f"{text!r}: not a table name")
    return schema or None, name


class PostgresScanner:
    """A connection to one database, scanning tables for personal data with `engine`."""

    def __init__(self, dsn: str, engine: Engine, sample: int | None = None,
                 timeout: float = 60.0) -> None:
        if sample is not None and sample < 1:
            raise ValueError("sample must be at least 1 row")
        self.engine = engine
        self.sample = sample
        self.where = describe_dsn(dsn)
        self.counts = Counts()
        try:
            self._conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10,
                                         application_name="vedette pii scan-db")
        except psycopg.Error as exc:
            raise DatabaseError(f"{self.where}: cannot connect: {_first_line(exc)}") from exc
        try:
            self._conn.read_only = True  # every transaction begins READ ONLY
            self._conn.execute(
                "SELECT set_config('statement_timeout', %s, false), "
                "set_config('lock_timeout', %s, false)",
                (f"{int(timeout * 1000)}ms", f"{min(LOCK_TIMEOUT_MS, int(timeout * 1000))}ms"))
        except psycopg.Error as exc:
            self._conn.close()
            raise DatabaseError(f"{self.where}: {_first_line(exc)}") from exc

    @property
    def database(self) -> dict[str, str]:
        info = self._conn.info
        return {"host": info.host, "port": str(info.port), "name": info.dbname}

    def tables(self, names: list[str] | None = None) -> list[Table]:
        """The tables to scan: those named (`schema.table` or `table`), else all."""
        try:
            rows = self._conn.execute(_DISCOVER, (list(TEXT_TYPES + JSON_TYPES),)).fetchall()
        except psycopg.Error as exc:
            raise DatabaseError(f"{self.where}: cannot list tables: {_first_line(exc)}") from exc
        found: dict[tuple[str, str], Table] = {}
        for schema, name, estimate, pages, column, base_type, primary_key, readable in rows:
            table = found.get((schema, name))
            columns = (table.columns if table else ()) + (Column(column, base_type),)
            found[(schema, name)] = Table(schema, name, columns, tuple(primary_key), estimate,
                                          pages, readable)
        if not names:
            return list(found.values())
        chosen: list[Table] = []
        for text in names:
            schema, name = parse_table_name(text)
            matches = [t for (s, n), t in found.items()
                       if n == name and (schema is None or s == schema)]
            if not matches:
                raise DatabaseError(f"{self.where}: {text}: no such table, or it has no text, "
                                    "varchar, char, json or jsonb column")
            chosen += [t for t in matches if t not in chosen]
        return chosen

    def scan(self, table: Table) -> Iterator[RowFinding]:
        """Findings in `table`, streamed. Raises TableError if the table cannot be read and
        DatabaseError if the connection is lost."""
        if not table.readable:
            raise TableError(f"{table.qualified}: permission denied (no SELECT privilege)")
        query, params = self._select(table)
        key_width = max(1, len(table.primary_key))
        try:
            with self._conn.transaction(), self._conn.cursor(name="vedette_scan") as cursor:
                cursor.itersize = ROWS_PER_FETCH
                cursor.execute(query, params)
                for row in cursor:
                    self.counts.rows += 1
                    key_values = row[:key_width]
                    for column, value in zip(table.columns, row[key_width:], strict=True):
                        if value is not None:
                            yield from self._value_findings(table, column, key_values, value)
        except psycopg.Error as exc:
            if self._conn.closed or self._conn.broken:
                raise DatabaseError(f"{self.where}: connection lost while reading "
                                    f"{table.qualified}: {_first_line(exc)}") from exc
            raise TableError(f"{table.qualified}: {_first_line(exc)}") from exc
        self.counts.tables += 1

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PostgresScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _select(self, table: Table) -> tuple[sql.Composed, list[Any]]:
        keys = ([sql.SQL("{}::text").format(sql.Identifier(k)) for k in table.primary_key]
                or [sql.SQL("ctid::text")])
        columns = [sql.Identifier(c.name) for c in table.columns]
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(keys + columns), sql.Identifier(table.schema, table.name))
        params: list[Any] = []
        if self.sample is not None:
            share = _sampled_share(self.sample, table)
            if share < 1.0:
                query += sql.SQL(" TABLESAMPLE SYSTEM (%s)")
                params.append(100.0 * share)
            query += sql.SQL(" LIMIT %s")
            params.append(self.sample)
        return query, params

    def _value_findings(self, table: Table, column: Column, key_values: tuple[Any, ...],
                        value: Any) -> Iterator[RowFinding]:
        leaves = _json_leaves(value) if column.is_json else [((), str(value), column.name)]
        key: dict[str, str] | None = None
        for path, text, context in leaves:
            for finding in self.engine.detect(text, context):
                if key is None:
                    key = self._key(table, key_values)
                yield self._finding(table, column, key, path, text, finding)

    def _key(self, table: Table, values: tuple[Any, ...]) -> dict[str, str]:
        if not table.primary_key:
            return {"ctid": values[0]}
        # A primary key may itself be personal data (an email as key): never show it in clear.
        return {name: self.engine.redact(value, name) if value is not None else "NULL"
                for name, value in zip(table.primary_key, values, strict=True)}

    def _finding(self, table: Table, column: Column, key: dict[str, str],
                 path: tuple[str | int, ...] | None, text: str, finding: Finding) -> RowFinding:
        return RowFinding(
            schema=table.schema, table=table.name, column=column.name, column_type=column.type,
            key=key, json_path=self._json_path(path) if column.is_json else None,
            type=finding.type, start=finding.start, end=finding.end,
            confidence=finding.confidence, detector=finding.detector,
            preview=self.engine.preview(text, finding),
            hash=self.engine.fingerprint(text, finding))

    def _json_path(self, path: tuple[str | int, ...] | None) -> str:
        shown = "$"
        for step in path or ():
            if isinstance(step, int):
                shown += f"[{step}]"
                continue
            name = self.engine.redact(step)  # a member name may itself be personal data
            shown += f".{name}" if _IDENTIFIER.match(name) else f"[{json.dumps(name)}]"
        return shown


def _sampled_share(sample: int, table: Table) -> float:
    """The share of a table's blocks to read for a sample of `sample` rows (1: all of it,
    when the table is small or its size unknown)."""
    if table.estimated_rows <= sample * SAMPLE_MARGIN or table.estimated_blocks <= 0:
        return 1.0
    return min(1.0, max(sample * SAMPLE_MARGIN / table.estimated_rows,
                        MIN_SAMPLED_BLOCKS / table.estimated_blocks))


def _json_leaves(document: Any, path: tuple[str | int, ...] = (), context: str | None = None
                 ) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(path, text, member name) of every string or number in a JSON document, and of
    every member name (keys too can be personal data: a map keyed by email)."""
    if isinstance(document, dict):
        for name, item in document.items():
            yield (*path, name), name, None
            yield from _json_leaves(item, (*path, name), name)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from _json_leaves(item, (*path, index), context)
    elif isinstance(document, str):
        yield path, document, context
    elif isinstance(document, int | float) and not isinstance(document, bool):
        yield path, str(document), context


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["Column", "DatabaseError", "PostgresScanner", "RowFinding", "Table", "TableError",
           "TableProblem", "describe_dsn", "parse_table_name"]
