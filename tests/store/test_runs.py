"""A run's record is closed exactly once, also when the check fails or is interrupted."""

from __future__ import annotations

import pytest

from vedette.events import Event, Host
from vedette.status import UNKNOWN
from vedette.store import Store
from vedette.store.runs import RecordedRun


def test_a_finished_run_keeps_its_outcome_events_and_counts(any_store: Store) -> None:
    event = Event(host=Host(name="h"), source="test", kind="status",
                  category="compliance_finding", summary="done", dedup_key="h:test:status")
    with RecordedRun(any_store, "test", "check", "h", ["/srv"]) as run:
        run.finish("ok", 0, {"files": 3}, [event])
        run.finish("changes", 2, {})  # a second close changes nothing
    (record,) = any_store.runs("test")
    assert (record.outcome, record.exit_code, record.counts) == ("ok", 0, {"files": 3})
    assert [e.summary for e in any_store.events("test")] == ["done"]


@pytest.mark.parametrize(("raised", "outcome"), [(ValueError("disk gone"), "error"),
                                                  (KeyboardInterrupt(), "interrupted")])
def test_a_run_that_raises_is_closed_with_the_reason(any_store: Store, raised: BaseException,
                                                     outcome: str) -> None:
    with pytest.raises(type(raised)), RecordedRun(any_store, "test", "check", "h", []):
        raise raised
    (record,) = any_store.runs("test")
    assert (record.outcome, record.exit_code) == (outcome, UNKNOWN)
    assert record.error == (str(raised) or type(raised).__name__)


def test_without_a_store_nothing_is_recorded() -> None:
    with RecordedRun(None, "test", "check", "h", []) as run:
        run.finish("ok", 0, {})
    assert run.record is None and run.finished
