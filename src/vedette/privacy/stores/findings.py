"""Turn a database scan into events and metrics: one finding event per column and entity
type (with a count and a few located samples), one status event per run.

A column that holds a thousand card numbers is one problem to fix, so it is one event
(deduplicated across runs by database, column and type); the individual rows go to the
scan's own output. Severities and controls per entity type are the engine's, shared with
`vedette pii scan`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vedette.events import Event, Host, Metric, Severity
from vedette.privacy.findings import (
    BASE_CONTROLS,
    CATEGORY,
    SOURCE,
    controls_for,
    severity_for,
)
from vedette.privacy.stores.postgres import RowFinding, TableProblem

# Each finding event lists at most this many rows; the count is always complete.
MAX_SAMPLES = 10
MAX_LISTED_PROBLEMS = 100


@dataclass
class ColumnFindings:
    """What one scan found of one entity type in one column."""

    schema: str
    table: str
    column: str
    column_type: str
    type: str
    rows: int = 0
    max_confidence: float = 0.0
    detectors: set[str] = field(default_factory=set)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, finding: RowFinding) -> None:
        self.rows += 1
        self.max_confidence = max(self.max_confidence, finding.confidence)
        self.detectors.add(finding.detector)
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append({"key": finding.key, "json_path": finding.json_path,
                                 "preview": finding.preview, "hash": finding.hash})


class Aggregate:
    """Findings grouped by column and type, in the order they were first seen."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str, str, str], ColumnFindings] = {}
        self.by_type: Counter[str] = Counter()
        self.by_table: Counter[str] = Counter()

    def add(self, finding: RowFinding) -> None:
        group_key = (finding.schema, finding.table, finding.column, finding.type)
        group = self.groups.get(group_key)
        if group is None:
            group = self.groups[group_key] = ColumnFindings(
                finding.schema, finding.table, finding.column, finding.column_type,
                finding.type)
        group.add(finding)
        self.by_type[finding.type] += 1
        self.by_table[f"{finding.schema}.{finding.table}"] += 1

    @property
    def total(self) -> int:
        return sum(self.by_type.values())


def finding_event(group: ColumnFindings, database: dict[str, str], sampled: bool,
                  host: Host) -> Event:
    where = f"{group.schema}.{group.table}.{group.column}"
    return Event(
        host=host, source=SOURCE, kind="finding", category=CATEGORY,
        severity=severity_for(group.type),
        summary=f"{group.type} stored in {where} of database {database['name']!r} "
                f"({group.rows} found{' in a sample' if sampled else ''})",
        dedup_key=f"{host.name}:{SOURCE}:postgres:{database['host']}:{database['port']}:"
                  f"{database['name']}:{where}:{group.type}",
        context={"data_lifecycle_state": "at_rest", "entity_type": group.type,
                 "database": database, "schema": group.schema, "table": group.table,
                 "column": group.column, "column_type": group.column_type,
                 "count": group.rows, "sampled": sampled,
                 "confidence": round(group.max_confidence, 3),
                 "detectors": sorted(group.detectors), "samples": group.samples},
        observables={"database.name": database["name"], "table.name": f"{group.schema}."
                     f"{group.table}", "column.name": group.column},
        controls=controls_for(group.type))


def status_event(aggregate: Aggregate, database: dict[str, str], scope: list[str], tables: int,
                 rows: int, problems: list[TableProblem], sampled: bool, host: Host) -> Event:
    severity = Severity.highest([severity_for(t) for t in aggregate.by_type]) or Severity.INFO
    summary = (f"scanned {tables} tables ({rows} rows{', sampled' if sampled else ''}) of "
               f"database {database['name']!r}: {aggregate.total} personal data findings in "
               f"{len(aggregate.groups)} columns"
               + (f", {len(problems)} tables not read" if problems else ""))
    return Event(
        host=host, source=SOURCE, kind="status", category=CATEGORY, severity=severity,
        summary=summary,
        dedup_key=f"{host.name}:{SOURCE}:postgres:{database['host']}:{database['port']}:"
                  f"{database['name']}:status",
        context={"database": database, "scope": scope, "tables": tables, "rows": rows,
                 "sampled": sampled, "findings": aggregate.total,
                 "columns_with_findings": len(aggregate.groups),
                 "by_type": dict(aggregate.by_type), "by_table": dict(aggregate.by_table),
                 "problems": len(problems),
                 "problem_list": [{"table": p.table, "problem": p.message}
                                  for p in problems[:MAX_LISTED_PROBLEMS]]},
        controls=list(BASE_CONTROLS))


def run_metrics(aggregate: Aggregate, database: dict[str, str], tables: int, rows: int,
                problems: int, seconds: float, host: Host) -> list[Metric]:
    labels = {"host": host.name, **host.labels, "database": database["name"]}
    metrics = [Metric(name="vedette_pii_db_findings", value=count,
                      labels={**labels, "type": entity_type})
               for entity_type, count in sorted(aggregate.by_type.items())]
    metrics += [
        Metric(name="vedette_pii_db_tables_scanned", value=tables, labels=labels),
        Metric(name="vedette_pii_db_rows_scanned", value=rows, labels=labels),
        Metric(name="vedette_pii_db_problems", value=problems, labels=labels),
        Metric(name="vedette_pii_db_scan_duration_seconds", value=seconds, labels=labels),
    ]
    return metrics


__all__ = ["Aggregate", "ColumnFindings", "finding_event", "run_metrics", "status_event"]
