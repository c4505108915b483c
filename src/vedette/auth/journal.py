"""The systemd journal as a log: `journal` (the system journal) or `journal:PATH` (a journal
directory or file, e.g. one copied from another host or a container's).

Hosts with systemd but no syslog daemon (Debian 12's default) write sshd, sudo and su only
there. `journalctl -o json` reads it, restricted to the programs whose lines Vedette parses;
the lines are journald JSON, which the parsers already read. A watch keeps the cursor of the
last entry read, so it goes on after a restart from where it stopped, as it does for files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import TextIO

from vedette.auth.follow import Chunk, Position

JOURNAL = "journal"
# `_COMM` is set by journald from the process, not by what the sender claims.
PROGRAMS = ("sshd", "sshd-session", "sshd-auth", "sudo", "su", "login")
# Entries read per watch cycle at most; the rest waits for the next cycle.
MAX_ENTRIES = 200_000
_CURSOR = re.compile(r'"__CURSOR"\s*:\s*"([^"]*)"')


class JournalError(Exception):
    """journalctl cannot be run or refuses; the message says why."""


def is_journal(name: str) -> bool:
    return name == JOURNAL or name.startswith(JOURNAL + ":")


def available() -> bool:
    return shutil.which("journalctl") is not None


def command(name: str, cursor: str = "") -> list[str]:
    """The journalctl command that prints the entries of `name` after `cursor`."""
    args = ["journalctl", "--output=json", "--no-pager", "--quiet"]
    where = name.partition(":")[2]
    if where:
        args += ["--directory" if os.path.isdir(where) else "--file", where]
    if cursor:
        args += ["--after-cursor", cursor]
    return args + [f"_COMM={program}" for program in PROGRAMS]


def _start(name: str, cursor: str = "") -> subprocess.Popen[str]:
    if not available():
        raise JournalError(f"{name}: journalctl is not installed")
    return subprocess.Popen(command(name, cursor), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="surrogateescape", stdin=subprocess.DEVNULL)


def _finish(name: str, process: subprocess.Popen[str], stopped_early: bool) -> None:
    if stopped_early:
        process.kill()
    stderr = process.stderr.read() if process.stderr else ""
    code = process.wait()
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()
    if code and not stopped_early:
        reason = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {code}"
        raise JournalError(f"{name}: journalctl failed: {reason}")


@contextlib.contextmanager
def open_journal(name: str) -> Iterator[TextIO]:
    """Every entry of the journal, as journald JSON lines (for `parse` and `detect`)."""
    process = _start(name)
    assert process.stdout is not None
    finished = False
    try:
        yield process.stdout
        finished = True
    finally:
        _finish(name, process, stopped_early=not finished)


def read_new(name: str, positions: dict[str, Position],
             limit: int = MAX_ENTRIES) -> tuple[list[Chunk], list[str]]:
    """Entries added since the saved cursor (all of them the first time), like
    `follow.read_new` for files; an unreadable journal is a warning, not a stop."""
    position = positions.get(name) or Position(0, 0)
    try:
        process = _start(name, position.cursor)
    except (JournalError, OSError) as exc:
        return [], [str(exc)]
    assert process.stdout is not None
    lines: list[str] = []
    cursor = position.cursor
    for line in process.stdout:
        found = _CURSOR.search(line)
        if found is None:
            continue  # not an entry (journalctl prints nothing else with --quiet)
        lines.append(line.rstrip("\n"))
        cursor = found.group(1)
        if len(lines) >= limit:
            break
    try:
        _finish(name, process, stopped_early=len(lines) >= limit)
    except JournalError as exc:
        return [], [str(exc)]
    if not lines:
        positions[name] = position
        return [], []
    chunk = Chunk(name, 0, position.line + 1, lines)
    position.line += len(lines)
    position.cursor = cursor
    positions[name] = position
    return [chunk], []
