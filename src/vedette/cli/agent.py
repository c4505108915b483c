"""`vedette agent`: Run the configured checks on their schedules and deliver what they find."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run the configured checks on their schedules and deliver what they find.",
                  no_args_is_help=True)
