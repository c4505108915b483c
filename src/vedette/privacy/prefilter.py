"""Which detectors' triggers occur in a text: one pass for all of them.

Every detector has a trigger, a cheap expression that occurs wherever it could find
something. Run one after the other by Python's `re`, the ten triggers cost 100 to 200 µs
on an ordinary log message (long alternations are tried at every position); Hyperscan
runs them all in one pass, in a few microseconds for a message and at memory speed for a
block of a file. Where Hyperscan is not available (it needs x86-64), `re` gives the same
answers, more slowly.

Compiling the triggers takes about 0.16 s, as long as Hyperscan takes to scan 25 MB of
logs: a command that starts often (`vedette pii scan` in a CI gate) keeps the compiled
database in a cache directory and loads it in microseconds. Hyperscan checks the file
(checksum, version, platform); it is compiled again when the check fails.

A trigger can be confirmed: a detector whose findings lie in the stretch of text around a
trigger match (a card number, an e-mail address) checks that stretch as the match is
reported, so a line whose only match is a sixteen-digit order id that fails Luhn never
reaches Python code as a line. A confirmation may be wrong only towards yes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

# (data, end of a trigger match) -> whether a finding may be there.
Confirm = Callable[[bytes, int], bool]


class Prefilter:
    """The triggers of a list of detectors, compiled once (per process, per list)."""

    def __init__(self, triggers: list[str], confirms: Sequence[Confirm | None] = (),
                 cache_dir: Path | None = None) -> None:
        self._patterns = tuple(trigger.encode("ascii") for trigger in triggers)
        self._confirms = tuple(confirms) + (None,) * (len(triggers) - len(confirms))
        self._database = _hyperscan_database(self._patterns, cache_dir)
        # Without Hyperscan nothing is confirmed: `re` finds one match per line, not each.
        self._regexes = ([] if self._database is not None else
                         [re.compile(pattern + rb"[^\n]*", re.MULTILINE)
                          for pattern in self._patterns])
        # Hyperscan needs scratch space of its own in each thread that scans (logging
        # filters run in the application's threads).
        self._local = threading.local()

    def mask(self, text: str) -> int:
        """Bit i set: trigger i occurs in `text`."""
        data = text.encode("utf-8", "replace")
        if self._database is None:
            return sum(1 << index for index, regex in enumerate(self._regexes)
                       if regex.search(data))
        found = [0]
        confirms = self._confirms

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
            bit = 1 << index
            if not found[0] & bit:
                confirm = confirms[index]
                if confirm is None or confirm(data, end):
                    found[0] |= bit

        self._database.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return found[0]

    def hits(self, block: bytes) -> dict[int, int]:
        """Start offset of each line of `block` a trigger hit -> bit mask of the triggers
        that hit it."""
        hits: dict[int, int] = {}
        rfind, get = block.rfind, hits.get
        if self._database is not None:
            confirms = self._confirms

            def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
                line = rfind(b"\n", 0, end - 1) + 1
                bit, seen = 1 << index, get(line, 0)
                if not seen & bit:
                    confirm = confirms[index]
                    if confirm is None or confirm(block, end):
                        hits[line] = seen | bit

            self._database.scan(block, match_event_handler=on_match, scratch=self._scratch())
            return hits
        for index, regex in enumerate(self._regexes):
            bit = 1 << index
            # The trigger plus `[^\n]*`: one match per line however often the trigger occurs.
            for match in regex.finditer(block):
                line = rfind(b"\n", 0, match.start()) + 1
                hits[line] = get(line, 0) | bit
        return hits

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            import hyperscan

            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        return scratch


@lru_cache(maxsize=16)
def _hyperscan_database(patterns: tuple[bytes, ...], cache_dir: Path | None = None) -> Any:
    """One compiled database per set of triggers: engines built with the same policy (one
    per logging handler, say) share it. None without Hyperscan."""
    try:
        import hyperscan
    except ImportError:
        return None
    cached = None
    if cache_dir is not None:
        digest = hashlib.sha256(b"\x00".join(patterns)).hexdigest()[:32]
        cached = cache_dir / f"triggers-{digest}.hsdb"
        database = _load(hyperscan, cached)
        if database is not None:
            return database
    database = hyperscan.Database()
    database.compile(expressions=list(patterns), ids=list(range(len(patterns))),
                     elements=len(patterns),
                     flags=[hyperscan.HS_FLAG_MULTILINE] * len(patterns))
    if cached is not None:
        _save(hyperscan.dumpb(database), cached)
    return database


def _load(hyperscan: Any, path: Path) -> Any:
    try:
        database = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
        hyperscan.Scratch(database)  # refused for another CPU's instruction set
    except (OSError, hyperscan.error):
        return None
    return database


def _save(data: bytes, path: Path) -> None:
    """Atomically and privately; a cache that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=".triggers-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass
