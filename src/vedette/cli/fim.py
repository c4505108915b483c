"""`vedette fim`: take a baseline, check against it, accept changes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
from vedette.config import ConfigError
from vedette.fim import run
from vedette.fim.baseline import Baseline, BaselineError, default_key_path
from vedette.fim.compare import display_path
from vedette.fim.policy import Policy, load_policy
from vedette.fim.run import CheckResult, FimError
from vedette.home import data_home
from vedette.status import NAMES
from vedette.store import StoreError

app = typer.Typer(help="File integrity monitoring: detect unplanned changes to files.",
                  no_args_is_help=True)


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"
    NAGIOS = "nagios"


PathsArg = Annotated[list[str] | None, typer.Argument(
    help="Files or directories (default: the policy's scope for init, the baseline's for "
         "check and accept).", show_default=False)]
DbOpt = Annotated[Path | None, typer.Option(
    "--db", help="Baseline database file.", show_default="fim.db in the data directory")]
PolicyOpt = Annotated[Path | None, typer.Option(
    "--policy", help="Policy YAML (rules, excludes); layered over the built-in Linux policy.",
    show_default=False)]
KeyOpt = Annotated[Path | None, typer.Option(
    "--key", help="HMAC key file that signs the baseline (created 0600 by init).",
    show_default="the database path + .key")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Processes that read and hash files, this one included.",
    show_default="one per CPU")]


def _resolve(db: Path | None, key: Path | None, policy_path: Path | None
             ) -> tuple[Path, Path, Policy]:
    settings = state.settings.fim
    db = db or settings.db or data_home() / "fim.db"
    key = key or settings.key or default_key_path(db)
    return db, key, load_policy(policy_path or settings.policy)


@contextlib.contextmanager
def _progress(label: str) -> Iterator[tuple[run.Progress | None, Callable[[int], None]]]:
    """A progress bar on a terminal; silence when stderr is a pipe or a file."""
    if not stderr.is_terminal:
        yield None, lambda total: None
        return
    # Imported here: drawing costs start-up time that a cron job or a pipe never needs.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TextColumn("paths"), TimeElapsedColumn(), console=stderr, transient=True)
    task = bar.add_task(label, total=None)
    with bar:
        yield (lambda n: bar.advance(task, n)), (lambda total: bar.update(task, total=total))


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """What stops a command is printed as one clear error, with exit code 3."""
    try:
        yield
    except (ConfigError, FimError, StoreError, BaselineError) as exc:
        fail(str(exc))


@app.command()
def init(
    paths: PathsArg = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    key: KeyOpt = None,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing baseline.")] = False,
) -> None:
    """Take a baseline: record every path's attributes and content hashes, signed."""
    with _guard():
        db_path, key_path, loaded = _resolve(db, key, policy)
        paths = paths or state.settings.fim.paths
        with state.store(store) as events, _progress("taking baseline") as (tick, _):
            result = run.init(paths, db_path, key_path, loaded, state.host(), events,
                              workers or state.settings.fim.workers, force, tick)
    stdout.print(f"Baseline of [bold]{result.files}[/] paths written to {escape(str(result.db))} "
                 f"in {result.seconds:.1f}s (signed with {escape(str(key_path))}).",
                 highlight=False)
    stdout.print("Scope: " + ", ".join(result.roots), highlight=False, markup=False)
    _print_problems(result.problems)


@app.command()
def check(
    paths: PathsArg = None,
    db: DbOpt = None,
    policy: PolicyOpt = None,
    key: KeyOpt = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TEXT,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
) -> None:
    """Compare the file system with the baseline.

    Exit codes follow the Nagios plugin contract: 0 nothing changed, 1 low/medium changes,
    2 high/critical changes or a baseline that fails verification, 3 could not run.
    """
    try:
        db_path, key_path, loaded = _resolve(db, key, policy)
        with state.store(store) as events, _progress("checking") as (tick, total):
            result = run.check(paths or [], db_path, key_path, loaded, state.host(), events,
                               workers or state.settings.fim.workers, tick, total)
    except (ConfigError, FimError, StoreError, BaselineError) as exc:
        if output is Format.NAGIOS:
            print(f"FIM UNKNOWN - {exc}".replace("\n", " "))
            sys.exit(UNKNOWN)
        fail(str(exc))
    RENDERERS[output](result)
    sys.exit(result.exit_code)


