"""`vedette drift`: resources changed per configuration-management run, against a baseline."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from vedette.cli.context import StoreOpt, fail, state, stderr, stdout
from vedette.config import ConfigError

if TYPE_CHECKING:
    from vedette.drift.run import IngestResult, StatusResult
    from vedette.events import Event, Metric

app = typer.Typer(help="Configuration drift: resources changed per configuration-management run.",
                  no_args_is_help=True)


class Tool(StrEnum):
    AUTO = "auto"
    PUPPET = "puppet"
    ANSIBLE = "ansible"
    CHEF = "chef"
    TERRAFORM = "terraform"


class Format(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
LabelsOpt = Annotated[list[str] | None, typer.Option(
    "--labels", help="Host labels KEY=VALUE (comma-separated or repeated), e.g. role=web: "
                     "hosts sharing a grouping label share a baseline.", show_default=False)]

SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
                   "info": "dim"}


def parse_labels(values: list[str] | None) -> dict[str, str]:
    labels: dict[str, str] = {}
    for value in values or []:
        for item in filter(None, (part.strip() for part in value.split(","))):
            key, sep, label = item.partition("=")
            if not sep or not key.strip():
                raise typer.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--labels")
            labels[key.strip()] = label.strip()
    return labels


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """What stops a command is printed as one clear error, with exit code 3."""
    from vedette.drift.model import ReportError
    from vedette.store import StoreError

    try:
        yield
    except (ConfigError, StoreError, ReportError) as exc:
        fail(str(exc))


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(
        help="Run reports: Puppet last_run_report.yaml, Ansible summaries or json callback "
             "output, Chef run data, terraform show -json plans.", show_default=False)],
    tool: Annotated[Tool, typer.Option("--tool", help="The tool that wrote the files "
                                       "(auto: tell from their content).")] = Tool.AUTO,
    output: FormatOpt = Format.TEXT,
    host: Annotated[str | None, typer.Option(
        "--host", help="Host the runs are attributed to (default: the name in the report; "
                       "this host for Terraform plans).", show_default=False)] = None,
    labels: LabelsOpt = None,
    store: StoreOpt = None,
) -> None:
    """Ingest run reports: record each run and judge it against its host's baseline.

    Exit codes: 0 nothing unusual, 1 low/medium findings, 2 high/critical findings,
    3 could not run (or a file could not be read and nothing critical was found).
    """
    from vedette.drift import run

    with _guard():
        settings, local = state.settings.drift, state.host()
        with state.store(store) as events:
            result = run.ingest(files, tool.value, local, events, settings,
                                parse_labels(labels), host)
    for error in result.errors:
        stderr.print("[bold red]vedette: error:[/] " + escape(error), highlight=False)
    _render_ingest(result, output)
    sys.exit(result.exit_code)


@app.command()
def record(
    tool: Annotated[str, typer.Option("--tool", help="Name of the tool that ran.")] = ...,  # type: ignore[assignment]
    host: Annotated[str, typer.Option("--host", help="Host the run was on.")] = ...,  # type: ignore[assignment]
    changed: Annotated[int, typer.Option("--changed", min=0, help="Resources changed.")] = ...,  # type: ignore[assignment]
    corrective: Annotated[int, typer.Option(
        "--corrective", min=0, help="Of those, changes that repaired drift.")] = 0,
    total: Annotated[int | None, typer.Option("--total", min=0, help="Resources managed.",
                                              show_default=False)] = None,
    failed: Annotated[int, typer.Option("--failed", min=0, help="Resources that failed.")] = 0,
    run_failed: Annotated[bool, typer.Option("--run-failed", help="The run as a whole failed.")
                          ] = False,
    noop: Annotated[bool, typer.Option("--noop", help="A dry run: the changes are pending.")
                    ] = False,
    duration: Annotated[float | None, typer.Option("--duration", min=0, help="Seconds.",
                                                   show_default=False)] = None,
    when: Annotated[datetime | None, typer.Option(
        "--time", help="When the run started (ISO 8601; default: now, UTC).",
        show_default=False)] = None,
    run_id: Annotated[str | None, typer.Option("--run-id", help="The tool's id of the run.",
                                               show_default=False)] = None,
    labels: LabelsOpt = None,
    output: FormatOpt = Format.TEXT,
    store: StoreOpt = None,
) -> None:
    """Record a run of any tool by its counts. Exit codes as for ingest."""
    from datetime import UTC

    from vedette.drift import run
    from vedette.drift.model import RunReport
    from vedette.events import utcnow

    if corrective > changed:
        fail("--corrective cannot exceed --changed")
    started = (when if when.tzinfo else when.replace(tzinfo=UTC)) if when else utcnow()
    report = RunReport(tool=tool, host=host, started=started, changed=changed,
                       corrective=corrective, failed=failed, total=total, duration=duration,
                       run_failed=run_failed, noop=noop, run_id=run_id, origin="command line")
    with _guard():
        settings, local = state.settings.drift, state.host()
        with state.store(store) as events:
            result = run.record(report, local, events, settings, parse_labels(labels))
    _render_ingest(result, output)
    sys.exit(result.exit_code)


@app.command()
def status(
    host: Annotated[str | None, typer.Option("--host", help="Only this host.",
                                             show_default=False)] = None,
    output: FormatOpt = Format.TEXT,
    store: StoreOpt = None,
) -> None:
    """Show each host's last run per tool (FIM checks included) against its usual range.

    Failed, unusual and overdue runs are reported; an overdue run is recorded as a
    finding. Exit codes by the highest severity, as for ingest.
    """
    from vedette.drift import run

    with _guard():
        settings, local = state.settings.drift, state.host()
        with state.store(store) as events:
            result = run.status(events, settings, host, local=local)
    _render_status(result, output)
    sys.exit(result.exit_code)


@app.command("callback-dir")
def callback_dir() -> None:
    """Print the directory of Vedette's Ansible callback plugin (for ANSIBLE_CALLBACK_PLUGINS)."""
    print(Path(__file__).resolve().parent.parent / "drift" / "ansible")


# --- rendering -----------------------------------------------------------------------------

def _styled(severity: str) -> str:
    return f"[{SEVERITY_STYLES[severity]}]{severity}[/]"


def _print_jsonl(events: list[Event], metrics: list[Metric]) -> None:
    """Events, then `{"metric": ...}` lines: what the agent reads from a check."""
    for event in events:
        print(event.to_json())
    for metric in metrics:
        print('{"metric":' + metric.to_json() + "}")


def _render_ingest(result: IngestResult, output: Format) -> None:
    if output is Format.JSONL:
        _print_jsonl(result.events, [m for run in result.runs for m in run.metrics])
        return
    for judged in result.runs:
        report, judgement = judged.report, judged.judgement
        counts = (f"{report.changed} {'would change' if report.noop else 'changed'}"
                  + (f" ({report.corrective} corrective)" if report.corrective else "")
                  + (f", {report.failed} failed" if report.failed else "")
                  + (f" of {report.total}" if report.total is not None else ""))
        if judgement is None:
            verdict = "already ingested"
        else:
            expected = judgement.expected or next(iter(judgement.by_label), None)
            usual = (f"usual 0-{expected.upper:.1f} ({expected.scope})" if expected
                     else "learning")
            verdict = usual + "".join(f"; {v.severity.value} {v.kind}"
                                      for v in judgement.verdicts)
        line = (f"{report.started:%Y-%m-%d %H:%M} {report.host} {report.tool}: {counts}; "
                f"{verdict}")
        style = SEVERITY_STYLES[judgement.severity.value] if judgement else "dim"
        stdout.print(f"[{style}]{escape(line)}[/]", highlight=False)
        for event in judged.findings:
            stdout.print("  " + _styled(event.severity.value) + " " + escape(event.summary),
                         highlight=False)
            for resource in event.context.get("resources", [])[:20]:
                stdout.print("      " + escape(str(resource["title"])), highlight=False)
    stdout.print(f"{len(result.runs)} run(s) ingested, "
                 f"{sum(len(r.findings) for r in result.runs)} finding(s)"
                 + (f", {len(result.errors)} file(s) unreadable" if result.errors else ""),
                 highlight=False, markup=False)


def _render_status(result: StatusResult, output: Format) -> None:
    if output is Format.JSONL:
        _print_jsonl(result.events, result.metrics)
        return
    if not result.series:
        stdout.print("No configuration-management run recorded yet.", highlight=False)
        return
    for series in result.series:
        usual = (f"usual 0-{series.expected.upper:.1f} ({series.expected.scope})"
                 if series.expected else "learning")
        line = (f"{series.host} {series.tool}: last run {series.last.time:%Y-%m-%d %H:%M}, "
                f"{series.last.changed} changed ({series.runs} runs, {usual}): {series.state}")
        stdout.print(f"[{SEVERITY_STYLES[series.severity.value]}]{escape(line)}[/]",
                     highlight=False)
        for verdict in series.problems:
            stdout.print("  " + _styled(verdict.severity.value) + " " + escape(verdict.detail),
                         highlight=False)
