from __future__ import annotations

from pathlib import Path

from tests.conftest import vedette
from tests.drift.conftest import SAMPLES
from vedette.events import Event, Metric
from vedette.pipeline.items import parse_record_line


def test_ingest_text_and_exit_code_by_severity(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    done = vedette("drift", "ingest", SAMPLES / "puppet-corrective.yaml", "--store", store)
    assert done.returncode == 1, done.stderr
    assert "web2.example.com puppet: 2 changed (1 corrective) of 214; learning; low corrective" \
        in done.stdout
    assert "File[/etc/ssh/sshd_config]" in done.stdout
    failed = vedette("drift", "ingest", SAMPLES / "chef-run-converge.json", "--store", store)
    assert failed.returncode == 2


def test_ingest_jsonl_events_and_named_tool(tmp_path: Path) -> None:
    done = vedette("drift", "ingest", SAMPLES / "terraform-refresh-only.json", "--tool",
                   "terraform", "--host", "prod-account", "--format", "jsonl", "--store",
                   tmp_path / "s.db")
    records = [parse_record_line(line) for line in done.stdout.splitlines()]
    events = [r for r in records if isinstance(r, Event)]
    assert {r.name for r in records if isinstance(r, Metric)} == {
        "vedette_drift_resources_changed", "vedette_drift_resources_corrective",
        "vedette_drift_resources_failed"}
    assert {e.host.name for e in events} == {"prod-account"}
    corrective = next(e for e in events if e.context.get("verdict") == "corrective")
    assert [r["title"] for r in corrective.context["resources"]] == [
        "aws_security_group.web", "aws_s3_bucket.logs"]


def test_unreadable_file_is_named_and_the_rest_ingested(tmp_path: Path) -> None:
    done = vedette("drift", "ingest", tmp_path / "missing.yaml", SAMPLES / "puppet-changed.yaml",
                   "--store", tmp_path / "s.db")
    assert done.returncode == 3
    assert "missing.yaml: cannot read" in done.stderr
    assert "1 run(s) ingested, 0 finding(s), 1 file(s) unreadable" in done.stdout


def test_record_and_status(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    for hour, changed in enumerate([0, 1, 0, 2, 1]):
        done = vedette("drift", "record", "--tool", "salt", "--host", "db1", "--changed",
                       str(changed), "--time", f"2026-11-01T0{hour}:00:00+00:00", "--labels",
                       "role=db", "--store", store)
        assert done.returncode == 0, done.stderr
    burst = vedette("drift", "record", "--tool", "salt", "--host", "db1", "--changed", "25",
                    "--corrective", "5", "--time", "2026-11-01T05:00:00Z", "--store", store)
    assert burst.returncode == 1 and "medium anomaly" in burst.stdout
    status = vedette("drift", "status", "--host", "db1", "--store", store)
    assert "db1 salt: last run 2026-11-01 05:00, 25 changed (6 runs, usual 0-6.2 (host)): " \
        "anomaly, missing" in status.stdout
    assert status.returncode == 2
    lines = vedette("drift", "status", "--format", "jsonl", "--store", store).stdout
    records = [parse_record_line(line) for line in lines.splitlines()]
    (missing,) = [r for r in records if isinstance(r, Event)]
    (age,) = [r for r in records if isinstance(r, Metric)]
    assert missing.context["verdict"] == "missing" and missing.host.name == "db1"
    assert age.name == "vedette_drift_last_run_age_seconds" and age.value > 86400


def test_usage_errors_exit_3(tmp_path: Path) -> None:
    bad = vedette("drift", "record", "--tool", "x", "--host", "h", "--changed", "1",
                  "--labels", "nolabel", "--store", tmp_path / "s.db")
    assert bad.returncode == 3 and "KEY=VALUE" in bad.stderr
    worse = vedette("drift", "record", "--tool", "x", "--host", "h", "--changed", "1",
                    "--corrective", "2", "--store", tmp_path / "s.db")
    assert worse.returncode == 3 and "--corrective cannot exceed --changed" in worse.stderr
    config = tmp_path / "vedette.yaml"
    config.write_text("drift:\n  mode: silver\n")
    wrong = vedette("--config", config, "drift", "status", "--store", tmp_path / "s.db")
    assert wrong.returncode == 3 and "drift.mode" in wrong.stderr
