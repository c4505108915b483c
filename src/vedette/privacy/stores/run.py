"""`scan-db` end to end: scan a database, stream the findings, record the run.

The run is recorded in the store whatever happens (start, scope, outcome, counts), because
auditors need proof that the control operated, not only its findings. Exit codes follow the
Nagios contract: 0 nothing found, 1 personal data found, 3 could not run — which includes a
scan that found nothing but could not read every table, since it cannot vouch for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vedette.events import Event, Host, Metric
from vedette.privacy.findings import SOURCE
from vedette.privacy.stores.findings import Aggregate, finding_event, run_metrics, status_event
from vedette.privacy.stores.postgres import (
    DatabaseError,
    PostgresScanner,
    RowFinding,
    TableError,
    TableProblem,
    describe_dsn,
)
from vedette.status import OK, UNKNOWN, WARNING
from vedette.store.runs import RecordedRun

if TYPE_CHECKING:
    from vedette.privacy import Engine
    from vedette.store import Store

FOUND = WARNING  # personal data found: exit 1, what a CI gate fails on


@dataclass
class DbScanResult:
    database: dict[str, str]
    tables: int
    rows: int
    aggregate: Aggregate
    problems: list[TableProblem]
    findings: list[Event]
    status: Event
    metrics: list[Metric]
    exit_code: int
    seconds: float

    @property
    def events(self) -> list[Event]:
        return [*self.findings, self.status]


def scan_database(dsn: str, engine: Engine, host: Host, store: Store | None = None,
                  tables: list[str] | None = None, sample: int | None = None,
                  timeout: float = 60.0,
                  on_finding: Callable[[RowFinding], None] | None = None) -> DbScanResult:
    """Scan `tables` (default: every table) of the database at `dsn`.

    Each finding is passed to `on_finding` as soon as it is found. Raises DatabaseError if
    the scan cannot run; tables that cannot be read are listed as problems.
    """
    started = time.monotonic()
    scope = [describe_dsn(dsn), *(tables or ["(all tables)"])]
    with RecordedRun(store, SOURCE, "scan-db", host.name, scope) as run:
        result = _scan(dsn, engine, host, tables, sample, timeout, on_finding, scope, started)
        run.finish({OK: "ok", FOUND: "found"}.get(result.exit_code, "incomplete"),
                   result.exit_code, {"tables": result.tables, "rows": result.rows,
                                      "findings": result.aggregate.total,
                                      "by_type": dict(result.aggregate.by_type),
                                      "problems": len(result.problems)},
                   result.events, result.metrics)
    return result


def _scan(dsn: str, engine: Engine, host: Host, tables: list[str] | None, sample: int | None,
          timeout: float, on_finding: Callable[[RowFinding], None] | None, scope: list[str],
          started: float) -> DbScanResult:
    aggregate = Aggregate()
    problems: list[TableProblem] = []
    with PostgresScanner(dsn, engine, sample, timeout) as scanner:
        database = scanner.database
        for table in scanner.tables(tables):
            try:
                for finding in scanner.scan(table):
                    aggregate.add(finding)
                    if on_finding is not None:
                        on_finding(finding)
            except TableError as exc:
                problems.append(TableProblem(table.qualified, str(exc)))
        counts = scanner.counts
    sampled = sample is not None
    seconds = time.monotonic() - started
    if aggregate.total:
        exit_code = FOUND
    elif problems:
        exit_code = UNKNOWN
    else:
        exit_code = OK
    return DbScanResult(
        database=database, tables=counts.tables, rows=counts.rows, aggregate=aggregate,
        problems=problems,
        findings=[finding_event(group, database, sampled, host)
                  for group in aggregate.groups.values()],
        status=status_event(aggregate, database, scope, counts.tables, counts.rows, problems,
                            sampled, host),
        metrics=run_metrics(aggregate, database, counts.tables, counts.rows, len(problems),
                            seconds, host),
        exit_code=exit_code, seconds=seconds)


__all__ = ["FOUND", "OK", "UNKNOWN", "DatabaseError", "DbScanResult", "scan_database"]
