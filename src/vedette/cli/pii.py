"""`vedette pii`: Personal data: find, redact and pseudonymize it in logs and stores."""

from __future__ import annotations

import typer

app = typer.Typer(help="Personal data: find, redact and pseudonymize it in logs and stores.",
                  no_args_is_help=True)
