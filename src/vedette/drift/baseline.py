"""What a host usually changes per run: the golden image (nothing), or a baseline learned
with robust statistics.

The learned baseline waits for the first converged run (a run that changed nothing):
before it, the host is still being brought to its configuration and its changes say
nothing about drift. From that run on, the last `window` runs that did not fail give a
median and a median absolute deviation (MAD). 1.4826 x MAD estimates the standard
deviation of normal data while ignoring outliers, so one wild run does not widen the
range that judges the next one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from vedette.drift.config import DriftSettings
from vedette.drift.history import Point

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Expected:
    """The usual number of changes per run, learned from `runs` runs of `scope`."""

    scope: str  # "host", or the label shared with other hosts, e.g. "role=web"
    median: float
    mad: float
    upper: float  # a run changing more than this is unusual
    runs: int

    def as_context(self) -> dict[str, object]:
        return {"scope": self.scope, "median": self.median, "mad": self.mad,
                "range": [0, round(self.upper, 2)], "runs": self.runs}


GOLDEN = Expected(scope="golden image", median=0.0, mad=0.0, upper=0.0, runs=0)


def learn(points: list[Point], scope: str, settings: DriftSettings) -> Expected | None:
    """The baseline of `points` (oldest first), or None while there is nothing to judge by:
    no converged run yet, or fewer than `min_runs` runs since the first one."""
    first = next((i for i, point in enumerate(points) if point.converged), None)
    if first is None:
        return None
    values = [point.changed for point in points[first:] if not point.run_failed]
    values = values[-settings.window:]
    if len(values) < settings.min_runs:
        return None
    median = statistics.median(values)
    mad = statistics.median(abs(value - median) for value in values)
    spread = max(MAD_TO_SIGMA * mad, settings.min_spread)
    return Expected(scope, float(median), float(mad), median + settings.threshold * spread,
                    len(values))
