"""`vedette pii scan` end to end: scan the inputs, tally, record the run and its events.

The run is recorded in the store whatever happens (start, end, scope, outcome), because
the evidence that the control operated matters as much as what it found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from vedette.events import Event, Host, Metric
from vedette.privacy.engine import Engine
from vedette.privacy.findings import Tally, finding_event, scan_metrics, status_event
from vedette.privacy.scan import LineFinding, Scan, ScanProblem
from vedette.status import OK, UNKNOWN, WARNING
from vedette.store import Store
from vedette.store.runs import RecordedRun


@dataclass
class ScanResult:
    tally: Tally
    problems: list[ScanProblem]
    skipped_binary: list[str]
    files: int
    bytes: int
    seconds: float
    events: list[Event]
    metrics: list[Metric]

    @property
    def exit_code(self) -> int:
        """3 when an input could not be read, else 1 when anything was found, else 0."""
        if self.problems:
            return UNKNOWN
        return WARNING if self.tally.total else OK


def scan_paths(paths: list[str], engine: Engine, host: Host, store: Store | None,
               on_finding: Callable[[LineFinding], None] | None = None,
               stdin: BinaryIO | None = None) -> ScanResult:
    """Scan `paths` ('-' is stdin), calling `on_finding` for each finding as it is found."""
    scope = list(paths)
    with RecordedRun(store, "privacy", "scan", host.name, scope) as run:
        started = time.monotonic()
        scan = Scan(engine)
        tally = Tally()
        try:
            for item in _each(scan.run(paths, stdin), on_finding):
                tally.add(item)
        except BaseException as exc:
            run.fail(exc, {"findings": tally.total})
            raise
        seconds = time.monotonic() - started
        events = [finding_event(host, group) for group in tally.groups.values()]
        events.append(status_event(host, scope, tally, scan.files, scan.bytes, scan.problems))
        metrics = scan_metrics(tally, scan.files, scan.bytes, seconds)
        result = ScanResult(tally, scan.problems, scan.skipped_binary, scan.files, scan.bytes,
                            seconds, events, metrics)
        outcome = "error" if result.problems else ("findings" if tally.total else "ok")
        run.finish(outcome, result.exit_code,
                   {"files": scan.files, "bytes": scan.bytes, "findings": tally.total,
                    "problems": len(scan.problems), "by_type": dict(tally.by_type)},
                   events, metrics)
    return result


def _each(items: Iterable[LineFinding], on_finding: Callable[[LineFinding], None] | None
          ) -> Iterable[LineFinding]:
    for item in items:
        if on_finding is not None:
            on_finding(item)
        yield item
