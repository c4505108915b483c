"""The report reads only through the store interface: the same month replayed into a
PostgreSQL store gives the same figures."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.report.seed import AS_OF, Seed
from vedette.report import frameworks
from vedette.report.collect import collect
from vedette.report.period import month
from vedette.store import open_store


def test_same_figures_from_postgresql(seed: Seed, content: dict, pg_url: str) -> None:
    with open_store(seed.store) as source, open_store(pg_url) as target:
        target.add_events(source.events())
        target.add_metrics(source.metrics())
        replayed = collect(target, month("2026-11"), frameworks.select(None), AS_OF)
    # Events carry everything but the run records, so the integrity-check grid comes from
    # the checks' status events here, and must agree with the one built from runs.
    assert replayed["operation"]["fim_weekly"] == content["operation"]["fim_weekly"]
    for key in ("access", "privacy", "incidents"):
        assert replayed[key] == content[key], key
    # Without run records a pipeline's completed runs are unknown and it (or its host) is
    # last seen at its last event, a moment before its run ended; whether it reported is
    # the same.
    pipeline_detail = ("completed_runs", "last_seen")
    assert [{k: v for k, v in row.items() if k not in pipeline_detail}
            for row in replayed["coverage"].pop("pipelines")] == \
        [{k: v for k, v in row.items() if k not in pipeline_detail}
         for row in content["coverage"]["pipelines"]]
    hosts = [(datetime.fromisoformat(row.pop("last_seen")),
              datetime.fromisoformat(original["last_seen"]))
             for row, original in zip(replayed["coverage"]["hosts"],
                                      content["coverage"]["hosts"], strict=True)]
    assert all(run - timedelta(minutes=1) < event <= run for event, run in hosts), hosts
    assert replayed["coverage"] == {
        **{k: v for k, v in content["coverage"].items() if k != "pipelines"},
        "hosts": [{k: v for k, v in row.items() if k != "last_seen"}
                  for row in content["coverage"]["hosts"]]}
    assert replayed["operation"]["auth_daily"] == content["operation"]["auth_daily"]
    assert replayed["findings"]["drift"] == content["findings"]["drift"]
    assert [r["disposition"] for r in replayed["findings"]["fim"]] == \
        [r["disposition"] for r in content["findings"]["fim"]]
