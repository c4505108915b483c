"""Vedette agrees with fail2ban's sshd filter (mode aggressive) wherever fail2ban matches.

fail2ban is not on PyPI: these tests need Debian's `fail2ban` package (its Python module
for the oracle, and its own sshd test corpus). They fail, rather than skip, without it.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from tests.auth.conftest import DATA
from vedette.auth.sources import read_records

ORACLE = Path(__file__).parents[2] / "bench" / "fail2ban_oracle.py"
SYSTEM_PYTHON = "/usr/bin/python3"
FAIL2BAN_CORPUS = Path("/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sshd")
_PID = re.compile(r"\[(\d+)\]: | sshd (\d+) ")


def fail2ban_failures(log: Path) -> dict[int, set[str]]:
    result = subprocess.run([SYSTEM_PYTHON, str(ORACLE), str(log), "sshd[mode=aggressive]"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (
        "fail2ban is needed for this test (Debian: apt-get install fail2ban): "
        + result.stderr[-500:])
    found: dict[int, set[str]] = defaultdict(set)
    for line in result.stdout.splitlines():
        entry = json.loads(line)
        found[entry["line"]].add(entry["ip"])
    return found


def disagreements(log: Path) -> list[tuple[int, set[str], set[str | None]]]:
    fail2ban = fail2ban_failures(log)
    assert fail2ban, "fail2ban matched nothing: the oracle is not working"
    failures: dict[int, set[str | None]] = defaultdict(set)
    for record in read_records(str(log)):
        if record.outcome == "failure":
            failures[record.line].add(record.src_ip)
    texts = log.read_text(encoding="utf-8").split("\n")

    def pid(number: int) -> str | None:
        match = _PID.search(texts[number - 1])
        return (match[1] or match[2]) if match else None

    bad = []
    for number, addresses in sorted(fail2ban.items()):
        seen = set(failures[number])
        # fail2ban reports some failures on a later line of the same connection
        # (multi-line matching): Vedette's failure on an earlier line of it agrees.
        if not addresses <= seen and pid(number) is not None:
            for earlier in range(1, number):
                if pid(earlier) == pid(number):
                    seen |= failures[earlier]
        if not addresses <= seen:
            bad.append((number, addresses, seen))
    return bad


@pytest.mark.parametrize("log", [DATA / "mixed.log", FAIL2BAN_CORPUS],
                         ids=["vedette-corpus", "fail2ban-corpus"])
def test_failure_and_address_agree_with_fail2ban(log: Path) -> None:
    assert log.exists(), f"{log} missing (Debian package fail2ban)"
    assert disagreements(log) == []


def test_lines_fail2ban_misses_are_still_read(tmp_path: Path) -> None:
    """sshd-session (OpenSSH 9.8+), sudo and su: fail2ban 1.0.2's sshd filter sees none."""
    log = tmp_path / "auth.log"
    log.write_text(
        "Mar  7 18:55:12 bar sshd-session[2230]: Failed password for root from 192.0.2.9 "
        "port 51311 ssh2\n"
        "Mar  7 18:56:31 bar sudo:  mallory : user NOT in sudoers ; TTY=pts/2 ; "
        "PWD=/home/mallory ; USER=root ; COMMAND=/bin/bash\n"
        "Mar  7 18:56:42 bar su[3001]: FAILED SU (to root) bob on pts/0\n", encoding="utf-8")
    assert [(r.service, r.outcome) for r in read_records(str(log))] == [
        ("sshd", "failure"), ("sudo", "failure"), ("su", "failure")]
