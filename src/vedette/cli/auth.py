"""`vedette auth`: Unauthorized access attempts: parse auth logs, detect attacks."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vedette.cli.context import (
    UNKNOWN,
    StoreOpt,
    fail,
    print_events_jsonl,
    print_result_json,
    state,
    stderr,
    stdout,
)
from vedette.status import NAMES

if TYPE_CHECKING:
    from vedette.auth.run import CheckResult

app = typer.Typer(help="Unauthorized access attempts: parse auth logs, detect attacks.",
                  no_args_is_help=True)

# Attempts are written in batches of this many lines: one write per batch, not per line.
_BATCH = 4096


class ParseFormat(StrEnum):
    JSONL = "jsonl"


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    NAGIOS = "nagios"


LogsArg = Annotated[list[str] | None, typer.Argument(
    help="Log files (plain or .gz, syslog or `journalctl -o json`), '-' for stdin, "
         "'journal' for the systemd journal ('journal:DIR' for a journal directory).",
    show_default="auth.logs from the configuration")]


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """What stops a command is printed as one clear error, with exit code 3."""
    from vedette.auth.follow import PositionError
    from vedette.auth.geo import GeoError
    from vedette.auth.run import AuthError
    from vedette.auth.sources import SourceError
    from vedette.config import ConfigError
    from vedette.store import StoreError

    try:
        yield
    except (AuthError, ConfigError, GeoError, PositionError, SourceError, StoreError) as exc:
        fail(str(exc))


@app.command()
def parse(
    logs: Annotated[list[str], typer.Argument(
        help="Log files (plain or .gz, syslog or `journalctl -o json`), '-' for stdin, "
             "'journal' for the systemd journal ('journal:DIR' for a journal directory).")],
    output: Annotated[ParseFormat, typer.Option("--format", help="Output format.")] =
        ParseFormat.JSONL,
) -> None:
    """Print one JSON object per authentication attempt found in LOGS.

    Keys: line (1-based in its input), time (UTC), service, outcome (failure|success),
    src_ip, user, method, reason. Each attempt is printed once, however many lines the
    service wrote about it; other lines are not printed.
    """
    from vedette.auth.records import JsonLines
    from vedette.auth.sources import SourceError, read_records

    # Only the time zone comes from the settings: without a configuration file there is
    # none to read, and the settings models are not loaded at all (start-up counts here).
    zone = None
    if state.configured:
        from vedette.auth.run import zone_of

        with _guard():
            zone = zone_of(state.settings.auth)
    write = sys.stdout.write
    to_json_line = JsonLines().line
    try:
        for name in logs:
            batch: list[str] = []
            for record in read_records(name, zone, traces=False):
                batch.append(to_json_line(record))
                if len(batch) >= _BATCH:
                    write("".join(batch))
                    batch.clear()
            write("".join(batch))
    except SourceError as exc:
        fail(str(exc))
    sys.stdout.flush()


@app.command()
def detect(
    logs: LogsArg = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TEXT,
    store: StoreOpt = None,
) -> None:
    """Detect brute force, spraying, distributed attacks, success after failures.

    Reads LOGS (oldest first) and records the run, its findings and metrics in the store.

    Exit codes follow the Nagios plugin contract: 0 nothing detected, 1 low/medium
    detections, 2 high/critical detections, 3 could not run.
    """
    from vedette.auth import journal, run
    from vedette.auth.sources import default_logs

    with _guard():
        settings = state.settings.auth
        names = logs or [name for name in default_logs(settings.logs)
                         if journal.is_journal(name) or Path(name).exists()]
        if not names:
            fail("no log to read: name one, or set auth.logs in the configuration")
        with state.store(store) as events:
            result = run.check(names, settings, state.host(), events)
    RENDERERS[output](result)
    sys.exit(result.exit_code)


@app.command()
def watch(
    logs: LogsArg = None,
    once: Annotated[bool, typer.Option(
        "--once", help="Read what the logs gained since last time, then exit (for cron or "
                       "a monitoring agent); exit code as for detect.")] = False,
    cycles: Annotated[int | None, typer.Option(
        "--cycles", min=1, help="Stop after this many cycles.", show_default=False)] = None,
    positions: Annotated[Path | None, typer.Option(
        "--positions", help="File that keeps the read position of each log.",
        show_default="auth-positions.json in the data directory")] = None,
    store: StoreOpt = None,
) -> None:
    """Follow the logs and detect attacks as lines arrive.

    Survives rotation, truncation and restarts (positions are kept on disk). Each cycle
    is recorded in the store as a run."""
    from vedette.auth.sources import default_logs
    from vedette.auth.watch import CycleResult, Watcher
    from vedette.home import data_home

    settings = state.settings.auth
    names = logs or default_logs(settings.logs)
    last = 0

    def report(cycle: CycleResult) -> None:
        nonlocal last
        last = cycle.result.exit_code
        for warning in cycle.warnings:
            stderr.print(f"[yellow]warning:[/] {warning}", highlight=False, markup=False)
        for event in cycle.result.findings:
            stdout.print(f"{event.severity.value.upper()} {event.summary}", highlight=False,
                         markup=False)

    with _guard():
        position_file = positions or settings.positions or data_home() / "auth-positions.json"
        with state.store(store) as events:
            watcher = Watcher(names, settings, state.host(), events, position_file)
            try:
                watcher.run(report, 1 if once else cycles)
            except KeyboardInterrupt:
                sys.exit(0)
    if once:
        sys.exit(last)


# --- rendering -----------------------------------------------------------------------------

def _render_text(result: CheckResult) -> None:
    for event in result.findings:
        stdout.print(f"{event.severity.value.upper():8} {event.summary}", highlight=False,
                     markup=False)
    stdout.print(result.status.summary, highlight=False, markup=False)


def _render_json(result: CheckResult) -> None:
    print_result_json(result.exit_code, result.status, result.findings, scope=result.scope)


def _render_jsonl(result: CheckResult) -> None:
    print_events_jsonl(result.events)


def nagios_line(result: CheckResult) -> str:
    label = NAMES[result.exit_code]
    context = result.status.context
    return (f"AUTH {label} - {result.status.summary} | failures={context['failures']};;;0 "
            f"successes={context['successes']};;;0 sources={context['sources']};;;0 "
            f"detections={len(result.findings)};;;0")


RENDERERS = {
    Format.TEXT: _render_text,
    Format.JSON: _render_json,
    Format.JSONL: _render_jsonl,
    Format.NAGIOS: lambda result: print(nagios_line(result)),
}

__all__ = ["UNKNOWN", "app"]
