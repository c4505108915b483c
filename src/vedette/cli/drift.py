"""`vedette drift`: Configuration drift: resources changed per configuration-management run."""

from __future__ import annotations

import typer

app = typer.Typer(help="Configuration drift: resources changed per configuration-management run.",
                  no_args_is_help=True)
