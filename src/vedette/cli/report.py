"""`vedette report`: Security and privacy reports mapped to regulation controls."""

from __future__ import annotations

import typer

app = typer.Typer(help="Security and privacy reports mapped to regulation controls.",
                  no_args_is_help=True)
