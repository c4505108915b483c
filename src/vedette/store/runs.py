"""A check run's record, opened when the check starts and closed exactly once.

Auditors need proof that a control operated, also when it failed: a run that ends in an
exception is closed as an error (or as interrupted, for a signal or Ctrl-C) with the reason,
so a gap in the evidence always says why. Every check records its runs through this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vedette.events import Event, Metric
from vedette.status import UNKNOWN
from vedette.store.base import RunRecord, Store


class RecordedRun:
    """`with RecordedRun(store, "fim", "check", host, scope) as run: ... run.finish(...)`;
    with `store` None nothing is recorded (library use without a store)."""

    def __init__(self, store: Store | None, source: str, name: str, host: str,
                 scope: list[str]) -> None:
        self.store = store
        self.record: RunRecord | None = (store.start_run(source, name, host, scope)
                                         if store is not None else None)

    @property
    def finished(self) -> bool:
        return self.record is None or self.record.ended_at is not None

    def finish(self, outcome: str, exit_code: int, counts: dict[str, Any],
               events: Sequence[Event] = (), metrics: Sequence[Metric] = (),
               error: str | None = None, event_ids: Sequence[str] | None = None) -> None:
        """Store the run's events and metrics, then close it; later calls do nothing."""
        if self.store is None or self.record is None or self.finished:
            return
        if events:
            self.store.add_events(events, self.record, ids=event_ids)
        if metrics:
            self.store.add_metrics(metrics, self.record)
        self.store.finish_run(self.record, outcome, exit_code, counts, error=error)

    def fail(self, exc: BaseException, counts: dict[str, Any] | None = None) -> None:
        """Close the run as failed because of `exc`."""
        outcome = "error" if isinstance(exc, Exception) else "interrupted"
        self.finish(outcome, UNKNOWN, counts or {}, error=str(exc) or type(exc).__name__)

    def __enter__(self) -> RecordedRun:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 *rest: object) -> None:
        if exc is not None:
            self.fail(exc)
