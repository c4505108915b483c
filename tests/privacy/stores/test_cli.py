"""`pii scan-db` as cron or a CI job runs it: a separate process, no terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.privacy.stores.conftest import DSN, Seeded, assert_clean
from vedette.store import open_store

# The command function as the `pii` group registers it.
PROGRAM = """
import sys, typer
from vedette.privacy.stores.cli import scan_db
app = typer.Typer()
app.callback()(lambda: None)
app.command("scan-db")(scan_db)
app(sys.argv[1:], prog_name="vedette pii")
"""


def scan_db(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VEDETTE_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", PROGRAM, "scan-db", *args],
                          capture_output=True, text=True, env=environment, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_jsonl_one_object_per_finding_then_a_summary(seeded: Seeded, tmp_path: Path) -> None:
    done = scan_db(tmp_path, DSN, "--table", seeded.table("payments"), "--table",
                   seeded.table("audit_lines"), "--format", "jsonl")
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    *findings, summary = lines
    assert {(f["table"], f["column"], f["type"]) for f in findings} == {
        ("payments", "card", "CREDIT_CARD"), ("payments", "iban", "IBAN"),
        ("audit_lines", "line", "EMAIL")}
    assert all(f["schema"] == seeded.schema and f["key"] and f["hash"] and f["preview"]
               for f in findings)
    assert summary["summary"]["findings"] == 4
    assert summary["summary"]["by_type"] == {"CREDIT_CARD": 2, "IBAN": 1, "EMAIL": 1}
    assert summary["summary"]["exit_code"] == 1
    assert_clean(done.stdout + done.stderr)
    with open_store(tmp_path / "store.db") as store:
        (run,) = store.runs(source="privacy")
        assert (run.outcome, run.exit_code) == ("found", 1)
        assert_clean("\n".join(event.to_json() for event in store.events()))


def test_text_output(seeded: Seeded, tmp_path: Path) -> None:
    done = scan_db(tmp_path, DSN, "--table", seeded.table("payments"))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{seeded.schema}.payments.card [region=eu,seq=1] CREDIT_CARD ")
    assert any(line.startswith("scanned 1 tables (3 rows)") for line in lines)
    assert "  CREDIT_CARD: 2" in lines
    assert_clean(done.stdout + done.stderr)


def test_nothing_found_exits_0(seeded: Seeded, tmp_path: Path) -> None:
    done = scan_db(tmp_path, DSN, "--table", seeded.table("clean_events"), "--sample", "100")
    assert done.returncode == 0, done.stderr
    assert "0 personal data findings" in done.stdout


def test_server_down_exits_3_with_a_clear_error(tmp_path: Path) -> None:
    done = scan_db(tmp_path, "postgresql://auditor:s3cret@127.0.0.1:1/shop")
    assert done.returncode == 3
    assert done.stderr.startswith("vedette: error: host=127.0.0.1 port=1 dbname=shop "
                                  "user=auditor: cannot connect")
    assert "s3cret" not in done.stdout + done.stderr
    with open_store(tmp_path / "store.db") as store:
        (run,) = store.runs()
        assert (run.outcome, run.exit_code) == ("error", 3)
