"""The `drift:` section of the configuration: which baseline, and when a run is a finding."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vedette.events import Severity


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DriftSeverities(_Section):
    """Severity of each kind of finding."""

    golden: Severity = Severity.MEDIUM  # any change on a golden-image host
    anomaly: Severity = Severity.MEDIUM  # far more changes than the learned baseline
    corrective: Severity = Severity.LOW  # changes that repaired drift made outside the code
    failed: Severity = Severity.HIGH  # a run that failed
    missing: Severity = Severity.HIGH  # a run that did not happen when expected


class DriftSettings(_Section):
    # golden: the expected number of changes is zero. bootstrap: learn what is usual.
    mode: Literal["golden", "bootstrap"] = "bootstrap"
    # Runs of the sliding history the baseline is learned from (per host, per label).
    window: int = Field(default=30, ge=3, le=10_000)
    # Runs needed since the first converged run before a baseline judges.
    min_runs: int = Field(default=3, ge=1)
    # A run is unusual above median + threshold x (1.4826 x MAD), the robust z-score.
    threshold: float = Field(default=3.5, gt=0)
    # The smallest spread assumed, so a host that always changes nothing is not flagged
    # for one change more: the upper bound is at least median + threshold x min_spread.
    min_spread: float = Field(default=1.0, gt=0)
    # Host labels whose hosts share a baseline (role, group...), used where a host's own
    # history is too short.
    group_by: list[str] = Field(default_factory=lambda: ["role"])
    # A host whose last run is older than this many times its usual interval is missing.
    missing_after: float = Field(default=3.0, gt=1)
    severities: DriftSeverities = Field(default_factory=DriftSeverities)