@app.command()
def accept(
    paths: PathsArg = None,
    reason: Annotated[str, typer.Option("--reason", help="Why these changes are legitimate "
                                        "(kept in the baseline's audit trail).")] = ...,  # type: ignore[assignment]
    db: DbOpt = None,
    policy: PolicyOpt = None,
    key: KeyOpt = None,
    workers: WorkersOpt = None,
    store: StoreOpt = None,
) -> None:
    """Accept the current state of PATHS (default: everything) into the baseline."""
    with _guard():
        db_path, key_path, loaded = _resolve(db, key, policy)
        with state.store(store) as events, _progress("accepting") as (tick, _):
            result = run.accept(paths or [], db_path, key_path, reason, loaded, state.host(),
                                events, workers or state.settings.fim.workers, tick)
    for change in result.accepted:
        stdout.print(f"accepted {change.kind}: {display_path(change.path)!r}", highlight=False,
                     markup=False)
    stdout.print(f"{len(result.accepted)} change(s) accepted into {db_path}.", highlight=False,
                 markup=False)
    _print_problems(result.problems)


@app.command()
def history(db: DbOpt = None, key: KeyOpt = None) -> None:
    """Show the baseline's scope and its audit trail of accepted changes."""
    with _guard():
        db_path, key_path, _ = _resolve(db, key, None)
        with Baseline(db_path) as baseline:
            meta, acceptances = baseline.meta, baseline.acceptances()
            try:
                baseline.verify(run.load_key(key_path))
                verified = "[green]signature verified[/]"
            except BaselineError as exc:
                verified = f"[red]{escape(str(exc))}[/]"
    stdout.print(escape(f"{db_path}: {meta['files']} paths, created {meta['created_at']} on "
                        f"{meta['host']}; ") + verified, highlight=False)
    stdout.print("Scope: " + ", ".join(meta["roots"]), highlight=False, markup=False)
    for entry in acceptances:
        stdout.print(f"#{entry['id']} {entry['time']} by {entry['who']}: {entry['reason']} "
                     f"({len(entry['changes'])} change(s))", highlight=False, markup=False)
        for change in entry["changes"]:
            stdout.print(f"    {change['change']}: {change['path']!r}", highlight=False,
                         markup=False)


# --- rendering -----------------------------------------------------------------------------

SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
                   "info": "dim"}


def _print_problems(problems: list[run.Problem], limit: int = 20) -> None:
    for problem in problems[:limit]:
        stderr.print("[yellow]warning:[/] "
                     + escape(f"{display_path(problem.path)!r}: {problem.message}"),
                     highlight=False)
    if len(problems) > limit:
        stderr.print(f"[yellow]warning:[/] ... and {len(problems) - limit} more problems",
                     highlight=False)


def _render_text(result: CheckResult) -> None:
    if result.findings and not result.changes:  # a baseline that failed verification
        for event in result.findings:
            stdout.print("[bold red]CRITICAL[/] "
                         + escape(f"{event.summary}: {event.context['detail']}"),
                         highlight=False)
        return
    if result.changes:
        from rich.table import Table

        table = Table(show_lines=False, pad_edge=False, box=None)
        for column in ("severity", "change", "path", "what changed"):
            table.add_column(column, overflow="fold")
        for event in result.findings:
            details = [f"{name}: {_short(d['before'])} -> {_short(d['after'])}"
                       for name, d in event.context["attributes"].items()]
            table.add_row(f"[{SEVERITY_STYLES[event.severity.value]}]{event.severity.value}[/]",
                          event.context["change"], escape(repr(event.observables["file.path"])),
                          escape("\n".join(details)))
        stdout.print(table)
    stdout.print(result.status.summary + f" ({result.seconds:.1f}s)", highlight=False,
                 markup=False)
    _print_problems(result.problems)


def _short(value: object) -> str:
    if isinstance(value, dict):
        value = " ".join(f"{k}:{str(v)[:16]}" for k, v in value.items())
    return "-" if value is None else str(value)


def _render_json(result: CheckResult) -> None:
    print_result_json(result.exit_code, result.status, result.findings, roots=result.roots)


def _render_jsonl(result: CheckResult) -> None:
    print_events_jsonl(result.events)


def nagios_line(result: CheckResult) -> str:
    label = NAMES[result.exit_code]
    context = result.status.context
    if not context["baseline_verified"]:
        return f"FIM CRITICAL - {result.findings[0].summary}"
    counts = context["by_severity"]
    detail = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low")
                       if counts[s])
    text = f"{context['changes']} changed" + (f" ({detail})" if detail else "")
    perf = " ".join(f"{name}={counts[name]};;;0" for name in ("critical", "high", "medium", "low"))
    return (f"FIM {label} - {text} in {context['scanned']} paths | "
            f"changes={context['changes']};;;0 {perf} scanned={context['scanned']};;;0 "
            f"problems={context['problems']};;;0 "
            f"duration={result.seconds:.3f}s;;;0")


RENDERERS = {
    Format.TEXT: _render_text,
    Format.JSON: _render_json,
    Format.JSONL: _render_jsonl,
    Format.NAGIOS: lambda result: print(nagios_line(result)),
}
