"""What the store holds for one report: the runs and events of the period's weeks, read
once and shared by every section."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from vedette.events import Event
from vedette.report.period import Period
from vedette.report.scope import Pipeline, Scope
from vedette.store import RunRecord, Store

# Runs that completed their work; an error or interruption is evidence of a failure instead.
COMPLETED = {"ok", "changes", "detections", "findings", "found", "drift"}


@dataclass
class Holdings:
    period: Period
    now: datetime
    hosts: list[str]
    runs: list[RunRecord]
    events: list[Event]
    in_period_events: list[Event]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    # Every pipeline expected to report, with when it was last heard of before the end of
    # the period (None: named by the scope and never heard of).
    pipelines: dict[Pipeline, datetime | None] = field(default_factory=dict)

    def in_period(self, moment: datetime) -> bool:
        return self.period.contains(moment)

    def __post_init__(self) -> None:
        # Indexed once: each section reads a category, not the whole month.
        self.by_category: dict[str, list[Event]] = {}
        self.by_category_in_period: dict[str, list[Event]] = {}
        for event in self.events:
            self.by_category.setdefault(event.category, []).append(event)
        for event in self.in_period_events:
            self.by_category_in_period.setdefault(event.category, []).append(event)

    def category(self, name: str) -> list[Event]:
        return self.by_category.get(name, [])

    def period_events(self, category: str, source: str | None = None,
                      kind: str | None = None) -> list[Event]:
        return [e for e in self.by_category_in_period.get(category, [])
                if (source is None or e.source == source) and (kind is None or e.kind == kind)]

    def completed_runs(self, source: str, name: str | None = None) -> list[RunRecord]:
        return [r for r in self.runs if r.source == source and r.ended_at is not None
                and r.outcome in COMPLETED and (name is None or r.name == name)]


def gather(store: Store, period: Period, now: datetime, scope: Scope) -> Holdings:
    """Read the store once. Hosts in scope are those the scope names, or every host the
    store has heard from up to the end of the period (so a host that went silent still
    counts), plus the hosts of pipelines the scope names. Pipelines are read back to the
    scope's lookback before the period."""
    weeks = period.weeks()
    start, end = weeks[0].start, weeks[-1].end
    lookback = period.start - scope.lookback
    since = min(start, lookback)
    all_runs = store.runs()
    named = list(dict.fromkeys([*scope.hosts, *(p.host for p in scope.pipelines)]))
    wanted = set(named)
    # One pass, one time conversion per event: comparing times across time-zone objects
    # costs more than reading the event.
    bounds = (end.timestamp(), period.start.timestamp(), period.end.timestamp(),
              start.timestamp(), lookback.timestamp())
    events, in_period = [], []
    heard: set[str] = set()
    labels: dict[str, dict[str, str]] = {}
    seen: dict[Pipeline, datetime] = {}
    for event in store.events(since=since):
        if event.source == "incident" or (scope.hosts and event.host.name not in wanted):
            continue
        moment = event.time.timestamp()
        if moment >= bounds[0]:
            continue
        if event.host.labels:
            labels.setdefault(event.host.name, {}).update(event.host.labels)
        if moment < bounds[2]:
            heard.add(event.host.name)
            if moment >= bounds[4]:
                _note(seen, Pipeline(event.host.name, event.source), event.time)
        if moment < bounds[3]:  # before the first week: only tells what exists
            continue
        events.append(event)
        if bounds[1] <= moment < bounds[2]:
            in_period.append(event)
    if scope.hosts:
        hosts = named
    else:
        hosts = sorted({r.host for r in all_runs if r.started_at < period.end} | heard
                       | wanted)
    wanted = set(hosts)
    for run in all_runs:
        last = run.ended_at if run.ended_at and run.ended_at < period.end else run.started_at
        if run.started_at < period.end and last >= lookback:
            _note(seen, Pipeline(run.host, run.source), last)
    pipelines = {pipeline: moment for pipeline, moment in seen.items()
                 if pipeline.host in wanted}
    for pipeline in scope.pipelines:
        pipelines.setdefault(pipeline, None)
    events = [e for e in events if e.host.name in wanted]
    in_period = [e for e in in_period if e.host.name in wanted]
    return Holdings(period=period, now=now, hosts=hosts,
                    runs=[r for r in all_runs if start <= r.started_at < end and r.host in wanted],
                    events=events, in_period_events=in_period,
                    labels={h: labels.get(h, {}) for h in hosts},
                    pipelines=dict(sorted(pipelines.items())))


def _note(seen: dict[Pipeline, datetime], pipeline: Pipeline, moment: datetime) -> None:
    if pipeline not in seen or moment > seen[pipeline]:
        seen[pipeline] = moment
