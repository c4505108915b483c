"""`vedette pii scan` and `vedette pii redact` as a user, a CI job or a log shipper runs them."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import vedette
from vedette.store import open_store


def run_with_stdin(args: list[str], data: bytes, home: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "VEDETTE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "vedette", *args], input=data,
                          capture_output=True, env=env, timeout=60)


def test_scan_jsonl_exit_codes_and_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = tmp_path / "app.log"
    log.write_text("ok\ncontact jane@corp.io or +44 20 7946 0958\n")
    with gzip.open(tmp_path / "old.log.gz", "wt") as handle:
        handle.write("card 4111 1111 1111 1111\n")
    result = vedette("pii", "scan", log, tmp_path / "old.log.gz", "--format", "jsonl", home=home)
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["path"], r["line"], r["type"]) for r in records[:-1]] == [
        (str(log), 2, "EMAIL"), (str(log), 2, "PHONE"), (str(tmp_path / "old.log.gz"), 1,
                                                          "CREDIT_CARD")]
    assert records[0]["start"] == 8 and records[0]["end"] == 20
    assert records[-1]["summary"]["by_type"] == {"EMAIL": 1, "PHONE": 1, "CREDIT_CARD": 1}
    assert "jane" not in result.stdout
    key = home / "privacy.key"
    assert key.stat().st_mode & 0o777 == 0o600
    with open_store(home / "store.db") as store:
        runs = store.runs(source="privacy")
        events = list(store.events(source="privacy"))
    assert runs[-1].outcome == "findings" and runs[-1].exit_code == 1
    findings = [e for e in events if e.kind == "finding"]
    card = next(e for e in findings if e.context["entity_type"] == "CREDIT_CARD")
    assert card.category == "data_security_finding" and "pci_dss:3.5.1" in card.controls
    assert "gdpr:art32" in card.controls
    assert card.context["samples"][0]["preview"] == "**** **** **** 1111"
    assert "4111" not in json.dumps([e.model_dump(mode="json") for e in events]).replace(
        "**** **** **** 1111", "")


def test_scan_hashes_are_stable_across_runs_with_the_deployment_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = tmp_path / "a.log"
    log.write_text("jane@corp.io\n")
    first = vedette("pii", "scan", log, "--format", "jsonl", home=home).stdout.splitlines()[0]
    second = vedette("pii", "scan", log, "--format", "jsonl", home=home).stdout.splitlines()[0]
    assert json.loads(first)["hash"] == json.loads(second)["hash"]


def test_scan_clean_input_exits_zero_and_is_recorded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = tmp_path / "clean.log"
    log.write_text("GET /health 200 12ms trace_id=4bf92f3577b34da6a3ce929d0e0e4736\n")
    result = vedette("pii", "scan", log, home=home)
    assert result.returncode == 0, result.stderr
    assert "no personal data found" in result.stdout
    with open_store(home / "store.db") as store:
        assert store.runs(source="privacy")[-1].outcome == "ok"


def test_scan_names_unreadable_inputs_scans_the_rest_and_exits_3(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("jane@corp.io\n")
    result = vedette("pii", "scan", tmp_path / "missing.log", log, home=tmp_path / "home")
    assert result.returncode == 3
    assert "missing.log: no such file or directory" in result.stderr
    assert f"{log}:1:0-12 EMAIL" in result.stdout


def test_scan_stdin(tmp_path: Path) -> None:
    result = run_with_stdin(["pii", "scan", "-", "--format", "jsonl"],
                            b"x\nssn 536-22-1234\n", tmp_path)
    assert result.returncode == 1
    first = json.loads(result.stdout.splitlines()[0])
    assert (first["path"], first["line"], first["type"]) == ("-", 2, "US_SSN")


def test_scan_bad_policy_is_a_clear_error(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("transforms:\n  EMAIL: vanish\n")
    result = vedette("pii", "scan", tmp_path, "--policy", policy, home=tmp_path / "home")
    assert result.returncode == 3
    assert "p.yaml:2: transforms.EMAIL" in result.stderr


def test_redact_stream_json_text_and_garbage(tmp_path: Path) -> None:
    data = ('{"user": {"name": "Ana Lima"}, "password": "x-y-z-1", "msg": "hi ana@corp.io"}\n'
            "plain jane@corp.io line\r\n"
            '{"broken": json jane@corp.io\n'
            "\xff\xfe binary jane@corp.io\n").encode("latin-1")
    result = run_with_stdin(["pii", "redact"], data, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split(b"\n")
    record = json.loads(lines[0])
    assert record["user"]["name"].startswith("PERSON_")
    assert record["password"] == "<SECRET_TOKEN>" and record["msg"].startswith("hi EMAIL_")
    assert lines[1].startswith(b"plain EMAIL_") and lines[1].endswith(b" line\r")
    assert lines[2].startswith(b'{"broken": json EMAIL_')
    assert b"jane" not in result.stdout


def test_redact_flushes_each_line(tmp_path: Path) -> None:
    """In a pipe, each redacted line comes out before the next one goes in."""
    env = {**os.environ, "VEDETTE_HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "vedette", "pii", "redact"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert process.stdin is not None and process.stdout is not None
    try:
        for address in ("a@corp.io", "b@corp.io"):
            process.stdin.write(f"to {address}\n".encode())
            process.stdin.flush()
            assert process.stdout.readline().startswith(b"to EMAIL_")
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    assert process.returncode == 0
