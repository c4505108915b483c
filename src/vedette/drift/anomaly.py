"""Judge one run against what is expected of its host: the verdicts that become findings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Literal

from vedette.drift.baseline import GOLDEN, Expected, learn
from vedette.drift.config import DriftSettings
from vedette.drift.history import History, Point
from vedette.drift.model import RunReport
from vedette.events import Severity

VerdictKind = Literal["golden", "anomaly", "corrective", "failed", "missing"]


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    severity: Severity
    detail: str
    context: dict[str, object] = field(default_factory=dict)


@dataclass
class Judgement:
    """The baselines a run was judged by (None while still learning) and the verdicts."""

    expected: Expected | None
    by_label: list[Expected]
    verdicts: list[Verdict]

    @property
    def severity(self) -> Severity:
        return Severity.highest([v.severity for v in self.verdicts]) or Severity.INFO


def baselines(report: RunReport, labels: dict[str, str], history: History,
              settings: DriftSettings) -> tuple[Expected | None, list[Expected]]:
    """The host's own baseline and one per grouping label the host carries."""
    if settings.mode == "golden":
        return GOLDEN, []
    own = learn(history.of_host(report.host, report.tool, report.started), "host", settings)
    by_label = []
    for name in settings.group_by:
        if name in labels:
            scope = f"{name}={labels[name]}"
            group = learn(history.of_label(name, labels[name], report.tool, report.started),
                          scope, settings)
            if group is not None:
                by_label.append(group)
    return own, by_label


def judge(report: RunReport, labels: dict[str, str], history: History,
          settings: DriftSettings) -> Judgement:
    own, by_label = baselines(report, labels, history, settings)
    severities = settings.severities
    verdicts: list[Verdict] = []
    if report.run_failed or report.failed:
        verdicts.append(Verdict("failed", severities.failed,
                                f"{report.failed} resource(s) failed" if report.failed
                                else "the run failed"))
    if report.corrective:
        verdicts.append(Verdict("corrective", severities.corrective,
                                f"{report.corrective} change(s) repaired drift made outside "
                                "the configuration code"))
    # The host's own baseline judges once it has one; until then a label's baseline does.
    judging = own or (by_label[0] if by_label else None)
    if judging is GOLDEN and report.changed:
        verdicts.append(Verdict("golden", severities.golden,
                                f"{report.changed} change(s) on a golden-image host",
                                {"expected": GOLDEN.as_context()}))
    elif judging is not None and judging is not GOLDEN and report.changed > judging.upper:
        verdicts.append(Verdict(
            "anomaly", severities.anomaly,
            f"{report.changed} change(s), usually at most {judging.upper:.1f} "
            f"({judging.scope} median {judging.median:g} over {judging.runs} runs)",
            {"expected": judging.as_context()}))
    return Judgement(own, by_label, verdicts)


def usual_interval(points: list[Point]) -> timedelta | None:
    """The median time between runs, once there are at least two intervals."""
    times = sorted(point.time for point in points)
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
    gaps = [gap for gap in gaps if gap > 0]
    if len(gaps) < 2:
        return None
    return timedelta(seconds=statistics.median(gaps))


def overdue(points: list[Point], now: datetime, settings: DriftSettings) -> Verdict | None:
    """A run that did not happen: the last one is older than `missing_after` usual intervals."""
    interval = usual_interval(points)
    if interval is None or not points:
        return None
    last = max(point.time for point in points)
    late = now - last
    if late <= interval * settings.missing_after:
        return None
    return Verdict("missing", settings.severities.missing,
                   f"no run for {_span(late)}; runs usually every {_span(interval)}",
                   {"last_run": last.isoformat(), "interval_seconds": interval.total_seconds(),
                    "overdue_seconds": late.total_seconds()})


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"
