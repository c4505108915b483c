"""`vedette incident`: Record suspected breaches and the regulatory clocks they start."""

from __future__ import annotations

import typer

app = typer.Typer(help="Record suspected breaches and the regulatory clocks they start.",
                  no_args_is_help=True)
