"""Entry point of the `vedette` command."""

from __future__ import annotations

import importlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from vedette import __version__
from vedette.cli.context import UNKNOWN, state, stderr
from vedette.home import ENV_CONFIG

app = typer.Typer(
    name="vedette",
    help="Security and privacy monitoring: file integrity, access attempts, configuration "
         "drift, personal data.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

# Each area is a module `vedette.cli.<name>` exposing a Typer `app`. Only the area named
# on the command line is imported, so `vedette fim check` does not pay for the imports of
# the privacy engine or the sinks; help and unknown commands load them all.
AREAS = ("fim", "auth", "drift", "pii", "agent", "report", "incident")


def _register(argv: list[str]) -> None:
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name in (wanted,) if wanted in AREAS else AREAS:
        module = importlib.import_module(f"vedette.cli.{name}")
        app.add_typer(module.app, name=name)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vedette {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar=ENV_CONFIG, help="YAML configuration file.",
        show_default=False)] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    state.config_path = config


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    """Run the CLI. Usage errors exit 3 (not click's 2), keeping the Nagios contract:
    2 means critical findings, 3 means the check could not run."""
    # SIGTERM (systemd stop, timeout, kill) unwinds like Ctrl-C: temporary files are
    # removed and the store records the run as interrupted, instead of dying mid-write.
    signal.signal(signal.SIGTERM, _terminated)
    _register(sys.argv[1:])
    try:
        app(standalone_mode=False)
    except typer.Abort:
        stderr.print("aborted")
        sys.exit(UNKNOWN)
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            stderr.print(f"vedette: error: {exc}", highlight=False, markup=False)
        sys.exit(UNKNOWN)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)
