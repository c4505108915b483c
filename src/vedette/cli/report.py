"""`vedette report`: Security and privacy reports mapped to regulation controls."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vedette.cli.context import fail, state, stdout

app = typer.Typer(help="Security and privacy reports mapped to regulation controls.",
                  no_args_is_help=True)


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"
    JSON = "json"
    CSV = "csv"


def split_list(values: list[str] | None) -> list[str]:
    """`--x a,b --x c` → [a, b, c]."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def parse_moment(text: str, option: str) -> datetime:
    """An ISO 8601 date-time; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r}: expected an ISO 8601 date-time, e.g. 2026-11-03T14:00Z")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.callback(invoke_without_command=True)
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (a folder for csv).",
                                      show_default=False)],
    period: Annotated[str | None, typer.Option(
        "--period", help="A month, YYYY-MM.", show_default="the previous month")] = None,
    first: Annotated[str | None, typer.Option(
        "--from", help="First day, YYYY-MM-DD (with --to).", show_default=False)] = None,
    last: Annotated[str | None, typer.Option(
        "--to", help="Last day, YYYY-MM-DD, included.", show_default=False)] = None,
    hosts: Annotated[list[str] | None, typer.Option(
        "--hosts", help="Hosts in scope, comma-separated.",
        show_default="every host known to the store")] = None,
    pipelines: Annotated[list[str] | None, typer.Option(
        "--pipelines", help="Pipelines that must report, as HOST:SOURCE (fim, auth, drift, "
        "privacy), comma-separated.", show_default="those the store has seen")] = None,
    scope_file: Annotated[Path | None, typer.Option(
        "--scope", help="Scope file (YAML): hosts, pipelines, lookback, cardholder-data "
        "environment.", show_default=False)] = None,
    lookback: Annotated[int | None, typer.Option(
        "--lookback", min=0, help="Days before the period in which a pipeline seen is "
        "expected to report.", show_default="30")] = None,
    framework: Annotated[list[str] | None, typer.Option(
        "--framework", help="pci-dss, gdpr, ccpa, lgpd, ndb, hipaa, soc2, iso27001 "
        "(comma-separated).", show_default="all")] = None,
    output: Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
        = Format.HTML,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Judge gaps and clocks as of this ISO date-time.",
        show_default="now")] = None,
    store_path: Annotated[str | None, typer.Option(
        "--store", help="Event store to read: a SQLite file or a postgresql:// URL.",
        show_default="the configured store")] = None,
) -> None:
    """Build a report for a period from the store: HTML, PDF, JSON, or CSV populations."""
    from vedette.config import ConfigError
    from vedette.report import frameworks, render
    from vedette.report import period as periods
    from vedette.report import scope as scopes
    from vedette.report.collect import collect
    from vedette.report.incidents import IncidentError
    from vedette.store import StoreError

    now = parse_moment(as_of, "--as-of") if as_of else datetime.now(UTC)
    try:
        if period and (first or last):
            fail("give either --period or --from/--to, not both")
        if bool(first) != bool(last):
            fail("--from and --to go together")
        chosen = (periods.month(period) if period else
                  periods.between(first, last) if first and last else
                  periods.previous_month(now))
        selected = frameworks.select(split_list(framework))
        scope = (scopes.load(scope_file) if scope_file else scopes.Scope()).with_options(
            split_list(hosts), split_list(pipelines), lookback)
        with state.store(store_path) as store:
            content = collect(store, chosen, selected, now, scope=scope)
        if output is Format.CSV:
            written = render.write_csv(content, out)
            stdout.print(f"wrote {len(written)} CSV files to {out}", highlight=False)
            return
        data = {Format.HTML: lambda: render.html(content).encode(),
                Format.PDF: lambda: render.pdf(content),
                Format.JSON: lambda: render.json_text(content).encode()}[output]()
        render.write_atomically(out, data)
    except (periods.PeriodError, ConfigError, StoreError, IncidentError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write the report: {exc.strerror or exc}")
    stdout.print(f"wrote {out} ({output.value}, content sha256 "
                 f"{content['integrity']['content_sha256']}): {len(content['exceptions'])} "
                 "exceptions", highlight=False)
