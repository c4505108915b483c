"""The `vedette` command: one Typer sub-app per area; thin (parse, call, render)."""
