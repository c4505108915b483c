"""`vedette auth`: Unauthorized access attempts: parse auth logs, detect attacks."""

from __future__ import annotations

import typer

app = typer.Typer(help="Unauthorized access attempts: parse auth logs, detect attacks.",
                  no_args_is_help=True)
