"""Where log lines come from: files (plain or gzip-rotated), journal exports, stdin."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Protocol, TextIO

from vedette.auth import journal
from vedette.auth.parsers import LogParser
from vedette.auth.records import AuthRecord
from vedette.auth.timestamps import Clock

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"


class SourceError(Exception):
    """An input that cannot be read; the message names it."""


@contextlib.contextmanager
def open_log(name: str) -> Iterator[tuple[TextIO, datetime]]:
    """A log as text lines, with its reference time (see `timestamps`): the modification
    time of a file, now for stdin and the journal. Rotated `.gz` files are recognised by
    content; `journal` and `journal:PATH` name the systemd journal (see `journal`)."""
    if name == STDIN:
        yield io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8",
                               errors="surrogateescape"), datetime.now(UTC)
        return
    if journal.is_journal(name):
        try:
            with journal.open_journal(name) as entries:
                yield entries, datetime.now(UTC)
        except (journal.JournalError, OSError) as exc:
            raise SourceError(str(exc)) from exc
        return
    path = Path(name)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise SourceError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    with raw:
        try:
            mtime = datetime.fromtimestamp(os.fstat(raw.fileno()).st_mtime, UTC)
            compressed = raw.read(2) == _GZIP_MAGIC
            raw.seek(0)
        except OSError as exc:
            raise SourceError(f"{name}: cannot read: {exc.strerror or exc}") from exc
        binary = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        yield io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape",
                               newline=None), mtime


class LineCounter(Protocol):
    lines: int


def read_records(name: str, zone: tzinfo | None = None, on_lines: LineCounter | None = None,
                 traces: bool = True) -> Iterator[AuthRecord]:
    """Every record of one input (only attempts without `traces`), its connections settled.
    `zone` is the zone of timestamps that carry none (default: the host's)."""
    with open_log(name) as (lines, mtime):
        parser = LogParser(Clock(reference=mtime, zone=zone), traces)
        try:
            yield from parser.parse(lines)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise SourceError(f"{name}: read failed: {exc}") from exc
        yield from parser.finish()
        if on_lines is not None:
            on_lines.lines += parser.last_line


def default_logs(configured: list[str]) -> list[str]:
    """The logs to read when none are named on the command line: the configured ones; but
    when that is the built-in list and none of its files exists (a host without a syslog
    daemon), the systemd journal."""
    from vedette.auth.config import DEFAULT_LOGS  # here: `parse` needs no settings models

    if configured == DEFAULT_LOGS and not any(Path(name).exists() for name in configured) \
            and journal.available():
        return [journal.JOURNAL]
    return configured
