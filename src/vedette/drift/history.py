"""Past runs read back from the store: the series the baselines are learned from.

A drift run is its status event (source `drift`); a file-integrity check is the status
event `vedette fim check` records (source `fim`): files changed per check is a drift
series too, under the tool name `fim`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from vedette.events import Event
from vedette.store import Store

FIM = "fim"


@dataclass(frozen=True)
class Point:
    """One past run of one tool on one host."""

    time: datetime
    host: str
    tool: str
    changed: int
    run_failed: bool = False
    key: str = ""
    labels: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def converged(self) -> bool:
        """A run that found nothing to change: the host matched its configuration."""
        return self.changed == 0 and not self.run_failed


def point_of(event: Event) -> Point | None:
    """The run an event is the status of, or None for any other event."""
    if event.kind != "status":
        return None
    context = event.context
    if event.source == "drift" and "tool" in context and "changed" in context:
        return Point(event.time, event.host.name, context["tool"], int(context["changed"]),
                     bool(context.get("run_failed")), context.get("run_key", ""),
                     dict(event.host.labels))
    if event.source == FIM and "changes" in context:
        return Point(event.time, event.host.name, FIM, int(context["changes"]),
                     not context.get("baseline_verified", True), "", dict(event.host.labels))
    return None


class History:
    """Every run in the store, by (host, tool), oldest first; new runs are added as a batch
    is judged, so a backfill of old reports learns in order."""

    def __init__(self, points: list[Point] | None = None) -> None:
        self._series: dict[tuple[str, str], list[Point]] = defaultdict(list)
        self._keys: set[str] = set()
        for point in sorted(points or [], key=lambda p: p.time):
            self.add(point)

    @classmethod
    def from_store(cls, store: Store) -> History:
        points = []
        for source in ("drift", FIM):
            points += [p for p in map(point_of, store.events(source=source)) if p is not None]
        return cls(points)

    def add(self, point: Point) -> None:
        series = self._series[(point.host, point.tool)]
        series.append(point)
        if series[-2:-1] and series[-2].time > point.time:
            series.sort(key=lambda p: p.time)
        if point.key:
            self._keys.add(point.key)

    def seen(self, key: str) -> bool:
        return key in self._keys

    def of_host(self, host: str, tool: str, before: datetime | None = None) -> list[Point]:
        return [p for p in self._series.get((host, tool), [])
                if before is None or p.time < before]

    def of_label(self, name: str, value: str, tool: str, before: datetime | None = None
                 ) -> list[Point]:
        """Runs of every host carrying label `name=value`, oldest first."""
        points = [p for (_, series_tool), series in self._series.items() if series_tool == tool
                  for p in series if p.labels.get(name) == value
                  and (before is None or p.time < before)]
        return sorted(points, key=lambda p: p.time)

    def series(self) -> dict[tuple[str, str], list[Point]]:
        return dict(self._series)
