"""The systemd journal as a log, read by the real journalctl.

Journal files are written by Debian's `systemd-journal-remote` from journal export format,
as they would be received from another host; no journald needs to run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import vedette
from vedette.auth import journal
from vedette.auth.config import AuthSettings
from vedette.auth.follow import load_positions
from vedette.auth.sources import read_records
from vedette.auth.watch import Watcher
from vedette.events import Host
from vedette.store import open_store

JOURNAL_REMOTE = Path("/lib/systemd/systemd-journal-remote")
T0 = 1_764_321_365  # 2025-11-28 09:16:05 UTC


def export_entry(seconds: int, comm: str, message: str, pid: int = 42) -> str:
    return (f"__REALTIME_TIMESTAMP={(T0 + seconds) * 1_000_000}\n_COMM={comm}\n_PID={pid}\n"
            f"_HOSTNAME=web-1\nSYSLOG_IDENTIFIER={comm}\nMESSAGE={message}\n\n")


def failed(n: int) -> str:
    return export_entry(n, "sshd", f"Failed password for alice from 198.51.100.7 port "
                                   f"{50000 + n} ssh2", pid=1000 + n)


def write_journal(directory: Path, name: str, entries: list[str]) -> Path:
    """A journal file in `directory`, as systemd-journal-remote writes them."""
    if not JOURNAL_REMOTE.exists():
        pytest.fail("systemd-journal-remote is needed for this test "
                    "(Debian: apt-get install systemd-journal-remote)")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.journal"
    subprocess.run([str(JOURNAL_REMOTE), "-o", str(target), "-"], input="".join(entries),
                   text=True, check=True, capture_output=True)
    return target


def test_only_the_programs_that_authenticate_are_read(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    write_journal(directory, "a", [
        failed(0),
        export_entry(1, "cron", "Failed password for nobody from 192.0.2.1 port 1 ssh2"),
        export_entry(2, "sudo", "bob : 3 incorrect password attempts ; TTY=pts/0 ; "
                                "PWD=/home/bob ; USER=root ; COMMAND=/bin/sh"),
    ])
    records = list(read_records(f"journal:{directory}", traces=False))
    # cron's line is not read; sudo's three incorrect passwords are three attempts.
    assert [(r.service, r.outcome, r.src_ip, r.user) for r in records] == [
        ("sshd", "failure", "198.51.100.7", "alice")] + [("sudo", "failure", None, "root")] * 3
    assert {r.actor for r in records[1:]} == {"bob"}
    assert records[0].time is not None and records[0].time.timestamp() == T0


def test_watch_keeps_the_cursor_across_restarts(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    name = f"journal:{directory}"
    positions = tmp_path / "positions.json"
    settings = AuthSettings(record_failures=True, geo={"enabled": False})
    with open_store(tmp_path / "store.db") as store:
        def cycle() -> int:
            watcher = Watcher([name], settings, Host(name="web-1"), store, positions)
            result = watcher.cycle()
            assert result.warnings == []
            return int(result.result.status.context["failures"])

        write_journal(directory, "a", [failed(n) for n in range(6)])
        assert cycle() == 6
        assert cycle() == 0  # nothing new: nothing read twice
        write_journal(directory, "b", [failed(n) for n in range(6, 10)])
        assert cycle() == 4
        findings = [e for e in store.events("auth") if e.kind == "finding"]
        # Ten failures from one source in ten minutes, read across three restarts.
        assert [f.context["rule"] for f in findings] == ["brute_force"]
    assert load_positions(positions)[name].cursor.startswith("s=")


def test_a_journal_that_cannot_be_read_is_a_warning_in_watch(tmp_path: Path) -> None:
    positions = tmp_path / "positions.json"
    with open_store(tmp_path / "store.db") as store:
        watcher = Watcher([f"journal:{tmp_path / 'missing.journal'}"], AuthSettings(),
                          Host(name="web-1"), store, positions)
        result = watcher.cycle()
    assert result.warnings and "journalctl failed" in result.warnings[0]


def test_detect_reads_the_journal_from_the_command_line(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    write_journal(directory, "a", [failed(n) for n in range(10)])
    result = vedette("auth", "detect", f"journal:{directory}", "--format", "nagios")
    assert result.returncode == 2, result.stderr
    assert "failures=10" in result.stdout


def test_an_unreadable_journal_is_a_clear_error_for_detect(tmp_path: Path) -> None:
    result = vedette("auth", "detect", f"journal:{tmp_path / 'missing.journal'}")
    assert result.returncode == 3
    assert "journalctl failed" in result.stderr and "Traceback" not in result.stderr


def test_default_logs_fall_back_to_the_journal_without_syslog_files(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from vedette.auth import config, sources

    missing = [str(tmp_path / "auth.log"), str(tmp_path / "secure")]
    monkeypatch.setattr(config, "DEFAULT_LOGS", missing)
    monkeypatch.setattr(journal, "available", lambda: True)
    assert sources.default_logs(missing) == ["journal"]
    (tmp_path / "auth.log").write_text("")
    assert sources.default_logs(missing) == missing
    assert sources.default_logs(["/srv/app/auth.log"]) == ["/srv/app/auth.log"]
