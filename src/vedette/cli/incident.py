"""`vedette incident`: Record suspected breaches and the regulatory clocks they start."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from vedette.cli.context import fail, state, stdout
from vedette.cli.report import parse_moment, split_list

if TYPE_CHECKING:
    from vedette.report.incidents import Incident
    from vedette.store import Store

app = typer.Typer(help="Record suspected breaches and the regulatory clocks they start.",
                  no_args_is_help=True)


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


# Text, not a Path, as every --store: a Path folds the `//` of a `postgresql://` URL.
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Event store where incidents are kept: a SQLite file or a postgresql:// "
    "URL.", show_default="the configured store")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
RegimeOpt = Annotated[list[str] | None, typer.Option(
    "--regime", help="Regimes whose clocks apply, comma-separated: gdpr, lgpd, ndb, hipaa, "
    "us-ca, us-co, us-fl, us-tx, us-wa.", show_default=False)]
DataOpt = Annotated[list[str] | None, typer.Option(
    "--data", help="Categories of personal data involved, comma-separated.",
    show_default=False)]
SubjectsOpt = Annotated[int | None, typer.Option(
    "--subjects", min=0, help="How many people are affected, if known.", show_default=False)]
AwareOpt = Annotated[str | None, typer.Option(
    "--aware-at", help="When the organisation became aware (ISO 8601; UTC if no zone).",
    show_default="now")]


def _print(found: list[Incident], output: Format, now: datetime) -> None:
    from vedette.report import incidents

    if output is Format.JSON:
        stdout.print_json(json.dumps([
            {**i.model_dump(mode="json"), "clocks": [
                {"clock": c.rule.id, "title": c.rule.title, "due": c.due.isoformat(),
                 "state": c.state, "hours_left": round(c.seconds_left / 3600, 1)}
                for c in incidents.clocks(i, now)]} for i in found]))
        return
    for incident in found:
        stdout.print(f"[bold]{incident.id}[/] {incident.status}: {escape(incident.title)} "
                     f"(aware {incident.became_aware_at.isoformat()})", highlight=False)
        for clock in incidents.clocks(incident, now):
            hours = clock.seconds_left / 3600
            if clock.done_at is not None:
                left = f"done {clock.done_at.isoformat()}"
            else:
                left = f"{hours:.1f} h left" if hours >= 0 else f"{-hours:.1f} h over"
            stdout.print(f"  {clock.rule.id:<20} {clock.state:<8} due "
                         f"{clock.due.isoformat()} ({left})", highlight=False)


def _run(action: Callable[[Store], Incident], output: Format, store_path: str | None,
         now: datetime) -> None:
    from vedette.report.incidents import IncidentError
    from vedette.store import StoreError

    try:
        with state.store(store_path) as store:
            incident = action(store)
    except (IncidentError, StoreError) as exc:
        fail(str(exc))
    _print([incident], output, now)


@app.command("open")
def open_(
    title: Annotated[str, typer.Option("--title", help="What happened, without personal data.",
                                       show_default=False)],
    aware_at: AwareOpt = None, regime: RegimeOpt = None, data: DataOpt = None,
    subjects: SubjectsOpt = None, store_path: StoreOpt = None, output: FormatOpt = Format.TEXT,
) -> None:
    """Open an incident: a suspected breach, from when the organisation became aware."""
    from vedette.report import incidents

    now = datetime.now(UTC)
    aware = parse_moment(aware_at, "--aware-at") if aware_at else now
    _run(lambda store: incidents.open_incident(
        store, state.host(), title, aware, split_list(regime), split_list(data), subjects, now),
        output, store_path, now)


@app.command()
def update(
    incident_id: Annotated[str, typer.Argument(help="Incident id, e.g. INC-2026-0001.")],
    note: Annotated[str | None, typer.Option("--note", help="What was learnt or done.",
                                             show_default=False)] = None,
    done: Annotated[list[str] | None, typer.Option(
        "--done", help="CLOCK=WHEN: a notification (or assessment) made, e.g. "
        "gdpr-authority=2026-11-05T09:00Z; WHEN defaults to now.", show_default=False)] = None,
    aware_at: AwareOpt = None, regime: RegimeOpt = None, data: DataOpt = None,
    subjects: SubjectsOpt = None, store_path: StoreOpt = None, output: FormatOpt = Format.TEXT,
) -> None:
    """Record what changed: notes, notifications made, regimes, people affected."""
    from vedette.report import incidents

    now = datetime.now(UTC)
    notified = {}
    for item in done or []:
        clock, _, when = item.partition("=")
        notified[clock.strip()] = parse_moment(when, "--done") if when.strip() else now
    _run(lambda store: incidents.update_incident(
        store, state.host(), incident_id, now, note=note, notified=notified,
        regime_names=split_list(regime) if regime else None, subjects=subjects,
        data_categories=split_list(data) if data else None,
        became_aware_at=parse_moment(aware_at, "--aware-at") if aware_at else None),
        output, store_path, now)


@app.command()
def close(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is closed.",
                                        show_default=False)],
    store_path: StoreOpt = None, output: FormatOpt = Format.TEXT,
) -> None:
    """Close an incident, saying why (contained, not a breach, notified...)."""
    from vedette.report import incidents

    now = datetime.now(UTC)
    _run(lambda store: incidents.close_incident(store, state.host(), incident_id, reason, now),
         output, store_path, now)


@app.command("list")
def list_(
    show_all: Annotated[bool, typer.Option("--all", help="Include closed incidents.")] = False,
    store_path: StoreOpt = None, output: FormatOpt = Format.TEXT,
) -> None:
    """Incidents with their clocks: time left, or how long overrun."""
    from vedette.report import incidents
    from vedette.store import StoreError

    now = datetime.now(UTC)
    try:
        with state.store(store_path) as store:
            found = [i for i in incidents.register(store).values()
                     if show_all or i.status == "open"]
    except StoreError as exc:
        fail(str(exc))
    _print(found, output, now)
