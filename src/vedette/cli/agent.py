"""`vedette agent`: Run the configured checks on their schedules and deliver what they find."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from vedette.cli.context import UNKNOWN, fail, state
from vedette.pipeline.sinks.metricformats import MetricsFormat
from vedette.status import NAMES

if TYPE_CHECKING:
    from vedette.pipeline.checks import CheckOutcome

app = typer.Typer(help="Run the configured checks on their schedules and deliver what they find.")


@app.callback(invoke_without_command=True)
def agent(
    once: Annotated[bool, typer.Option(
        "--once", help="Run each check once, deliver, and exit with the worst Nagios status "
                       "(0 ok, 1 warning, 2 critical, 3 could not run).")] = False,
    metrics_format: Annotated[MetricsFormat | None, typer.Option(
        "--metrics-format", help="With --once: print a Nagios status line and the run's "
                                 "metric samples in this format (Sensu's "
                                 "output_metric_format names).", show_default=False)
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each run.")] = False,
) -> None:
    """Run the checks of the `agent:` section of the configuration (see docs/agent.md)."""
    # Imported here: `vedette --help` must not pay for the pipeline and its sinks.
    import logging
    import threading

    from vedette.config import ConfigError
    from vedette.pipeline.agent import Agent, status_of
    from vedette.pipeline.settings import load_agent_settings

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s vedette agent: %(levelname)s: %(message)s",
                        stream=sys.stderr)
    try:
        settings, section = load_agent_settings(state.config_path)
        if not section.checks:
            raise ConfigError(f"{state.config_path or 'configuration'}: agent.checks: no check "
                              "configured")
        runner = Agent(settings, section, state.config_path)
    except ConfigError as exc:
        if metrics_format is not None:
            print(f"VEDETTE UNKNOWN - {exc}".replace("\n", " ").replace("|", "/"))
            sys.exit(UNKNOWN)
        fail(str(exc))
    stop = threading.Event()
    try:
        if once:
            outcomes = runner.run_once(stop)
            status = status_of(outcomes)
            if metrics_format is not None:
                _print_check_result(outcomes, status, metrics_format)
            sys.exit(status)
        runner.run_forever(stop)
    finally:
        stop.set()
        runner.close()


def _print_check_result(outcomes: list[CheckOutcome], status: int, fmt: MetricsFormat
                        ) -> None:
    from vedette.events import Metric
    from vedette.pipeline.sinks.metricformats import render

    parts = [f"{o.check.name} {NAMES.get(o.status, 'UNKNOWN').lower()}" for o in outcomes]
    # No '|' in the text: Sensu splits the perfdata on it.
    line = f"VEDETTE {NAMES[status]} - " + ", ".join(parts).replace("|", "/")
    metrics = [r for o in outcomes for r in o.records if isinstance(r, Metric)]
    lines = render(metrics, fmt)
    if fmt is MetricsFormat.NAGIOS_PERFDATA:
        print(line + (" | " + lines[0] if lines else ""))
    else:
        print(line)
        for text in lines:
            print(text)
