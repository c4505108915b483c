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
