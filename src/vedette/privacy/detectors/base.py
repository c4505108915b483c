"""The detector contract: a small plugin that finds one family of entities in a text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from vedette.privacy.context import sql_columns_wanted
from vedette.privacy.entities import Finding


class Detector(Protocol):
    """Finds entities of `types` in a text.

    `trigger` is a cheap regular expression that matches somewhere in every text where
    `find` could report something: the scanner runs all triggers in one pass over large
    blocks and calls `find` only on the lines they hit. It is written in the subset that
    both Python's `re` and Hyperscan understand, in ASCII only (so that it means the same
    on bytes and on text): no capturing groups, no lookaround, no back-references.
    `key_name`, when given, is the field the whole text is the value of (`email`, `user.name`).
    """

    name: str
    types: tuple[str, ...]
    trigger: str

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]: ...

    def wants_key(self, key_name: str) -> bool:
        """Whether a value under `key_name` can hold a finding that the trigger does not
        show (`"ssn": "123456789"`). Optional: a detector without it runs on every keyed
        value."""
        ...

    # Optional: `confirm(data, end) -> bool`, called with the raw bytes around each trigger
    # match and where it ends, before the line counts as hit: whether a finding may be
    # there. It may say yes wrongly, never no wrongly (see `Run`).


class Run:
    """The characters a detector's findings are made of, and the run of them around a
    trigger match in raw bytes: what `confirm` looks at.

    A trigger can end on the character after a run, so that it matches once per run.
    """

    _WINDOW = 96

    def __init__(self, chars: bytes) -> None:
        # A translation table: 1 for a byte outside the run, 0 inside; runs are then found
        # by `find` and `rfind` in C, not byte by byte in Python.
        self._outside = bytes(0 if byte in chars else 1 for byte in range(256))

    def around(self, data: bytes, end: int) -> tuple[int, int]:
        """Where the run that a trigger match ending at `end` ends with (or just before)
        starts and ends in `data`."""
        outside = self._outside
        if end and outside[data[end - 1]]:
            end -= 1
        start = end
        while start:
            low = max(0, start - self._WINDOW)
            cut = data[low:start].translate(outside).rfind(1)
            if cut >= 0:
                start = low + cut + 1
                break
            start = low
        stop = end
        while True:
            window = data[stop:stop + self._WINDOW].translate(outside)
            cut = window.find(1)
            if cut >= 0:
                return start, stop + cut
            stop += len(window)
            if len(window) < self._WINDOW:
                return start, stop

    def text(self, data: bytes, end: int) -> str:
        """The run around a trigger match ending at `end`, with two characters either side
        for the look-arounds of a detector's expression.

        A detector whose findings are made of the run's characters finds in this text
        whatever it would find there within the whole line. A character cut by the two-byte
        margin decodes as U+FFFD, which no look-around rejects: at worst the text says yes
        where the line would say no.
        """
        start, stop = self.around(data, end)
        return data[max(0, start - 2):stop + 2].decode("utf-8", "replace")


class SqlColumnsConfirm:
    """`confirm` for detectors with `VALUES` in their trigger for the sake of SQL inserts:
    an insert counts only when one of its columns is a key the detector `wants_key`."""

    def wants_key(self, key_name: str) -> bool:
        raise NotImplementedError

    def confirm(self, data: bytes, end: int) -> bool:
        return sql_columns_wanted(data, end, self.wants_key)
