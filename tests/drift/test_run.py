"""Ingest, record and status against a real store: history, baselines, findings, metrics."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from tests.conftest import Tree
from tests.drift.conftest import LOCAL, SAMPLES, START, run, settings
from vedette.drift import run as drift
from vedette.events import Event, Host, Severity
from vedette.store import Store


def record_series(store: Store, host: str, values: list[int], **options: object) -> None:
    for hour, value in enumerate(values):
        drift.record(run(host, value, hour, **options), LOCAL, store,  # type: ignore[arg-type]
                     settings())


def kinds(result: drift.IngestResult) -> list[str]:
    return [v.kind for r in result.runs if r.judgement for v in r.judgement.verdicts]


def test_bootstrap_learns_then_flags_a_run_far_above_usual(store: Store) -> None:
    record_series(store, "web1", [35, 9, 0, 2, 1, 3, 2])  # bootstrap, converge, usual churn
    usual = drift.record(run("web1", 4, 10), LOCAL, store, settings())
    assert usual.exit_code == 0 and kinds(usual) == []
    burst = drift.record(run("web1", 40, 11), LOCAL, store, settings())
    assert burst.exit_code == 1 and kinds(burst) == ["anomaly"]
    finding = next(e for e in burst.events if e.kind == "finding")
    assert finding.category == "config_drift" and finding.severity is Severity.MEDIUM
    expected = finding.context["expected"]
    # Learned from the runs since the first converged one: 0 2 1 3 2 4.
    assert expected["scope"] == "host" and expected["median"] == 2.0 and expected["runs"] == 6
    assert expected["range"] == [0, round(2 + 3.5 * 1.4826, 2)]


def test_no_judgement_until_converged(store: Store) -> None:
    record_series(store, "new", [60, 45, 30, 20])
    result = drift.record(run("new", 90, 5), LOCAL, store, settings())
    judged = result.runs[0].judgement
    assert judged is not None and judged.expected is None and result.exit_code == 0


def test_golden_image_any_change_is_a_finding_listing_resources(store: Store) -> None:
    result = drift.ingest([SAMPLES / "puppet-changed.yaml", SAMPLES / "puppet-unchanged.yaml"],
                          "auto", LOCAL, store, settings(mode="golden"))
    changed, unchanged = result.runs
    assert [e.kind for e in unchanged.events] == ["status"]
    finding = next(e for e in changed.events if e.kind == "finding")
    assert finding.context["verdict"] == "golden"
    assert finding.context["resources"] == [{"title": "File[/etc/motd]", "path": "/etc/motd"}]
    assert finding.observables == {"file.path": "/etc/motd"}
    assert result.exit_code == 1


def test_corrective_changes_reported_apart_from_intentional(store: Store) -> None:
    result = drift.ingest([SAMPLES / "puppet-corrective.yaml"], "auto", LOCAL, store, settings())
    events = {e.dedup_key.rsplit(":", 1)[-1]: e for e in result.events}
    assert set(events) == {"status", "changes", "corrective"}
    assert events["changes"].kind == "activity"
    assert [r["title"] for r in events["changes"].context["resources"]] == ["Package[nginx]"]
    assert events["corrective"].kind == "finding"
    assert events["corrective"].context["resources"] == [
        {"title": "File[/etc/ssh/sshd_config]", "path": "/etc/ssh/sshd_config",
         "corrective": True}]
    assert events["status"].context["intentional"] == 1
    assert events["status"].context["corrective"] == 1


def test_failed_run_is_a_high_finding(store: Store) -> None:
    result = drift.ingest([SAMPLES / "chef-run-converge.json"], "auto", LOCAL, store,
                          settings())
    assert result.exit_code == 2
    failed = next(e for e in result.events if e.context.get("verdict") == "failed")
    assert failed.severity is Severity.HIGH
    assert failed.context["resources"] == [{"title": "service[app]", "failed": True}]


def test_label_baseline_judges_a_host_without_history(store: Store) -> None:
    web = {"role": "web"}
    for host in ("web1", "web2"):
        record_series(store, host, [0, 1, 2, 1], labels=web)
    result = drift.record(run("web9", 30, 10), LOCAL, store, settings(), labels=web)
    judged = result.runs[0].judgement
    assert judged is not None and judged.expected is None
    assert [e.scope for e in judged.by_label] == ["role=web"]
    assert kinds(result) == ["anomaly"]
    finding = next(e for e in result.events if e.kind == "finding")
    assert finding.context["expected"]["scope"] == "role=web"
    assert finding.host.labels == web


def test_metrics_events_and_run_record_in_the_store(store: Store) -> None:
    drift.ingest([SAMPLES / "puppet-corrective.yaml"], "auto", LOCAL, store, settings())
    samples = {m.name: m for m in store.metrics()}
    assert samples["vedette_drift_resources_changed"].value == 2
    assert samples["vedette_drift_resources_corrective"].value == 1
    assert samples["vedette_drift_resources_failed"].value == 0
    assert samples["vedette_drift_run_duration_seconds"].value == 14.82
    assert samples["vedette_drift_resources_changed"].labels["host"] == "web2.example.com"
    (record,) = store.runs(source="drift")
    assert (record.name, record.outcome, record.exit_code) == ("ingest", "findings", 1)
    assert record.counts == {"reports": 1, "already_ingested": 0, "findings": 1, "errors": 0}
    assert {e.category for e in store.events(source="drift")} == {"config_drift"}


def test_same_report_twice_counts_once(store: Store, tmp_path: Path) -> None:
    first = drift.ingest([SAMPLES / "puppet-changed.yaml"], "auto", LOCAL, store, settings())
    copy = tmp_path / "again.yaml"
    shutil.copy(SAMPLES / "puppet-changed.yaml", copy)
    again = drift.ingest([copy], "auto", LOCAL, store, settings())
    assert again.runs[0].judgement is None and again.events == []
    assert len(list(store.events(source="drift"))) == len(first.events)


def test_garbage_in_a_batch_loses_nothing_else(store: Store) -> None:
    paths = [SAMPLES / "broken" / "garbage.json", SAMPLES / "puppet-changed.yaml",
             SAMPLES / "broken" / "puppet-truncated.yaml", SAMPLES / "chef-handler.json"]
    result = drift.ingest(paths, "auto", LOCAL, store, settings())
    assert [r.report.host for r in result.runs] == ["app1.example.com", "web1.example.com"]
    assert len(result.errors) == 2 and "garbage.json" in result.errors[0]
    assert result.exit_code == 3
    (record,) = store.runs(source="drift")
    assert record.outcome == "partial" and record.counts["errors"] == 2
    assert "puppet-truncated.yaml" in (record.error or "")
    assert len([e for e in store.events(source="drift") if e.kind == "status"]) == 2


def test_status_finds_a_missing_run_and_records_it(store: Store) -> None:
    record_series(store, "web1", [0, 1, 0, 1])  # hourly
    record_series(store, "web2", [0, 0, 0, 0])
    drift.record(run("web2", 0, 10), LOCAL, store, settings())
    now = START + timedelta(hours=11)  # web1's last run was 8 hours ago
    result = drift.status(store, settings(), now=now, local=LOCAL)
    states = {s.host: s.state for s in result.series}
    assert states == {"web1": "missing", "web2": "ok"}
    assert result.exit_code == 2
    (missing,) = result.events
    assert missing.context["verdict"] == "missing" and missing.host.name == "web1"
    assert [e.context.get("verdict") for e in store.events(source="drift")
            if e.kind == "finding"] == ["missing"]
    only = drift.status(store, settings(), host="web2", now=now, local=LOCAL)
    assert [s.host for s in only.series] == ["web2"] and only.exit_code == 0


def test_fim_checks_are_a_drift_series(store: Store) -> None:
    host = Host(name="web1")
    for hour, changes in enumerate([0, 1, 0, 2, 1, 30]):
        check = store.start_run("fim", "check", host.name, ["/etc"])
        store.add_events([Event(time=START + timedelta(hours=hour), host=host, source="fim",
                                kind="status", category="file_system_activity",
                                summary=f"checked 10 paths: {changes} changed",
                                dedup_key="web1:fim:status",
                                context={"changes": changes, "baseline_verified": True})],
                         check)
        store.finish_run(check, "ok", 0, {})
    result = drift.status(store, settings(), now=START + timedelta(hours=6), local=LOCAL)
    (fim,) = result.series
    assert (fim.tool, fim.runs, fim.last.changed, fim.state) == ("fim", 6, 30, "anomaly")
    assert fim.expected is not None and fim.expected.median == 1


def test_a_directory_stands_for_its_files(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    for name in ("ansible-summary-changed.json", "ansible-summary-failed.json"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / ".vedette-half-written.tmp").write_text("{")
    result = drift.ingest([folder], "auto", LOCAL, store, settings())
    assert [r.report.changed for r in result.runs] == [1, 1] and result.errors == []
    again = drift.ingest([folder], "auto", LOCAL, store, settings())
    assert [r.judgement for r in again.runs] == [None, None]


def test_real_fim_checks_feed_the_status(tree: Tree) -> None:
    tree.check()
    (tree.root / "etc" / "app.conf").write_text("level = debug\n")
    tree.check()
    result = drift.status(tree.store, settings(), host=tree.host.name, local=LOCAL)
    (fim,) = result.series
    assert (fim.tool, fim.runs, fim.last.changed, fim.expected) == ("fim", 2, 1, None)
    assert fim.last.labels == {"env": "test"}
