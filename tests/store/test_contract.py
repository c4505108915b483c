"""What every store backend promises, run against SQLite and the real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vedette.events import Event, Host, Metric, MetricType, Severity
from vedette.store import PruneCounts, Store

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def event(n: int, source: str = "fim", time: datetime | None = None) -> Event:
    return Event(time=time or T0 + timedelta(minutes=n), host=Host(name="h1", labels={"r": "eu"}),
                 source=source, kind="finding", category="file_system_activity",
                 severity=Severity.HIGH, summary=f"event {n}", dedup_key=f"h1:{source}:{n}",
                 context={"n": n, "ratio": 1.5, "nested": {"list": [1, "two", None]}},
                 observables={"file.path": f"/etc/{n}"}, controls=["pci_dss:11.5.2"])


def metric(name: str, value: float, minutes: int, **labels: str) -> Metric:
    return Metric(name=name, value=value, labels=labels, time=T0 + timedelta(minutes=minutes),
                  type=MetricType.COUNTER if name.endswith("_total") else MetricType.GAUGE)


def test_runs_record_start_finish_outcome_and_counts(any_store: Store) -> None:
    run = any_store.start_run("fim", "check", "h1", ["/etc", "/usr/bin"])
    assert run.id > 0 and run.outcome == "running" and run.ended_at is None
    (stored,) = any_store.runs()
    assert (stored.id, stored.source, stored.name, stored.scope) == (run.id, "fim", "check",
                                                                      ["/etc", "/usr/bin"])
    assert stored.outcome == "running" and stored.exit_code is None
    any_store.finish_run(run, "changes", 2, {"scanned": 10, "by_severity": {"high": 1}})
    (stored,) = any_store.runs()
    assert (stored.outcome, stored.exit_code) == ("changes", 2)
    assert stored.counts == {"scanned": 10, "by_severity": {"high": 1}}
    assert stored.ended_at is not None and stored.ended_at >= stored.started_at
    other = any_store.start_run("pii", "scan", "h1", [])
    assert [r.id for r in any_store.runs(source="pii")] == [other.id]
    # Each run names the process that recorded it (whoever kills it can close its run).
    assert run.pid == other.pid == os.getpid()
    assert [r.pid for r in any_store.runs()] == [os.getpid(), os.getpid()]
    assert any_store.runs(since=datetime.now(UTC) + timedelta(hours=1)) == []


def test_events_round_trip_and_filters(any_store: Store) -> None:
    run_a = any_store.start_run("fim", "check", "h1", [])
    originals = [event(1), event(2)]
    assert any_store.add_events(originals, run_a) == 2
    any_store.add_events([event(3, source="pii"), event(4)])
    assert list(any_store.events())[:2] == originals
    assert [e.context["n"] for e in any_store.events(source="fim")] == [1, 2, 4]
    assert [e.context["n"] for e in any_store.events(run_id=run_a.id)] == [1, 2]
    assert [e.context["n"] for e in any_store.events(since=T0 + timedelta(minutes=3))] == [3, 4]
    assert any_store.add_events([]) == 0


def test_since_compares_instants_across_time_zones(any_store: Store) -> None:
    paris = datetime(2024, 3, 1, 14, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    any_store.add_events([event(1, time=T0), event(2, time=T0 + timedelta(microseconds=5)),
                          event(3, time=paris)])
    since = datetime(2024, 3, 1, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert [e.context["n"] for e in any_store.events(since=since)] == [1, 2, 3]
    assert [e.context["n"] for e in
            any_store.events(since=T0 + timedelta(microseconds=1))] == [2, 3]


def test_add_events_is_atomic(any_store: Store) -> None:
    any_store.add_events([event(0)])

    def failing() -> Iterator[Event]:
        yield event(1)
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        any_store.add_events(failing())
    assert [e.context["n"] for e in any_store.events()] == [0]
    assert any_store.add_events([event(7)]) == 1


def test_ids_make_redelivery_harmless(any_store: Store) -> None:
    batch = [event(n) for n in range(4)]
    assert any_store.add_events(batch, ids=["a", "b", "c", "d"]) == 4
    # A redelivery after a crash: two already stored, one new, one duplicated in the batch.
    again = [event(2), event(3), event(9), event(9)]
    assert any_store.add_events(again, ids=["c", "d", "e", "e"]) == 1
    assert [e.context["n"] for e in any_store.events()] == [0, 1, 2, 3, 9]
    samples = [metric("vedette_x", 1, 0), metric("vedette_x", 2, 1)]
    assert any_store.add_metrics(samples, ids=["m1", "m2"]) == 2
    assert any_store.add_metrics(samples, ids=["m1", "m2"]) == 0
    assert any_store.add_events([event(11), event(12)]) == 2  # no ids: always written
    # The caller's own serialization is stored as is (the pipeline has it already).
    assert any_store.add_events([event(13)], bodies=[event(13).to_json()]) == 1
    assert list(any_store.events())[-1] == event(13)
    with pytest.raises(ValueError):
        any_store.add_events([event(14)], bodies=[])
    with pytest.raises(ValueError, match="ids"):
        any_store.add_events([event(1)], ids=["x", "y"])


def test_metrics_round_trip_and_filters(any_store: Store) -> None:
    samples = [metric("vedette_fim_changes", 2, 0, severity="high", host="h1"),
               metric("vedette_fim_runs_total", 1, 2),
               metric("vedette_fim_changes", 0.5, 3, severity="low", host="h1")]
    assert any_store.add_metrics(samples) == 3
    assert list(any_store.metrics()) == samples
    assert [m.value for m in any_store.metrics(name="vedette_fim_changes")] == [2, 0.5]
    assert [m.name for m in any_store.metrics(since=T0 + timedelta(minutes=2))] == [
        "vedette_fim_runs_total", "vedette_fim_changes"]


def test_retention_prunes_old_events_samples_and_empty_finished_runs(any_store: Store) -> None:
    old_run = any_store.start_run("fim", "check", "h1", [])
    any_store.add_events([event(1, time=T0 - timedelta(days=100))], old_run)
    any_store.add_metrics([metric("vedette_x", 1, -100 * 24 * 60)], old_run)
    any_store.finish_run(old_run, "ok", 0, {})
    running = any_store.start_run("fim", "check", "h1", [])  # not finished: kept
    recent = any_store.start_run("fim", "check", "h1", [])
    any_store.add_events([event(2)], recent)
    any_store.add_metrics([metric("vedette_x", 2, 0)], recent)
    any_store.finish_run(recent, "ok", 0, {})
    # Runs started now, so a cutoff in the future would remove them once they are empty.
    counts = any_store.prune(T0 - timedelta(days=90))
    assert counts == PruneCounts(events=1, metrics=1, runs=0)
    assert [e.context["n"] for e in any_store.events()] == [2]
    assert [m.value for m in any_store.metrics()] == [2]
    counts = any_store.prune(datetime.now(UTC) + timedelta(seconds=5))
    assert counts == PruneCounts(events=1, metrics=1, runs=2)
    assert [r.id for r in any_store.runs()] == [running.id]
