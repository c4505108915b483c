"""`vedette auth watch`: read what the logs gained since last time, detect, record.

Each cycle is a run in the store. Positions are saved only after the cycle's events are
stored, and events carry ids derived from their content, so a crash between the two at
worst re-reads lines whose events the store then skips: nothing lost, nothing counted twice.
The detection windows are saved in the same file as the positions, so a restarted watch
still sees an attack that spans the restart, and holds each line in its windows once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vedette.auth import journal
from vedette.auth.config import AuthSettings
from vedette.auth.follow import PositionError, load_state, read_new, save_positions
from vedette.auth.geo import Geo
from vedette.auth.parsers import LogParser
from vedette.auth.run import Analysis, CheckResult, result_of, zone_of
from vedette.auth.timestamps import Clock
from vedette.events import Host
from vedette.status import OK
from vedette.store import Store
from vedette.store.runs import RecordedRun


@dataclass
class CycleResult:
    result: CheckResult
    warnings: list[str] = field(default_factory=list)


class Watcher:
    """Keeps parsers (open sshd connections) and detection windows between cycles."""

    def __init__(self, logs: list[str], settings: AuthSettings, host: Host, store: Store,
                 positions: Path, geo: Geo | None = None) -> None:
        self.logs, self.settings, self.host, self.store = logs, settings, host, store
        self.positions_path = positions
        self.positions, detector_state = load_state(positions)
        self.zone = zone_of(settings)
        self.analysis = Analysis(host, settings, geo or Geo(settings.geo))
        if detector_state is not None:
            try:
                self.analysis.detector.restore(detector_state)
            except (TypeError, ValueError, KeyError, OverflowError) as exc:
                raise PositionError(f"{positions}: detection state unreadable: {exc}") from exc
        self._parsers: dict[str, LogParser] = {}

    def cycle(self) -> CycleResult:
        analysis = self.analysis
        analysis.events, analysis.lines = [], 0
        warnings: list[str] = []
        with RecordedRun(self.store, "auth", "watch", self.host.name, self.logs) as run:
            for log in self.logs:
                reader = journal.read_new if journal.is_journal(log) else read_new
                chunks, problems = reader(log, self.positions)
                warnings += problems
                parser = self._parsers.setdefault(log, LogParser(Clock(zone=self.zone)))
                for chunk in chunks:
                    parser.clock = Clock(zone=self.zone)  # the reference: now
                    for record in parser.parse(chunk.lines, chunk.first_line):
                        analysis.add(record, chunk.path)
                    analysis.lines += len(chunk.lines)
            result = result_of(analysis, self.logs)
            events = result.events
            # Stored before the positions are saved: see the module's docstring.
            self.store.add_events(events, run.record,
                                  ids=[_event_id(e.to_json()) for e in events])
            self.store.add_metrics(result.metrics, run.record)
            detector = analysis.detector
            if detector.latest is not None:
                detector.prune(detector.latest)
            save_positions(self.positions_path, self.positions, detector.state())
            counts = {**result.status.context, "warnings": warnings}
            run.finish("ok" if result.exit_code == OK else "detections", result.exit_code,
                       counts)
        return CycleResult(result, warnings)

    def run(self, on_cycle: Callable[[CycleResult], None], cycles: int | None = None) -> None:
        """Cycle every `interval` seconds, `cycles` times (None: until interrupted)."""
        done = 0
        while cycles is None or done < cycles:
            started = time.monotonic()
            on_cycle(self.cycle())
            done += 1
            if cycles is None or done < cycles:
                time.sleep(max(0.0, self.settings.interval - (time.monotonic() - started)))


def _event_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
