"""Filter: decide which events go on to the sinks, and notice when a problem clears.

For each finding, in this order:
  1. silenced (a matching silence that has not ended) → dropped;
  2. below the minimum severity → dropped;
  3. seen in fewer consecutive runs than `occurrences` → held back;
  4. already forwarded and still open → dropped as a duplicate (same `dedup_key`), unless
     `repeat_after` has passed since it was last forwarded.

A check ends each run with a `status` event. Any finding of that source that was forwarded
before and was not reported again in this run has cleared: the filter emits a resolution
event (same `dedup_key`, `context.resolution = "cleared"`) that alerting sinks turn into a
resolve. Status events and activity records always pass (they are the check's heartbeat and
its record of what happened); metric samples are not filtered.

The state (open findings and their counts) is saved after every status event, so a restart
neither re-alerts nor forgets to resolve.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from vedette.events import Event, Severity, utcnow
from vedette.pipeline.items import Record

RESOLUTION = "cleared"
_RANKS = {severity: severity.rank for severity in Severity}


def is_resolution(event: Event) -> bool:
    return event.context.get("resolution") == RESOLUTION


@dataclass(frozen=True)
class Silence:
    until: datetime
    source: str | None = None
    dedup_key: str | None = None  # shell-style pattern
    host: str | None = None
    reason: str = ""

    def matches(self, event: Event, now: datetime) -> bool:
        return (now < self.until
                and (self.source is None or self.source == event.source)
                and (self.host is None or self.host == event.host.name)
                and (self.dedup_key is None
                     or fnmatch.fnmatchcase(event.dedup_key, self.dedup_key)))


@dataclass
class _Open:
    source: str
    count: int
    forwarded_at: float | None  # epoch seconds of the last forward, None if never forwarded
    event: Event | None  # the last forwarded finding, to phrase the resolution


class Filter:
    def __init__(self, min_severity: Severity = Severity.INFO, occurrences: int = 1,
                 repeat_after: timedelta | None = None, silences: list[Silence] | None = None,
                 state_file: Path | None = None) -> None:
        self.min_severity, self._min_rank = min_severity, min_severity.rank
        self.occurrences = max(1, occurrences)
        self.repeat_after = repeat_after
        self.silences = silences or []
        self.state_file = state_file
        self.dropped = 0
        self._open: dict[str, _Open] = self._load()
        self._seen: dict[str, set[str]] = {}

    def __call__(self, record: Record) -> list[Record]:
        if not isinstance(record, Event):
            return [record]
        if record.kind == "status":
            return [*self._clear(record), record]
        if record.kind != "finding":
            return [record]
        return [record] if self._forward(record) else []

    def _forward(self, event: Event) -> bool:
        key = event.dedup_key
        state = self._open.get(key)
        if state is None:
            state = self._open[key] = _Open(event.source, 0, None, None)
        seen = self._seen.get(event.source)
        if seen is None:
            seen = self._seen[event.source] = set()
        if key not in seen:  # one occurrence per run, however often reported
            seen.add(key)
            state.count += 1
        if (_RANKS[event.severity] < self._min_rank or state.count < self.occurrences
                or (self.silences and self._silenced(event))):
            self.dropped += 1
            return False
        moment = time.time()
        if state.forwarded_at is not None and (
                self.repeat_after is None
                or moment - state.forwarded_at < self.repeat_after.total_seconds()):
            self.dropped += 1
            return False
        state.forwarded_at, state.event = moment, event
        return True

    def _silenced(self, event: Event) -> bool:
        now = utcnow()
        return any(silence.matches(event, now) for silence in self.silences)

    def _clear(self, status: Event) -> list[Event]:
        seen = self._seen.pop(status.source, set())
        cleared = [key for key, state in self._open.items()
                   if state.source == status.source and key not in seen]
        resolutions = []
        for key in cleared:
            state = self._open.pop(key)
            if state.event is not None:
                resolutions.append(_resolution(state.event, status))
        self._save()
        return resolutions

    def _load(self) -> dict[str, _Open]:
        if self.state_file is None or not self.state_file.exists():
            return {}
        try:
            data = json.loads(self.state_file.read_text())
            return {key: _Open(value["source"], value["count"], value["forwarded_at"],
                               Event.model_validate(value["event"]) if value["event"] else None)
                    for key, value in data.items()}
        except (OSError, ValueError, TypeError, KeyError):
            # A damaged state file costs at most a repeated alert, never a lost one.
            return {}

    def _save(self) -> None:
        if self.state_file is None:
            return
        data = {key: {"source": state.source, "count": state.count,
                      "forwarded_at": state.forwarded_at,
                      "event": state.event.model_dump(mode="json") if state.event else None}
                for key, state in self._open.items()}
        temporary = self.state_file.with_name(f".{self.state_file.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_file)


def _resolution(finding: Event, status: Event) -> Event:
    return Event(time=status.time, host=finding.host, source=finding.source, kind="activity",
                 category=finding.category, severity=Severity.INFO,
                 summary=f"resolved: {finding.summary}", dedup_key=finding.dedup_key,
                 context={"resolution": RESOLUTION, "severity": finding.severity.value},
                 observables=finding.observables, controls=finding.controls)
