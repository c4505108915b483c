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
import tempfile
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


class _Journalctl:
    """One journalctl process printing entries on `entries`. Its errors go to a private
    temporary file, not a second pipe: a pipe nobody reads while the entries are read could
    fill up and stall journalctl."""

    def __init__(self, name: str, cursor: str = "") -> None:
        if not available():
            raise JournalError(f"{name}: journalctl is not installed")
        self.name = name
        # Closed by close(), not by a `with`: it outlives this method.
        self._errors = tempfile.TemporaryFile(  # noqa: SIM115
            "w+", encoding="utf-8", errors="replace")
        try:
            self._process = subprocess.Popen(
                command(name, cursor), stdout=subprocess.PIPE, stderr=self._errors, text=True,
                encoding="utf-8", errors="surrogateescape", stdin=subprocess.DEVNULL)
        except BaseException:
            self._errors.close()
            raise
        assert self._process.stdout is not None
        self.entries: TextIO = self._process.stdout

    def close(self, stopped_early: bool = False) -> None:
        """Wait for journalctl (stop it if we stopped reading early); JournalError if it
        failed."""
        if stopped_early:
            self._process.kill()
        code = self._process.wait()
        self.entries.close()
        self._errors.seek(0)
        errors = self._errors.read().strip()
        self._errors.close()
        if code and not stopped_early:
            reason = errors.splitlines()[-1] if errors else f"exit code {code}"
            raise JournalError(f"{self.name}: journalctl failed: {reason}")


@contextlib.contextmanager
def open_journal(name: str) -> Iterator[TextIO]:
    """Every entry of the journal, as journald JSON lines (for `parse` and `detect`)."""
    journalctl = _Journalctl(name)
    finished = False
    try:
        yield journalctl.entries
        finished = True
    finally:
        journalctl.close(stopped_early=not finished)


def read_new(name: str, positions: dict[str, Position],
             limit: int = MAX_ENTRIES) -> tuple[list[Chunk], list[str]]:
    """Entries added since the saved cursor (all of them the first time), like
    `follow.read_new` for files; an unreadable journal is a warning, not a stop."""
    position = positions.get(name) or Position(0, 0)
    positions[name] = position
    lines: list[str] = []
    cursor = position.cursor
    try:
        journalctl = _Journalctl(name, position.cursor)
        for line in journalctl.entries:
            found = _CURSOR.search(line)
            if found is None:
                continue  # not an entry (journalctl prints nothing else with --quiet)
            lines.append(line.rstrip("\n"))
            cursor = found.group(1)
            if len(lines) >= limit:
                break
        journalctl.close(stopped_early=len(lines) >= limit)
    except (JournalError, OSError) as exc:
        return [], [str(exc)]
    if not lines:
        return [], []
    chunk = Chunk(name, 0, position.line + 1, lines)
    position.line += len(lines)
    position.cursor = cursor
    return [chunk], []
