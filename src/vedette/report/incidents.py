"""Suspected breaches and the regulatory clocks they start.

An incident is kept as events in the store (source `incident`): each open, update or
close appends the incident's whole state, so the latest event for an id is its state
and the earlier ones are its history.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from vedette.config import parse_model
from vedette.events import Event, Host, Severity
from vedette.store import Store

if TYPE_CHECKING:
    import holidays

SOURCE = "incident"
CLOCKS_FILE = Path(str(resources.files("vedette"))) / "data" / "regulatory-clocks.yaml"
# The register is evidence for breach documentation and incident handling.
CONTROLS = ["gdpr:art33", "gdpr:art34", "lgpd:art48", "ndb:s26WH", "hipaa:164.308(a)(6)",
            "pci_dss:12.10.5", "soc2:CC7.3", "iso_27001:5.25"]


class IncidentError(ValueError):
    """An incident operation that cannot be done; the message says why."""


class Deadline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: int | None = None
    days: int | None = None
    business_days: int | None = None
    days_after_year_end: int | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Deadline:
        if sum(v is not None for v in self.model_dump().values()) != 1:
            raise ValueError("give exactly one of hours, days, business_days, "
                             "days_after_year_end")
        return self


class ClockRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    regime: str
    title: str
    basis: str
    deadline: Deadline
    note: str | None = None
    holidays: list[date] = Field(default_factory=list)
    # The public holidays of this country (ISO 3166 code) are skipped too, as the
    # `holidays` library knows them year by year (so a new national holiday needs no edit).
    holiday_calendar: str | None = None
    # Where business days are counted: a day is a holiday or a weekend day there.
    timezone: str = "UTC"
    min_subjects: int | None = None
    max_subjects: int | None = None

    @field_validator("holiday_calendar")
    @classmethod
    def _known_calendar(cls, code: str | None) -> str | None:
        if code is not None and code not in _calendars():
            raise ValueError(f"unknown holiday calendar {code!r}: expected an ISO 3166 "
                             "country code, e.g. BR")
        return code

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}, e.g. America/Sao_Paulo") from exc
        return name

    def due(self, aware: datetime) -> datetime:
        span = self.deadline
        if span.hours is not None:
            return aware + timedelta(hours=span.hours)
        if span.days is not None:
            return aware + timedelta(days=span.days)
        if span.days_after_year_end is not None:
            year_end = datetime(aware.year + 1, 1, 1, tzinfo=UTC)
            return year_end + timedelta(days=span.days_after_year_end)
        return _add_business_days(aware.astimezone(ZoneInfo(self.timezone)),
                                  span.business_days or 0, self.closed).astimezone(UTC)

    def closed(self, day: date) -> bool:
        """A day that does not count as a business day."""
        if day.weekday() >= 5 or day in self.holidays:
            return True
        return self.holiday_calendar is not None and day in _calendar(self.holiday_calendar)

    def applies(self, subjects: int | None) -> bool:
        if self.min_subjects is None and self.max_subjects is None:
            return True
        if subjects is None:
            return False
        return (self.min_subjects or 0) <= subjects <= (self.max_subjects or subjects)


class ClockFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clocks: list[ClockRule]


def _add_business_days(start: datetime, count: int, closed: Callable[[date], bool]
                       ) -> datetime:
    """`count` business days after `start`, at the same local time (adding a day to a
    zoned time keeps its wall-clock time)."""
    moment = start
    while count:
        moment += timedelta(days=1)
        if not closed(moment.date()):
            count -= 1
    return moment


@cache
def _calendars() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries())


@cache
def _calendar(code: str) -> holidays.HolidayBase:
    # Imported here: only a business-day clock needs the holiday data.
    import holidays

    # Public holidays only: days a country observes optionally stay business days.
    return holidays.country_holidays(code)


@cache
def clock_rules() -> tuple[ClockRule, ...]:
    return tuple(parse_model(ClockFile, CLOCKS_FILE).clocks)


def regimes() -> list[str]:
    return sorted({rule.regime for rule in clock_rules()})


Status = Literal["open", "closed"]


class Note(BaseModel):
    at: AwareDatetime
    by: str
    text: str


class Incident(BaseModel):
    """The whole state of one incident, as recorded by its latest event."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    status: Status = "open"
    became_aware_at: AwareDatetime
    opened_at: AwareDatetime
    opened_by: str
    regimes: list[str] = Field(default_factory=list)
    data_categories: list[str] = Field(default_factory=list)
    subjects: int | None = None
    notified: dict[str, AwareDatetime] = Field(default_factory=dict)
    notes: list[Note] = Field(default_factory=list)
    closed_at: AwareDatetime | None = None
    close_reason: str | None = None


@dataclass(frozen=True)
class Clock:
    rule: ClockRule
    due: datetime
    done_at: datetime | None
    now: datetime

    @property
    def state(self) -> Literal["running", "overrun", "met", "late"]:
        if self.done_at is not None:
            return "met" if self.done_at <= self.due else "late"
        return "running" if self.now <= self.due else "overrun"

    @property
    def seconds_left(self) -> float:
        """Negative once overrun; measured to when it was done, if it was."""
        return (self.due - (self.done_at or self.now)).total_seconds()


