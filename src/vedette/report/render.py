"""Render a report's content: HTML (one self-contained file), PDF from that same HTML,
JSON, and CSV files of the populations auditors sample from."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vedette.report import charts

# Population name → where it sits in the report content.
POPULATIONS: dict[str, tuple[str, ...]] = {
    "hosts": ("coverage", "hosts"),
    "pipelines": ("coverage", "pipelines"),
    "fim_runs": ("populations", "fim_runs"),
    "drift_runs": ("populations", "drift_runs"),
    "auth_runs": ("populations", "auth_runs"),
    "privacy_runs": ("populations", "privacy_runs"),
    "failed_runs": ("operation", "failed_runs"),
    "fim_findings": ("findings", "fim"),
    "drift_changes": ("findings", "drift"),
    "auth_detections": ("access", "detections"),
    "privacy_findings": ("privacy", "population"),
    "privacy_flows": ("privacy", "flows"),
    "exceptions": ("exceptions",),
    "controls": ("controls",),
}


def html(report: dict[str, Any]) -> str:
    # Imported here: only a report needs the template engine.
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("vedette.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    access, found = report["access"], report["privacy"]
    drawn = {
        "access": charts.daily_bars("Access attempts per day", access["days"],
                                    {"failed": access["daily"]["failure"],
                                     "succeeded": access["daily"]["success"]}),
        "privacy": charts.daily_bars("Personal data found per day", found["days"],
                                     {"occurrences": found["trend"]}),
    }
    return environment.get_template("report.html.j2").render(
        r=report, m=report["metadata"], fim=report["operation"]["fim_weekly"], a=access,
        p=found, charts=drawn)


def pdf(report: dict[str, Any]) -> bytes:
    # Imported here: WeasyPrint (and Pango beneath it) loads only for a PDF.
    from weasyprint import HTML

    # No base URL and no fetcher for anything: the page is self-contained by design.
    return HTML(string=html(report), url_fetcher=_refuse).write_pdf()


def _refuse(url: str, *args: object, **kwargs: object) -> dict[str, Any]:
    raise ValueError(f"a report never loads anything ({url})")


def json_text(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n"


def population_rows(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value: Any = report
    for key in POPULATIONS[name]:
        value = value[key]
    return value


def csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def write_csv(report: dict[str, Any], folder: Path) -> list[Path]:
    """One CSV per population in `folder`, each written whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = []
    for name in POPULATIONS:
        path = folder / f"{name}.csv"
        write_atomically(path, csv_text(population_rows(report, name)).encode())
        written.append(path)
    return written


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a private temporary file and a rename, so a reader
    never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with _removed_on_error(Path(temporary)):
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)


@contextlib.contextmanager
def _removed_on_error(path: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise
