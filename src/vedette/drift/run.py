"""The drift operations, end to end: ingest reports, record a run by hand, show status.

Each records a run in the store (start, end, scope, outcome) whatever happens, and reads
the history its baselines learn from back from the same store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from vedette.drift import reports
from vedette.drift.anomaly import Judgement, Verdict, judge, overdue
from vedette.drift.baseline import GOLDEN, Expected, learn
from vedette.drift.config import DriftSettings
from vedette.drift.findings import SOURCE, missing_event, run_events, run_metrics
from vedette.drift.history import History, Point
from vedette.drift.model import ReportError, RunReport
from vedette.events import Event, Host, Metric, Severity, utcnow
from vedette.status import CRITICAL, OK, UNKNOWN
from vedette.status import exit_code_for as status_exit_code
from vedette.store import RunRecord, Store
from vedette.store.runs import RecordedRun


def exit_code_for(severity: Severity | None) -> int:
    """Nagios exit code; a series whose worst state is informational is OK."""
    return status_exit_code(None if severity is Severity.INFO else severity)


@dataclass
class JudgedRun:
    report: RunReport
    host: Host
    judgement: Judgement | None  # None: already in the store, not counted twice
    events: list[Event] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)

    @property
    def findings(self) -> list[Event]:
        return [event for event in self.events if event.kind == "finding"]


@dataclass
class IngestResult:
    runs: list[JudgedRun]
    errors: list[str]

    @property
    def events(self) -> list[Event]:
        return [event for run in self.runs for event in run.events]

    @property
    def exit_code(self) -> int:
        """The highest severity found; a report that could not be read makes it 3 unless
        something critical was found in the others."""
        code = exit_code_for(Severity.highest([e.severity for e in self.events
                                               if e.kind == "finding"]))
        return UNKNOWN if self.errors and code != CRITICAL else code


def _host_of(report: RunReport, local: Host, labels: dict[str, str]) -> Host:
    """The host the run was on; the configured labels apply when it is this host."""
    own = local.labels if report.host == local.name else {}
    return Host(name=report.host, labels={**own, **report.labels, **labels})


def _judge_and_store(report: RunReport, host: Host, history: History, store: Store,
                     record: RunRecord | None, settings: DriftSettings) -> JudgedRun:
    if history.seen(report.key):
        return JudgedRun(report, host, None)
    judgement = judge(report, host.labels, history, settings)
    judged = JudgedRun(report, host, judgement, run_events(report, host, judgement),
                       run_metrics(report, host))
    # Ids make a second delivery of the same run harmless; each write is all or nothing.
    store.add_events(judged.events, record,
                     ids=[f"drift:{report.key}:{e.dedup_key}" for e in judged.events])
    store.add_metrics(judged.metrics, record,
                      ids=[f"drift:{report.key}:{m.name}" for m in judged.metrics])
    history.add(Point(report.started, report.host, report.tool, report.changed,
                      report.run_failed, report.key, dict(host.labels)))
    return judged


def _finish(run: RecordedRun, result: IngestResult) -> None:
    counts = {"reports": len(result.runs),
              "already_ingested": sum(1 for run in result.runs if run.judgement is None),
              "findings": sum(len(run.findings) for run in result.runs),
              "errors": len(result.errors)}
    if result.errors:
        outcome = "partial" if result.runs else "error"
    else:
        outcome = "findings" if result.exit_code else "ok"
    run.finish(outcome, result.exit_code, counts, error="; ".join(result.errors) or None)


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a directory stands for the files in it (not hidden, not below),
    such as the directory the Ansible callback plugin writes to."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file()
                            and not p.name.startswith("."))
        else:
            files.append(path)
    return files


def ingest(paths: list[Path], tool: str, local: Host, store: Store, settings: DriftSettings,
           labels: dict[str, str] | None = None, host_name: str | None = None) -> IngestResult:
    """Read every report in `paths`, judge each run against its host's history, record it.

    A file that cannot be read is reported in `errors` by name; the others are still
    ingested. Runs are judged oldest first, so a backfill of old reports learns in order."""
    labels = labels or {}
    with RecordedRun(store, SOURCE, "ingest", local.name, [str(path) for path in paths]) as run:
        loaded: list[RunReport] = []
        errors: list[str] = []
        for path in expand(paths):
            try:
                loaded += reports.load(path, tool, host_name or local.name)
            except ReportError as exc:
                errors.append(str(exc))
        if host_name:
            for report in loaded:
                report.host = host_name
        history = History.from_store(store)
        runs = [_judge_and_store(report, _host_of(report, local, labels), history, store,
                                 run.record, settings)
                for report in sorted(loaded, key=lambda r: r.started)]
        result = IngestResult(runs, errors)
        _finish(run, result)
    return result


def record(report: RunReport, local: Host, store: Store, settings: DriftSettings,
           labels: dict[str, str] | None = None) -> IngestResult:
    """Record a run of any tool, described on the command line."""
    with RecordedRun(store, SOURCE, "record", local.name,
                     [f"{report.tool}:{report.host}"]) as run:
        history = History.from_store(store)
        judged = _judge_and_store(report, _host_of(report, local, labels or {}), history,
                                  store, run.record, settings)
        result = IngestResult([judged], [])
        _finish(run, result)
    return result


# --- status --------------------------------------------------------------------------------

@dataclass
class SeriesStatus:
    """Where one tool's runs on one host stand."""

    host: str
    tool: str
    runs: int
    last: Point
    expected: Expected | None
    problems: list[Verdict]

    @property
    def severity(self) -> Severity:
        return Severity.highest([v.severity for v in self.problems]) or Severity.INFO

    @property
    def state(self) -> str:
        if self.problems:
            return ", ".join(v.kind for v in self.problems)
        return "learning" if self.expected is None else "ok"


@dataclass
class StatusResult:
    series: list[SeriesStatus]
    events: list[Event]
    now: datetime

    @property
    def metrics(self) -> list[Metric]:
        """How long ago each host last ran each tool: what an alert on silence needs."""
        return [Metric(name="vedette_drift_last_run_age_seconds",
                       value=(self.now - s.last.time).total_seconds(),
                       labels={**s.last.labels, "host": s.host, "tool": s.tool}, time=self.now)
                for s in self.series]

    @property
    def exit_code(self) -> int:
        return exit_code_for(Severity.highest([s.severity for s in self.series]))


def _expected(last: Point, history: History, settings: DriftSettings) -> Expected | None:
    """The baseline the last run is judged by: the host's own, else a grouping label's."""
    if settings.mode == "golden":
        return GOLDEN
    own = learn(history.of_host(last.host, last.tool, last.time), "host", settings)
    if own is not None:
        return own
    for name in settings.group_by:
        if name in last.labels:
            value = last.labels[name]
            group = learn(history.of_label(name, value, last.tool, last.time),
                          f"{name}={value}", settings)
            if group is not None:
                return group
    return None


def _series_status(points: list[Point], history: History, now: datetime,
                   settings: DriftSettings) -> SeriesStatus:
    last = points[-1]
    expected = _expected(last, history, settings)
    severities = settings.severities
    problems: list[Verdict] = []
    if last.run_failed:
        problems.append(Verdict("failed", severities.failed, "the last run failed"))
    if expected is GOLDEN and last.changed:
        problems.append(Verdict("golden", severities.golden,
                                f"{last.changed} change(s) on a golden-image host"))
    elif expected is not None and expected is not GOLDEN and last.changed > expected.upper:
        problems.append(Verdict("anomaly", severities.anomaly,
                                f"{last.changed} change(s), usually at most "
                                f"{expected.upper:.1f} ({expected.scope})"))
    missing = overdue(points, now, settings)
    if missing is not None:
        problems.append(missing)
    return SeriesStatus(last.host, last.tool, len(points), last, expected, problems)


def status(store: Store, settings: DriftSettings, host: str | None = None,
           now: datetime | None = None, local: Host | None = None) -> StatusResult:
    """Each host's last run per tool (FIM checks included) against its baseline; a run
    that is overdue is recorded as a finding."""
    now = now or utcnow()
    local = local or Host(name="localhost")
    with RecordedRun(store, SOURCE, "status", local.name, [host or "(all hosts)"]) as run:
        history = History.from_store(store)
        series = [_series_status(points, history, now, settings)
                  for (series_host, _), points in sorted(history.series().items())
                  if points and (host is None or series_host == host)]
        events = [missing_event(Host(name=s.host, labels=s.last.labels), s.tool, verdict)
                  for s in series for verdict in s.problems if verdict.kind == "missing"]
        result = StatusResult(series, events, now)
        run.finish("ok" if result.exit_code == OK else "findings", result.exit_code,
                   {"series": len(series), "missing": len(events)}, events)
    return result


__all__ = ["IngestResult", "JudgedRun", "StatusResult", "exit_code_for", "expand", "ingest",
           "record", "status"]
