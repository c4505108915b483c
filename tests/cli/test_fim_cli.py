"""`vedette fim` as cron, Nagios or a SIEM shipper runs it: a separate process, no terminal."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ANSI, TREE_POLICY_YAML, make_tree_files, tamper_one_row, vedette, write
from vedette.events import Host
from vedette.fim import run
from vedette.fim.policy import load_policy
from vedette.store import open_store

PERFDATA_ITEM = re.compile(r"^([a-z_]+)=(\d+(?:\.\d+)?)([a-z%]*);;;0$")
NAGIOS = re.compile(r"^FIM (OK|WARNING|CRITICAL) - (.+?) \| (.+)$")


@dataclass
class System:
    home: Path
    root: Path
    policy: Path

    @property
    def db(self) -> Path:
        return self.home / "fim.db"

    @property
    def key(self) -> Path:
        return self.home / "fim.db.key"

    def vedette(self, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        return vedette(*args, home=self.home)

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.vedette("fim", "check", "--policy", self.policy, *args)

    def init_here(self) -> None:
        """Take the baseline in-process (faster than the command), recorded in the store."""
        with open_store(self.home / "store.db") as store:
            run.init([str(self.root)], self.db, self.key, load_policy(self.policy),
                     Host(name=socket.gethostname()), store, workers=1)


@pytest.fixture
def system(tmp_path: Path) -> System:
    root = tmp_path / "sys"
    make_tree_files(root)
    policy = write(tmp_path / "policy.yaml", TREE_POLICY_YAML.format(root=root))
    home = Path(os.environ["VEDETTE_HOME"])
    return System(home, root, policy)


def _no_terminal_noise(*results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        assert not ANSI.search(result.stdout) and not ANSI.search(result.stderr)
        assert "\r" not in result.stdout + result.stderr  # no progress bar redraws


def _nagios(result: subprocess.CompletedProcess[str]) -> tuple[str, str, dict[str, str]]:
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = NAGIOS.match(lines[0])
    assert match, lines[0]
    perfdata = {}
    for item in match.group(3).split(" "):
        parsed = PERFDATA_ITEM.match(item)
        assert parsed, item
        perfdata[parsed.group(1)] = parsed.group(2)
    return match.group(1), match.group(2), perfdata


def test_init_then_check_is_clean(system: System) -> None:
    init = system.vedette("fim", "init", "--policy", system.policy, system.root)
    assert init.returncode == 0, init.stderr
    assert f"written to {system.db}" in init.stdout
    assert stat.S_IMODE(system.key.stat().st_mode) == 0o600
    check = system.check()
    assert check.returncode == 0, check.stderr
    assert re.search(r"checked \d+ paths: 0 changed", check.stdout)
    _no_terminal_noise(init, check)


def test_exit_codes_and_nagios_output(system: System) -> None:
    system.init_here()
    ok = system.check("--format", "nagios")
    assert ok.returncode == 0
    state, text, perfdata = _nagios(ok)
    assert state == "OK" and text.startswith("0 changed in ")
    assert {"changes", "critical", "high", "medium", "low", "scanned", "problems",
            "duration"} <= set(perfdata)
    assert perfdata["changes"] == "0" and int(perfdata["scanned"]) > 5

    write(system.root / "etc" / "app.conf", "level = debug\n")  # medium
    warning = system.check("--format", "nagios")
    assert warning.returncode == 1
    state, text, perfdata = _nagios(warning)
    assert state == "WARNING" and text.startswith("1 changed (1 medium)")
    assert (perfdata["changes"], perfdata["medium"], perfdata["critical"]) == ("1", "1", "0")

    write(system.root / "bin" / "ssh", "trojan")  # critical
    critical = system.check("--format", "nagios")
    assert critical.returncode == 2
    state, text, perfdata = _nagios(critical)
    assert state == "CRITICAL" and text.startswith("2 changed (1 critical, 1 medium)")
    assert (perfdata["changes"], perfdata["critical"]) == ("2", "1")
    _no_terminal_noise(ok, warning, critical)


def test_missing_baseline_exits_3(system: System) -> None:
    text = system.check()
    assert text.returncode == 3
    assert str(system.db) in text.stderr and "no baseline" in text.stderr
    assert text.stdout == ""
    nagios = system.check("--format", "nagios")
    assert nagios.returncode == 3
    assert nagios.stdout.startswith("FIM UNKNOWN - ") and str(system.db) in nagios.stdout
    assert len(nagios.stdout.splitlines()) == 1
    _no_terminal_noise(text, nagios)


def test_bad_policy_exits_3_naming_file_and_line(system: System) -> None:
    write(system.policy, "rules:\n  - name: x\n    paths: [/x]\n    severity: urgent\n")
    result = system.check()
    assert result.returncode == 3
    assert f"{system.policy}:4: rules.0.severity:" in result.stderr
    assert "Traceback" not in result.stderr


def test_jsonl_and_json_output(system: System) -> None:
    system.init_here()
    write(system.root / "etc" / "app.conf", "level = debug\n")
    write(system.root / "bin" / "ssh", "trojan")
    write(system.root / "bin" / "dropper", "new")
    jsonl = system.check("--format", "jsonl")
    assert jsonl.returncode == 2, jsonl.stderr
    events = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [e["kind"] for e in events] == ["finding"] * 3 + ["status"]
    findings, status = events[:-1], events[-1]
    by_path = {os.path.relpath(e["observables"]["file.path"], system.root): e for e in findings}
    assert set(by_path) == {"etc/app.conf", "bin/ssh", "bin/dropper"}
    for event in findings:
        assert event["category"] == "file_system_activity" and event["source"] == "fim"
        assert event["severity"] in ("medium", "critical")
    ssh = by_path["bin/ssh"]
    assert ssh["severity"] == "critical" and ssh["context"]["change"] == "modified"
    assert set(ssh["context"]["attributes"]["content"]) == {"before", "after"}
    assert ssh["context"]["attributes"]["size"]["after"] == len("trojan")
    assert by_path["bin/dropper"]["context"]["change"] == "added"
    assert status["category"] == "file_system_activity"
    assert status["context"]["changes"] == 3
    assert status["context"]["by_severity"]["critical"] == 2
    assert status["context"]["by_severity"]["medium"] == 1
    assert status["context"]["scanned"] > 5

    document = system.check("--format", "json")
    assert document.returncode == 2
    parsed = json.loads(document.stdout)
    assert parsed["exit_code"] == 2
    assert parsed["roots"] == [str(system.root)]
    assert len(parsed["findings"]) == 3 and parsed["status"]["kind"] == "status"
    _no_terminal_noise(jsonl, document)


def test_accept_history_and_store(system: System) -> None:
    system.init_here()
    write(system.root / "etc" / "app.conf", "level = debug\n")
    accept = system.vedette("fim", "accept", "--policy", system.policy,
                            "--reason", "CHG-42 planned config change")
    assert accept.returncode == 0, accept.stderr
    assert "1 change(s) accepted" in accept.stdout
    after = system.check()
    assert after.returncode == 0, after.stdout
    history = system.vedette("fim", "history")
    assert history.returncode == 0, history.stderr
    assert "signature verified" in history.stdout
    assert "CHG-42 planned config change" in history.stdout
    assert str(system.root / "etc" / "app.conf") in history.stdout
    _no_terminal_noise(accept, after, history)
    with open_store(system.home / "store.db") as store:
        runs = store.runs(source="fim")
        assert [(r.name, r.outcome, r.exit_code) for r in runs] == [
            ("init", "ok", 0), ("accept", "ok", 0), ("check", "ok", 0)]
        assert all(r.ended_at is not None for r in runs)
        assert [(e.kind, e.context["change"], e.context["reason"])
                for e in store.events(run_id=runs[1].id)] == [
            ("activity", "modified", "CHG-42 planned config change")]
        assert all(e.context["accepted_by"] for e in store.events(run_id=runs[1].id))
        assert [e.kind for e in store.events(run_id=runs[2].id)] == ["status"]
        assert [m.value for m in store.metrics(name="vedette_fim_changes")] == [0] * 5


def test_tampered_baseline_is_critical(system: System) -> None:
    system.init_here()
    tamper_one_row(system.db)
    jsonl = system.check("--format", "jsonl")
    assert jsonl.returncode == 2
    events = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [(e["kind"], e["severity"]) for e in events] == [("finding", "critical"),
                                                           ("status", "critical")]
    assert events[0]["context"]["change"] == "baseline_tampered"
    assert events[0]["observables"]["file.path"] == str(system.db)
    assert events[1]["context"]["baseline_verified"] is False


def test_corrupt_baseline_exits_3(system: System) -> None:
    system.init_here()
    system.db.write_bytes(os.urandom(8192))
    result = system.check()
    assert result.returncode == 3
    assert str(system.db) in result.stderr
    assert "Traceback" not in result.stderr


def test_names_and_reasons_are_shown_verbatim(system: System) -> None:
    # Text output goes through rich: a file name or a reason must never be read as markup,
    # or `[bold]x` shows as `x` and `[/]` crashes the command.
    system.init_here()
    write(system.root / "etc" / "[bold]planted", "x")
    write(system.root / "etc" / "[" / "] x", "y")  # the path has `[/]` in it
    check = system.check()
    assert check.returncode == 1, check.stderr
    assert "[bold]planted" in check.stdout
    assert "etc/[/] x" in check.stdout
    run.accept([], system.db, system.key, "ticket [/] [red]42", load_policy(system.policy),
               Host(name="h"), workers=1)
    history = system.vedette("fim", "history")
    assert history.returncode == 0, history.stderr
    assert "ticket [/] [red]42" in history.stdout
    assert "[bold]planted" in history.stdout
