"""`vedette auth detect` and each cycle of `vedette auth watch`: attempts in, detections,
events and metrics out, the run recorded in the store whatever happens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vedette.auth.config import AuthSettings
from vedette.auth.detect import Detector
from vedette.auth.findings import attempt_event, attempt_metrics, detection_event, status_event
from vedette.auth.geo import Geo
from vedette.auth.records import FAILURE, SUCCESS, AuthRecord
from vedette.auth.sources import SourceError, read_records
from vedette.events import Event, Host, Metric, Severity
from vedette.status import OK, exit_code_for
from vedette.store import Store
from vedette.store.runs import RecordedRun


class AuthError(Exception):
    """The check could not run; the message says what and where. Maps to exit code 3."""


def zone_of(settings: AuthSettings) -> ZoneInfo | None:
    if settings.timezone is None:
        return None
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AuthError(f"auth.timezone: unknown time zone {settings.timezone!r}") from exc


@dataclass
class Analysis:
    """Counts, detections and events built from counted attempts, fed in time order."""

    host: Host
    settings: AuthSettings
    geo: Geo
    detector: Detector = field(init=False)
    attempts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    sources: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    detections: Counter[str] = field(default_factory=Counter)  # by rule, since the start
    events: list[Event] = field(default_factory=list)
    lines: int = 0

    def __post_init__(self) -> None:
        self.detector = Detector(self.settings.detect)

    def add(self, record: AuthRecord, source_name: str) -> None:
        if not record.counted:
            return
        country = self.geo.origin(record.src_ip).country if record.src_ip else "local"
        self.attempts[(record.service, record.outcome, country)] += 1
        if record.src_ip is not None:
            self.sources.add(record.src_ip)
        if record.user is not None:
            self.users.add(record.user)
        if record.outcome == SUCCESS or self.settings.record_failures:
            self.events.append(attempt_event(record, self.host, self.geo, source_name))
        for found in self.detector.feed(record):
            self.detections[found.rule] += 1
            self.events.append(detection_event(found, self.host, self.geo))

    def counts(self) -> dict[str, Any]:
        by_outcome = Counter()
        for (_, outcome, _), count in self.attempts.items():
            by_outcome[outcome] += count
        return {"lines": self.lines, "failures": by_outcome[FAILURE],
                "successes": by_outcome[SUCCESS], "sources": len(self.sources),
                "users": len(self.users), "detections": dict(self.detections)}

    def metrics(self) -> list[Metric]:
        return attempt_metrics(self.attempts, self.sources, self.users, self.host,
                               self.detections)

    def findings(self) -> list[Event]:
        return [event for event in self.events if event.kind == "finding"]


@dataclass
class CheckResult:
    scope: list[str]
    findings: list[Event]
    activity: list[Event]
    status: Event
    metrics: list[Metric]
    exit_code: int

    @property
    def events(self) -> list[Event]:
        return [*self.activity, *self.findings, self.status]


def result_of(analysis: Analysis, scope: list[str]) -> CheckResult:
    findings = analysis.findings()
    activity = [event for event in analysis.events if event.kind != "finding"]
    status = status_event(analysis.host, scope, analysis.counts(), findings)
    return CheckResult(scope, findings, activity, status, analysis.metrics(),
                       exit_code_for(Severity.highest([event.severity for event in findings])))


def check(inputs: Iterable[str], settings: AuthSettings, host: Host,
          store: Store | None = None, geo: Geo | None = None) -> CheckResult:
    """Read `inputs` (oldest first), detect attacks, record the run in `store`."""
    scope = list(inputs)
    with RecordedRun(store, "auth", "detect", host.name, scope) as run:
        analysis = Analysis(host, settings, geo or Geo(settings.geo))
        zone = zone_of(settings)
        try:
            for name in scope:
                for record in read_records(name, zone, on_lines=analysis):
                    analysis.add(record, name)
        except SourceError as exc:
            raise AuthError(str(exc)) from exc
        result = result_of(analysis, scope)
        run.finish("ok" if result.exit_code == OK else "detections", result.exit_code,
                   result.status.context, result.events, result.metrics)
    return result
