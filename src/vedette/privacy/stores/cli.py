"""`vedette pii scan-db`: find personal data stored in a PostgreSQL database.

`scan_db` is a Typer command function; the `pii` command group registers it. Heavy imports
(psycopg, the engine) happen inside it, so the rest of the CLI starts fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vedette.cli.context import UNKNOWN, StoreOpt, fail, state, stderr

if TYPE_CHECKING:
    from vedette.privacy.stores.postgres import RowFinding
    from vedette.privacy.stores.run import DbScanResult


# The `pii` group's options, defined again here: importing `vedette.cli.pii` at load time
# would make the two modules import each other.
PolicyOpt = Annotated[Path | None, typer.Option(
    "--policy", help="Privacy policy YAML.", show_default="the shipped policy")]
RegionOpt = Annotated[str | None, typer.Option(
    "--region", help="Apply this region's overrides from the policy.", show_default=False)]
KeyOpt = Annotated[Path | None, typer.Option(
    "--key", help="Deployment key file for keyed hashes and pseudonyms (created 0600 if "
                  "missing).", show_default="privacy.key in the data directory")]


class Format(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


def scan_db(
    dsn: Annotated[str, typer.Argument(
        help="libpq connection string or URL, e.g. 'host=db1 dbname=shop user=auditor' or "
             "postgresql://auditor@db1/shop. Keep passwords out of it: use PGPASSWORD or "
             "~/.pgpass.", show_default=False)],
    table: Annotated[list[str] | None, typer.Option(
        "--table", help="Scan only this table (schema.table, or table in any schema); "
                        "repeatable.", show_default="every table")] = None,
    sample: Annotated[int | None, typer.Option(
        "--sample", min=1, help="Read at most N rows per table, spread over the table.",
        show_default="every row")] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TEXT,
    policy: PolicyOpt = None,
    region: RegionOpt = None,
    key: KeyOpt = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, help="Statement timeout on the server, in seconds.")] = 60.0,
    store: StoreOpt = None,
) -> None:
    """Scan text, varchar, char and json(b) columns of a PostgreSQL database for personal data.

    Reports schema, table, column and primary key of each finding with a masked preview
    and a keyed hash, never the value. Exit codes: 0 nothing found, 1 personal data found,
    3 could not run (or some tables could not be read and nothing was found elsewhere).
    """
    from vedette.cli.pii import load_engine
    from vedette.privacy.stores.run import DatabaseError, scan_database
    from vedette.store import StoreError

    engine = load_engine(policy, region, key)
    show = _print_jsonl if output is Format.JSONL else _print_text
    try:
        with state.store(store) as events:
            result = scan_database(dsn, engine, state.host(), events, table or None, sample,
                                   timeout, on_finding=show)
    except (DatabaseError, StoreError) as exc:
        fail(str(exc))
    if output is Format.JSONL:
        print(json.dumps({"summary": _summary(result)}), flush=True)
    else:
        _print_text_summary(result)
    sys.exit(result.exit_code)


def _print_jsonl(finding: RowFinding) -> None:
    print(json.dumps(finding.to_dict()), flush=True)


def _print_text(finding: RowFinding) -> None:
    key = ",".join(f"{name}={value}" for name, value in finding.key.items())
    where = f"{finding.schema}.{finding.table}.{finding.column}"
    if finding.json_path:
        where += f" {finding.json_path}"
    print(f"{where} [{key}] {finding.type} {finding.confidence:.2f} {finding.preview} "
          f"{finding.hash}", flush=True)


def _summary(result: DbScanResult) -> dict[str, object]:
    return {"database": result.database, "tables": result.tables, "rows": result.rows,
            "findings": result.aggregate.total, "by_type": dict(result.aggregate.by_type),
            "by_table": dict(result.aggregate.by_table),
            "problems": [{"table": p.table, "problem": p.message} for p in result.problems],
            "exit_code": result.exit_code, "seconds": round(result.seconds, 3)}


def _print_text_summary(result: DbScanResult) -> None:
    for problem in result.problems:
        stderr.print(f"warning: {problem.message}", highlight=False, markup=False)
    print(result.status.summary)
    for entity_type, count in sorted(result.aggregate.by_type.items()):
        print(f"  {entity_type}: {count}")
    if result.exit_code == UNKNOWN:
        stderr.print("vedette: some tables could not be read; nothing can be said about them",
                     highlight=False, markup=False)


__all__ = ["Format", "scan_db"]
