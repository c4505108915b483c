"""The detector contract: a small plugin that finds one family of entities in a text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

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
    # there. It may say yes wrongly, never no wrongly (see `stretch`).


def run_around(data: bytes, end: int, chars: frozenset[int]) -> tuple[int, int]:
    """Where the run of `chars` (byte values) starts and ends that a trigger match ending at
    `end` ends with, or ends just before (a trigger can end on the character after a run,
    so that it matches once per run)."""
    start = end = end if end and data[end - 1] in chars else end - 1
    while start > 0 and data[start - 1] in chars:
        start -= 1
    size = len(data)
    while end < size and data[end] in chars:
        end += 1
    return start, end


def stretch(data: bytes, end: int, chars: frozenset[int]) -> str:
    """The run of `chars` around a trigger match ending at `end` (see `run_around`), with
    two characters either side for the look-arounds of a detector's expression.

    For `confirm`: a detector whose findings are made of such characters finds in this
    stretch whatever it would find in it within the whole line. A character cut by the
    two-byte margin decodes as U+FFFD, which no look-around rejects: at worst the stretch
    says yes where the line would say no.
    """
    start, end = run_around(data, end, chars)
    return data[max(0, start - 2):end + 2].decode("utf-8", "replace")
