"""Filters: severity, silences, occurrences, de-duplication, and resolutions on clearing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.pipeline.conftest import finding, sample, status
from vedette.events import Event, Severity, utcnow
from vedette.pipeline.filters import Filter, Silence, is_resolution
from vedette.pipeline.items import Record


def run(filter_: Filter, *records: Record) -> list[Record]:
    out: list[Record] = []
    for record in records:
        out += filter_(record)
    return out


def summaries(records: list[Record]) -> list[str]:
    return [r.summary if isinstance(r, Event) else r.name for r in records]


def test_minimum_severity_drops_findings_but_not_status_or_metrics() -> None:
    f = Filter(min_severity=Severity.MEDIUM)
    out = run(f, finding(1, Severity.LOW), finding(2, Severity.HIGH), status(), sample())
    assert summaries(out) == ["changed content: '/etc/f2'", "checked 10 paths",
                              "vedette_fim_changes"]
    assert f.dropped == 1


def test_a_finding_is_forwarded_once_while_it_stays_open() -> None:
    f = Filter()
    first = run(f, finding(1), status())
    again = run(f, finding(1), status())
    assert summaries(first) == ["changed content: '/etc/f1'", "checked 10 paths"]
    assert summaries(again) == ["checked 10 paths"]


def test_repeat_after_forwards_a_still_open_finding_again() -> None:
    f = Filter(repeat_after=timedelta(seconds=0))
    run(f, finding(1), status())
    assert summaries(run(f, finding(1))) == ["changed content: '/etc/f1'"]


def test_clearing_emits_a_resolution_with_the_same_dedup_key() -> None:
    f = Filter()
    run(f, finding(1), finding(2), status())
    out = run(f, finding(2), status())  # f1 no longer reported: it cleared
    (resolution, status_event) = out
    assert isinstance(resolution, Event) and is_resolution(resolution)
    assert resolution.dedup_key == "h1:fim:/etc/f1"
    assert resolution.summary == "resolved: changed content: '/etc/f1'"
    assert status_event.kind == "status"
    # Other sources' status events do not clear fim's findings.
    assert summaries(run(f, status(source="auth"))) == ["checked 10 paths"]
    assert [r for r in run(f, status()) if isinstance(r, Event) and is_resolution(r)]


def test_occurrence_threshold_holds_a_finding_back_until_seen_in_n_runs() -> None:
    f = Filter(occurrences=3)
    assert summaries(run(f, finding(1), finding(1), status())) == ["checked 10 paths"]
    assert summaries(run(f, finding(1), status())) == ["checked 10 paths"]
    assert summaries(run(f, finding(1), status())) == ["changed content: '/etc/f1'",
                                                       "checked 10 paths"]
    # Held-back findings that clear are never resolved: they were never raised.
    f2 = Filter(occurrences=2)
    run(f2, finding(5), status())
    assert summaries(run(f2, status())) == ["checked 10 paths"]


@pytest.mark.parametrize(("silence", "silenced"), [
    (Silence(until=utcnow() + timedelta(hours=1), dedup_key="h1:fim:/etc/*"), True),
    (Silence(until=utcnow() + timedelta(hours=1), source="auth"), False),
    (Silence(until=utcnow() - timedelta(seconds=1), dedup_key="*"), False),  # ended
    (Silence(until=utcnow() + timedelta(hours=1), host="h1", reason="maintenance"), True),
])
def test_silences_match_and_end(silence: Silence, silenced: bool) -> None:
    out = run(Filter(silences=[silence]), finding(1))
    assert (out == []) is silenced


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "filter-state.json"
    run(Filter(state_file=state), finding(1), status())
    restarted = Filter(state_file=state)
    assert summaries(run(restarted, finding(1), status())) == ["checked 10 paths"]  # no re-alert
    out = run(Filter(state_file=state), status())  # cleared, after another restart
    assert [r.dedup_key for r in out if isinstance(r, Event) and is_resolution(r)] == [
        "h1:fim:/etc/f1"]
    state.write_text("{not json")
    assert summaries(run(Filter(state_file=state), finding(1))) == ["changed content: '/etc/f1'"]
