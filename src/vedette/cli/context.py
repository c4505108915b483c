"""What every command needs: settings, host identity, the store, error reporting."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from vedette.home import data_home
from vedette.status import UNKNOWN  # also the exit code of usage and configuration errors

# Imported where used: a command that needs neither settings nor events (`vedette auth
# parse` without a configuration file) starts without loading their models.
if TYPE_CHECKING:
    from vedette.config import Settings
    from vedette.events import Event, Host
    from vedette.store import Store

# A text, not a Path: a Path would fold the `//` of a `postgresql://` URL.
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Event store where runs and findings are recorded: a SQLite file or a "
    "postgresql:// URL.", show_default="the configured store, else store.db in the data directory")]

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


@dataclass
class AppState:
    config_path: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from vedette.config import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def configured(self) -> bool:
        """Whether a configuration file is read (--config or $VEDETTE_CONFIG); without
        one, every setting has its default."""
        return self.config_path is not None

    def host(self) -> Host:
        from vedette.events import Host

        section = self.settings.host
        return Host(name=section.name or socket.gethostname(), labels=section.labels)

    def store(self, override: str | Path | None = None) -> Store:
        from vedette.store import open_store

        path = override or self.settings.store.path or data_home() / "store.db"
        return open_store(path)


state = AppState()


def fail(message: str, code: int = UNKNOWN) -> NoReturn:
    """Print an error that names what and where, then exit (3: could not run)."""
    stderr.print(f"[bold red]vedette: error:[/] {escape(message)}", highlight=False)
    sys.exit(code)


def print_result_json(exit_code: int, status: Event, findings: list[Event],
                      **scope: object) -> None:
    """A check's result as one JSON document: exit code, its scope, status and findings."""
    document = {"exit_code": exit_code, **scope, "status": status.model_dump(mode="json"),
                "findings": [event.model_dump(mode="json") for event in findings]}
    print(json.dumps(document, indent=2))


def print_events_jsonl(events: Iterable[Event]) -> None:
    """One event per line, for log shippers and the agent."""
    for event in events:
        print(event.to_json())
