"""`vedette auth parse | detect | watch` as a monitoring agent runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.auth.conftest import DATA
from tests.conftest import vedette
from vedette.store import open_store

KEYS = ["line", "time", "service", "outcome", "src_ip", "user", "method", "reason"]


def brute_force_log(path: Path, success: bool = True) -> Path:
    lines = [f"Mar  7 18:00:{n:02d} web sshd[{100 + n}]: Failed password for root from "
             f"203.0.113.50 port {4000 + n} ssh2" for n in range(12)]
    if success:
        lines.append("Mar  7 18:01:00 web sshd[200]: Accepted password for root from "
                     "203.0.113.50 port 5000 ssh2")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_parse_prints_one_object_per_attempt(tmp_path: Path) -> None:
    result = vedette("auth", "parse", DATA / "mixed.log", DATA / "journal.json",
                     "--format", "jsonl", home=tmp_path)
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(list(o) == KEYS for o in objects)
    assert len(objects) == 28 + 3
    assert objects[0] == {"line": 5, "time": objects[0]["time"], "service": "sshd",
                          "outcome": "failure", "src_ip": "198.51.100.23", "user": "admin",
                          "method": "password", "reason": "invalid_user"}


def test_parse_reads_stdin(tmp_path: Path) -> None:
    import subprocess
    import sys

    text = (DATA / "mixed.log").read_bytes()
    result = subprocess.run([sys.executable, "-m", "vedette", "auth", "parse", "-"],
                            input=text, capture_output=True, timeout=60)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 28


def test_parse_reads_the_time_zone_from_the_configuration(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Mar  7 18:00:00 web sshd[1]: Failed password for root from 203.0.113.5 "
                   "port 4000 ssh2\n")
    config = tmp_path / "vedette.yaml"
    config.write_text("auth:\n  timezone: Asia/Tokyo\n")
    result = vedette("--config", config, "auth", "parse", log, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["time"].endswith("T09:00:00+00:00")  # 18:00 in Tokyo
    config.write_text("auth:\n  timezone: Mars/Olympus\n")
    result = vedette("--config", config, "auth", "parse", log, home=tmp_path)
    assert result.returncode == 3
    assert "unknown time zone 'Mars/Olympus'" in result.stderr


def test_parse_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = vedette("auth", "parse", tmp_path / "nope.log", home=tmp_path)
    assert result.returncode == 3
    assert "nope.log: cannot read" in result.stderr


def test_detect_exit_code_and_store_record(tmp_path: Path) -> None:
    log = brute_force_log(tmp_path / "auth.log")
    store = tmp_path / "store.db"
    result = vedette("auth", "detect", log, "--store", store, "--format", "json",
                     home=tmp_path)
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    rules = {f["context"]["rule"]: f["severity"] for f in document["findings"]}
    assert rules["success_after_failures"] == "critical"
    assert rules["brute_force"] == "high"
    with open_store(store) as events:
        runs = [(r.source, r.name, r.outcome, r.exit_code) for r in events.runs()]
        stored = {e.context.get("rule") for e in events.events("auth") if e.kind == "finding"}
    assert runs == [("auth", "detect", "detections", 2)]
    assert {"brute_force", "success_after_failures"} <= stored


def test_detect_on_a_quiet_log_is_ok_and_still_recorded(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Mar  7 18:00:00 web sshd[1]: Accepted publickey for alice from 10.0.0.2 "
                   "port 5 ssh2: ED25519 SHA256:x\n")
    store = tmp_path / "store.db"
    result = vedette("auth", "detect", log, "--store", store, "--format", "nagios",
                     home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("AUTH OK - ")
    with open_store(store) as events:
        assert [r.outcome for r in events.runs()] == ["ok"]


def test_config_thresholds_and_bad_config(tmp_path: Path) -> None:
    log = brute_force_log(tmp_path / "auth.log", success=False)
    config = tmp_path / "vedette.yaml"
    config.write_text("auth:\n  detect:\n    brute_force: {count: 50, window: 600}\n"
                      "    privileged: {count: 50, window: 600}\n  geo:\n    enabled: false\n")
    result = vedette("--config", config, "auth", "detect", log, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    config.write_text("auth:\n  detect:\n    brute_forse: {count: 5, window: 60}\n")
    result = vedette("--config", config, "auth", "detect", log, home=tmp_path)
    assert result.returncode == 3
    assert "vedette.yaml:3: auth.detect.brute_forse: unknown key" in result.stderr


def test_watch_once_twice_counts_each_line_once(tmp_path: Path) -> None:
    log = brute_force_log(tmp_path / "auth.log", success=False)
    store, positions = tmp_path / "store.db", tmp_path / "positions.json"
    first = vedette("auth", "watch", log, "--once", "--store", store, "--positions",
                    positions, home=tmp_path)
    assert first.returncode == 2, first.stderr
    assert "brute force" in first.stdout
    second = vedette("auth", "watch", log, "--once", "--store", store, "--positions",
                     positions, home=tmp_path)
    assert second.returncode == 0, second.stderr
    with open_store(store) as events:
        assert [run.counts["failures"] for run in events.runs()] == [12, 0]