def clocks(incident: Incident, now: datetime) -> list[Clock]:
    """Every clock that applies to the incident, in the order of the clock data."""
    return [Clock(rule, rule.due(incident.became_aware_at), incident.notified.get(rule.id), now)
            for rule in clock_rules()
            if rule.regime in incident.regimes and rule.applies(incident.subjects)]


def who_am_i() -> str:
    user = getpass.getuser()
    sudo_user = os.environ.get("SUDO_USER")
    return f"{user} (via sudo from {sudo_user})" if sudo_user and sudo_user != user else user


def register(store: Store) -> dict[str, Incident]:
    """The latest state of every incident, by id, oldest first."""
    latest: dict[str, Incident] = {}
    for event in store.events(source=SOURCE):
        try:
            incident = Incident.model_validate(event.context)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise IncidentError(f"store: incident event {event.dedup_key!r} of "
                                f"{event.time.isoformat()}: {where}: {problem['msg']}") from exc
        latest[incident.id] = incident
    return latest


def _event(incident: Incident, host: Host, action: str) -> Event:
    return Event(host=host, source=SOURCE, kind="activity", category="compliance_finding",
                 severity=Severity.HIGH if incident.status == "open" else Severity.INFO,
                 summary=f"incident {incident.id} {action}: {incident.title}",
                 dedup_key=f"{SOURCE}:{incident.id}",
                 context=incident.model_dump(mode="json"), controls=CONTROLS)


def _check_regimes(names: list[str]) -> None:
    unknown = sorted(set(names) - set(regimes()))
    if unknown:
        raise IncidentError(f"--regime: unknown {', '.join(unknown)}; known: "
                            f"{', '.join(regimes())}")


def open_incident(store: Store, host: Host, title: str, became_aware_at: datetime,
                  regime_names: list[str], data_categories: list[str], subjects: int | None,
                  now: datetime) -> Incident:
    if not title.strip():
        raise IncidentError("--title must say what happened")
    if became_aware_at > now:
        raise IncidentError("--aware-at is in the future")
    _check_regimes(regime_names)
    existing = register(store)
    number = 1 + sum(1 for key in existing if key.startswith(f"INC-{now.year}-"))
    incident = Incident(id=f"INC-{now.year}-{number:04d}", title=title,
                        became_aware_at=became_aware_at, opened_at=now, opened_by=who_am_i(),
                        regimes=regime_names, data_categories=data_categories,
                        subjects=subjects)
    store.add_events([_event(incident, host, "opened")])
    return incident


def _current(store: Store, incident_id: str) -> Incident:
    found = register(store).get(incident_id)
    if found is None:
        raise IncidentError(f"no incident {incident_id!r} in the store")
    return found


def update_incident(store: Store, host: Host, incident_id: str, now: datetime,
                    note: str | None = None, notified: dict[str, datetime] | None = None,
                    regime_names: list[str] | None = None, subjects: int | None = None,
                    data_categories: list[str] | None = None,
                    became_aware_at: datetime | None = None) -> Incident:
    incident = _current(store, incident_id)
    changes: dict[str, object] = {}
    if regime_names is not None:
        _check_regimes(regime_names)
        changes["regimes"] = regime_names
    if subjects is not None:
        changes["subjects"] = subjects
    if data_categories is not None:
        changes["data_categories"] = data_categories
    if became_aware_at is not None:
        changes["became_aware_at"] = became_aware_at
    if notified:
        known = {rule.id for rule in clock_rules()}
        unknown = sorted(set(notified) - known)
        if unknown:
            raise IncidentError(f"--done: unknown clock {', '.join(unknown)}; known: "
                                f"{', '.join(sorted(known))}")
        changes["notified"] = {**incident.notified, **notified}
    if note:
        changes["notes"] = [*incident.notes, Note(at=now, by=who_am_i(), text=note)]
    if not changes:
        raise IncidentError("nothing to update: give --note, --done, --regime, --subjects, "
                            "--data or --aware-at")
    updated = Incident.model_validate({**incident.model_dump(), **changes})
    store.add_events([_event(updated, host, "updated")])
    return updated


def close_incident(store: Store, host: Host, incident_id: str, reason: str,
                   now: datetime) -> Incident:
    if not reason.strip():
        raise IncidentError("--reason must say why the incident is closed")
    incident = _current(store, incident_id)
    if incident.status == "closed":
        raise IncidentError(f"incident {incident_id} is already closed")
    closed = incident.model_copy(update={
        "status": "closed", "closed_at": now, "close_reason": reason,
        "notes": [*incident.notes, Note(at=now, by=who_am_i(), text=f"closed: {reason}")]})
    store.add_events([_event(closed, host, "closed")])
    return closed
