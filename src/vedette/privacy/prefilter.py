"""Which detectors' triggers occur in a text: one pass for all of them.

Every detector has a trigger, a cheap expression that occurs wherever it could find
something. Run one after the other by Python's `re`, the ten triggers cost 100 to 200 µs
on an ordinary log message (long alternations are tried at every position); Hyperscan
runs them all in one pass, in a few microseconds for a message and at memory speed for a
block of a file. Where Hyperscan is not available (it needs x86-64), `re` gives the same
answers, more slowly.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any


class Prefilter:
    """The triggers of a list of detectors, compiled once (per process, per list)."""

    def __init__(self, triggers: list[str]) -> None:
        self._patterns = tuple(trigger.encode("ascii") for trigger in triggers)
        self._database = _hyperscan_database(self._patterns)
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

        def on_match(index: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            found[0] |= 1 << index

        self._database.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return found[0]

    def hits(self, block: bytes) -> dict[int, int]:
        """Start offset of each line of `block` a trigger hit -> bit mask of the triggers
        that hit it."""
        hits: dict[int, int] = {}
        rfind, get = block.rfind, hits.get
        if self._database is not None:
            def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
                line = rfind(b"\n", 0, end - 1) + 1
                hits[line] = get(line, 0) | (1 << index)

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
def _hyperscan_database(patterns: tuple[bytes, ...]) -> Any:
    """One compiled database per set of triggers: engines built with the same policy (one
    per logging handler, say) share it. None without Hyperscan."""
    try:
        import hyperscan
    except ImportError:
        return None
    database = hyperscan.Database()
    database.compile(expressions=list(patterns), ids=list(range(len(patterns))),
                     elements=len(patterns),
                     flags=[hyperscan.HS_FLAG_MULTILINE] * len(patterns))
    return database
