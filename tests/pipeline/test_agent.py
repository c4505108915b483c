"""The agent end to end: configuration, --once with Nagios status, scheduling, timeouts,
concurrency, the Sensu check mode, retention and the single-instance lock."""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from tests.conftest import vedette
from tests.pipeline.conftest import finding
from vedette.config import ConfigError, Settings
from vedette.events import Host
from vedette.pipeline import checks
from vedette.pipeline.agent import Agent
from vedette.pipeline.checks import CRITICAL, OK, UNKNOWN, WARNING, Runner, worst
from vedette.pipeline.config import AgentSettings
from vedette.pipeline.settings import load_agent_settings
from vedette.store import open_store


def write_config(path: Path, tmp: Path, agent: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({
        "host": {"name": "agent-host", "labels": {"region": "eu-west-1"}},
        "store": {"path": str(tmp / "store.db")}, "fim": {"db": str(tmp / "fim.db")},
        "agent": {"state_dir": str(tmp / "state"), **agent}}))
    return path


@pytest.fixture
def fim_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "app.conf").write_text("level = info\n")
    (tree / "etc" / "old.conf").write_text("x\n")
    return tree


def test_once_runs_fim_delivers_and_exits_with_the_worst_status(tmp_path: Path,
                                                                fim_tree: Path) -> None:
    out = tmp_path / "out.jsonl"
    config = write_config(tmp_path / "v.yaml", tmp_path, {
        "checks": [{"name": "etc", "type": "fim", "paths": [str(fim_tree)]}],
        "sinks": [{"type": "jsonl", "path": str(out)}]})
    assert vedette("-c", config, "fim", "init", fim_tree).returncode == 0
    clean = vedette("-c", config, "agent", "--once")
    assert clean.returncode == OK, clean.stderr
    (fim_tree / "etc" / "old.conf").unlink()
    changed = vedette("-c", config, "agent", "--once")
    assert changed.returncode == WARNING, changed.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    findings = [r for r in records if r.get("kind") == "finding"]
    assert [f["summary"] for f in findings] == [f"deleted: '{fim_tree}/etc/old.conf'"]
    assert findings[0]["host"] == {"name": "agent-host", "labels": {"region": "eu-west-1"}}
    statuses = [r for r in records if r.get("kind") == "status"]
    assert len(statuses) == 2 and len({r["id"] for r in records}) == len(records)
    metrics = {r["metric"]["name"] for r in records if "metric" in r}
    assert {"vedette_fim_changes", "vedette_check_status", "vedette_check_duration_seconds",
            "vedette_check_last_run_timestamp_seconds"} <= metrics
    # Each run is recorded in the store by the check itself, as from the command line.
    with open_store(tmp_path / "store.db") as store:
        runs = store.runs(source="fim")
    assert [(r.name, r.outcome, r.exit_code) for r in runs][-2:] == [
        ("check", "ok", 0), ("check", "changes", 1)]


def test_sensu_check_mode_prints_a_status_line_and_metrics(tmp_path: Path,
                                                           fim_tree: Path) -> None:
    config = write_config(tmp_path / "v.yaml", tmp_path, {
        "checks": [{"name": "etc", "type": "fim", "paths": [str(fim_tree)]}]})
    assert vedette("-c", config, "fim", "init", fim_tree).returncode == 0
    result = vedette("-c", config, "agent", "--once", "--metrics-format", "nagios_perfdata")
    assert result.returncode == OK
    (line,) = result.stdout.splitlines()
    text, perfdata = line.split(" | ")
    assert text == "VEDETTE OK - etc ok"
    assert "vedette_check_status_etc_fim=0" in perfdata.split()
    prom = vedette("-c", config, "agent", "--once", "--metrics-format", "prometheus_text")
    assert prom.stdout.splitlines()[0] == "VEDETTE OK - etc ok"
    assert any(line.startswith("vedette_fim_changes{") and 'severity="high"} 0 ' in line
               for line in prom.stdout.splitlines())


def test_a_check_that_cannot_run_is_unknown_and_a_finding(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    config = write_config(tmp_path / "v.yaml", tmp_path, {
        "checks": [{"name": "nobaseline", "type": "fim"}],
        "sinks": [{"type": "jsonl", "path": str(out)}]})
    result = vedette("-c", config, "agent", "--once")
    assert result.returncode == UNKNOWN
    records = [json.loads(line) for line in out.read_text().splitlines()]
    (problem,) = [r for r in records if r.get("kind") == "finding"]
    assert problem["summary"].startswith("check nobaseline could not run: ")
    assert "fim.db" in problem["summary"]
    assert problem["dedup_key"] == "agent-host:agent:nobaseline"


def test_configuration_errors_name_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "v.yaml"
    config.write_text("agent:\n  checks:\n    - name: x\n      type: fim\n      intervall: 5\n")
    result = vedette("-c", config, "agent", "--once")
    assert result.returncode == UNKNOWN
    assert f"{config}:5: agent.checks.0.intervall: unknown key" in result.stderr
    config.write_text("agent:\n  checks: [{name: x, type: fim}]\n"
                      "  sinks:\n    - type: prometheus\n      listen: 0.0.0.0:9464\n")
    result = vedette("-c", config, "agent", "--once")
    assert result.returncode == UNKNOWN and "needs a bearer token" in result.stderr
    config.write_text("agent:\n  checks: [{name: x, type: nmap}]\n")
    assert "unknown type 'nmap'" in vedette("-c", config, "agent", "--once").stderr
    config.write_text("agent: {}\n")
    assert "no check configured" in vedette("-c", config, "agent", "--once").stderr


def test_durations_and_unique_names(tmp_path: Path) -> None:
    config = write_config(tmp_path / "v.yaml", tmp_path, {
        "checks": [{"name": "a", "type": "fim", "interval": "5m", "timeout": "90s"}],
        "retention": "30d", "filters": {"repeat_after": "2h"}})
    _, agent = load_agent_settings(config)
    assert (agent.checks[0].interval, agent.checks[0].timeout) == (300, 90)
    assert agent.retention == 30 * 86400 and agent.filters.repeat_after == 7200
    with pytest.raises(ValidationError, match="names must be unique"):
        AgentSettings.model_validate({"sinks": [{"type": "stdout"}, {"type": "stdout"}]})


# --- scheduling, in process, with a scripted check -------------------------------------------

SLEEPER = """
import json, sys, time
time.sleep(float(sys.argv[1]))
print(json.dumps({"metric": {"name": "vedette_test_runs", "value": 1}}))
"""


@pytest.fixture
def sleeper(monkeypatch: pytest.MonkeyPatch) -> None:
    """A check type `sleep` whose runs last `args[0]` seconds."""
    runner = Runner("file_system_activity",
                    lambda check, config: [sys.executable, "-c", SLEEPER, *check.args])
    monkeypatch.setitem(checks.RUNNERS, "sleep", runner)


def make_agent(tmp_path: Path, **agent: Any) -> Agent:
    settings = Settings.model_validate({"host": {"name": "h"}})
    return Agent(settings, AgentSettings.model_validate(
        {"state_dir": str(tmp_path / "state"), **agent}), None)


def test_timeouts_kill_the_check_and_concurrency_is_bounded(tmp_path: Path,
                                                            sleeper: None) -> None:
    agent = make_agent(tmp_path, concurrency=2, checks=[
        {"name": f"c{n}", "type": "sleep", "args": ["0.6"]} for n in range(4)] + [
        {"name": "slow", "type": "sleep", "args": ["30"], "timeout": 1}])
    started = time.monotonic()
    try:
        outcomes = agent.run_once()
    finally:
        agent.close()
    elapsed = time.monotonic() - started
    by_name = {o.check.name: o for o in outcomes}
    assert by_name["slow"].status == UNKNOWN and "timed out after 1 s" in str(
        by_name["slow"].error)
    assert all(by_name[f"c{n}"].status == OK for n in range(4))
    # 5 checks, 2 at a time: at least 3 rounds; the 30 s one was killed at 1 s.
    assert 1.2 < elapsed < 20


def test_a_real_check_killed_at_its_timeout_is_recorded_as_timeout_and_unknown(
        tmp_path: Path) -> None:
    # `auth detect` of a named pipe nobody writes to: the check starts its run in the
    # store, then waits for the first line for ever.
    pipe = tmp_path / "auth.log"
    os.mkfifo(pipe)
    out = tmp_path / "out.jsonl"
    config = write_config(tmp_path / "v.yaml", tmp_path, {
        "checks": [{"name": "ssh", "type": "auth", "args": ["detect", str(pipe)],
                    "timeout": "3s"}],
        "sinks": [{"type": "jsonl", "path": str(out)}]})
    started = time.monotonic()
    result = vedette("-c", config, "agent", "--once")
    assert result.returncode == UNKNOWN, result.stderr
    assert time.monotonic() - started < 30
    with open_store(tmp_path / "store.db") as store:
        (run,) = store.runs(source="auth")
    assert (run.outcome, run.exit_code, run.error) == ("timeout", UNKNOWN, "timed out after 3 s")
    assert run.ended_at is not None and run.ended_at >= run.started_at
    records = [json.loads(line) for line in out.read_text().splitlines()]
    (problem,) = [r for r in records if r.get("kind") == "finding"]
    assert problem["summary"] == "check ssh could not run: timed out after 3 s"


DIES = """
import os, signal, sys
from vedette.store import open_store
open_store(sys.argv[1]).start_run("fim", "check", "h", [])
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_check_killed_by_a_signal_is_recorded_as_interrupted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(checks.RUNNERS, "dies", Runner(
        "file_system_activity", lambda check, config: [sys.executable, "-c", DIES,
                                                       *check.args]))
    store_path = tmp_path / "store.db"
    settings = Settings.model_validate({"host": {"name": "h"},
                                        "store": {"path": str(store_path)}})
    with open_store(store_path) as store:  # a run of another process is left alone
        other = store.start_run("fim", "check", "h", [])
    agent = Agent(settings, AgentSettings.model_validate({
        "state_dir": str(tmp_path / "state"),
        "checks": [{"name": "oom", "type": "dies", "args": [str(store_path)]}]}), None)
    try:
        (outcome,) = agent.run_once()
    finally:
        agent.close()
    assert outcome.status == UNKNOWN
    with open_store(store_path) as store:
        runs = {run.id: run for run in store.runs()}
    assert runs.pop(other.id).outcome == "running"
    (killed,) = runs.values()
    assert (killed.outcome, killed.exit_code) == ("interrupted", UNKNOWN)
    assert killed.pid not in (None, os.getpid())


def test_the_scheduler_runs_checks_on_their_intervals(tmp_path: Path, sleeper: None) -> None:
    agent = make_agent(tmp_path, jitter=0.2, checks=[
        {"name": "fast", "type": "sleep", "args": ["0"], "interval": 0.3}])
    runs: list[float] = []
    original = agent.run_check

    def counting(check: Any) -> Any:
        runs.append(time.monotonic())
        return original(check)

    agent.run_check = counting  # type: ignore[method-assign]
    stop = threading.Event()
    thread = threading.Thread(target=agent.run_forever, args=(stop,))
    thread.start()
    time.sleep(2.5)
    stop.set()
    thread.join(10)
    agent.close()
    assert not thread.is_alive()
    assert 3 <= len(runs) <= 9
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    assert min(gaps) >= 0.25  # never twice at once, never before the (jittered) interval


def test_one_agent_per_state_directory(tmp_path: Path) -> None:
    first = make_agent(tmp_path)
    try:
        with pytest.raises(ConfigError, match="another agent"):
            make_agent(tmp_path)
    finally:
        first.close()
    make_agent(tmp_path).close()


def test_retention_prunes_the_local_store(tmp_path: Path) -> None:
    settings = Settings.model_validate({"store": {"path": str(tmp_path / "store.db")}})
    with open_store(tmp_path / "store.db") as store:
        old = finding(1).model_copy(update={"time": datetime.now(UTC) - timedelta(days=40)})
        store.add_events([old, finding(2).model_copy(update={"time": datetime.now(UTC)})])
    agent = Agent(settings, AgentSettings.model_validate(
        {"state_dir": str(tmp_path / "state"), "retention": "30d"}), None)
    try:
        agent.housekeeping()
    finally:
        agent.close()
    with open_store(tmp_path / "store.db") as store:
        assert [e.summary for e in store.events()] == ["changed content: '/etc/f2'"]


def test_worst_status_ranks_critical_over_unknown_over_warning() -> None:
    assert worst([OK, WARNING, UNKNOWN]) == UNKNOWN
    assert worst([UNKNOWN, CRITICAL, OK]) == CRITICAL
    assert worst([]) == OK


def test_live_metrics_report_spool_and_sinks(tmp_path: Path) -> None:
    agent = make_agent(tmp_path, sinks=[{"type": "jsonl", "path": str(tmp_path / "o.jsonl")}])
    try:
        agent.pipeline.put([finding(1)])
        agent.deliveries[0].step()
        names = {(m.name, tuple(m.labels.items()), m.value) for m in agent.live_metrics()}
    finally:
        agent.close()
    assert ("vedette_sink_delivered_total", (("sink", "jsonl"),), 1) in names
    assert ("vedette_spool_dropped_total", (), 0) in names
    assert Host(name="h").name == "h"


def test_auth_checks_run_through_their_cli_and_redaction_hides_addresses(
        tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("".join(f"Nov 28 08:00:{second} web1 sshd[100]: Failed password for root "
                           f"from 203.0.113.9 port 42{second} ssh2\n"
                           for second in range(10, 40)))
    out = tmp_path / "out.jsonl"
    config = write_config(tmp_path / "v.yaml", tmp_path, {
        "redact": {"enabled": True},
        "checks": [{"name": "ssh", "type": "auth", "args": ["detect", str(log)]}],
        "sinks": [{"type": "jsonl", "path": str(out)}]})
    result = vedette("-c", config, "agent", "--once")
    assert result.returncode in (WARNING, CRITICAL), result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r for r in records if r.get("kind") == "finding" and r["source"] == "auth"]
    assert "203.0.113.9" not in out.read_text()
    key = tmp_path / "state" / "redaction.key"
    assert key.stat().st_mode & 0o777 == 0o600
    # The same key next run: the same tokens, so the open findings are not re-sent.
    vedette("-c", config, "agent", "--once")
    again = [json.loads(line) for line in out.read_text().splitlines()][len(records):]
    assert not [r for r in again if r.get("kind") == "finding"]
