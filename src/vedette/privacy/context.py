"""Context: the field a value belongs to, and the words written just before it.

Structured logs say what a value is through its key (`"email": ...`, `card_number=...`,
`user.name`); free text says it with words before it (`Dear Ana`, `DOB: ...`). Detectors use
these to accept values that a pattern alone cannot tell apart from an id or a count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import NamedTuple

# A key and its value inside a line: JSON (`"key": "value"`), logfmt/query strings
# (`key=value`, `key="value"`), headers and YAML-ish text (`Key: value`).
_KEY_VALUE = re.compile(
    # A key starts where a word starts: without the look-behind every position inside a
    # word would be tried as a key start.
    r"""(?<![\w.\-])(?P<key>[A-Za-z_][\w.\-]{0,48})["']?\s{0,3}[:=]\s{0,3}"""
    # Quoted values are matched with an unrolled loop: (?:[^"\\]|\\.)* is several times slower.
    r"""(?:"(?P<dq>[^"\\]+(?:\\.[^"\\]*)*)"|'(?P<sq>[^']+)'|(?P<bare>[^\s,;&"'{}\[\]<>]+))""")


# SQL: `INSERT INTO t (a, b) VALUES ('x', 42)` pairs each column with its value.
_SQL_COLUMN_LIST = r"\(\s*((?:[\w\"`]+\s*,\s*){0,40}[\w\"`]+)\s*\)"
_SQL_COLUMNS = re.compile(rf"(?i){_SQL_COLUMN_LIST}\s*VALUES\s*\(")
_SQL_VALUE = re.compile(r"\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|NULL|TRUE|FALSE)\s*([,)])",
                        re.IGNORECASE)


class KeyValue(NamedTuple):  # a tuple: lines hold dozens of pairs, made often
    key: str
    start: int  # of the value
    end: int
    key_start: int

    @property
    def leaf(self) -> str:
        return key_leaf(self.key)


@lru_cache(maxsize=4096)
def key_leaf(key_name: str | None) -> str:
    """The last component of a dotted or bracketed key path, lower case, `-` as `_`:
    `user.Name` → `name`, `X-Birth-Date` → `x_birth_date`."""
    if not key_name:
        return ""
    return re.split(r"[.\[\]/]", key_name.strip(".[]/"))[-1].lower().replace("-", "_")


@lru_cache(maxsize=4096)
def key_parent(key_name: str | None) -> str:
    """The component before the last one, lower case: `user.name` → `user`."""
    if not key_name:
        return ""
    parts = [part for part in re.split(r"[.\[\]/]", key_name.lower()) if part]
    return parts[-2] if len(parts) > 1 else ""


@lru_cache(maxsize=16)
def key_values(text: str) -> tuple[KeyValue, ...]:
    """Every `key: value` / `key=value` pair in `text` (and the columns and values of SQL
    INSERT statements), with the value's offsets. Cached: several detectors ask in turn."""
    return tuple(_key_values(text))


def _key_values(text: str) -> Iterator[KeyValue]:
    for match in _KEY_VALUE.finditer(text):
        group = match.lastgroup  # the value's group: dq, sq or bare
        yield KeyValue(match.group(1), match.start(group), match.end(group), match.start(1))
    if "VALUES" in text or "values" in text:
        yield from _sql_pairs(text)


def _sql_pairs(text: str) -> Iterator[KeyValue]:
    for match in _SQL_COLUMNS.finditer(text):
        columns = [column.strip().strip('"`') for column in match.group(1).split(",")]
        position = match.end()
        for column in columns:
            value = _SQL_VALUE.match(text, position)
            if value is None:
                break
            group = 1 if value.group(1) is not None else 2
            if value.group(group) is not None:
                yield KeyValue(column, value.start(group), value.end(group), match.start(1))
            position = value.end()
            if value.group(3) == ")":
                break


# The column list just before `VALUES`, in raw bytes (ASCII names: others are left to the
# line's own reading).
_SQL_COLUMNS_BEFORE = re.compile(rf"{_SQL_COLUMN_LIST}\s*\Z".encode())


def sql_columns_wanted(data: bytes, end: int, wants_key: Callable[[str], bool]) -> bool:
    """For a trigger match ending at `end` in raw bytes: False when it is the `VALUES` of an
    SQL insert none of whose columns `wants_key`, True otherwise. Columns are the only
    context SQL values have: `(client_ip) VALUES (...)` holds no name, phone or secret."""
    start = end - 6
    if data[start:end] != b"VALUES":
        return True
    line = data.rfind(b"\n", 0, start) + 1
    match = _SQL_COLUMNS_BEFORE.search(data, max(line, start - 4096), start)
    if match is None:
        return True
    return any(wants_key(column.strip().strip(b'"`').decode("ascii"))
               for column in match.group(1).split(b","))


def key_of_value(text: str, start: int) -> str | None:
    """The key whose value starts at `start` in `text`, if the text is structured there."""
    return next((pair.key for pair in key_values(text) if pair.start == start), None)


def parent_key(text: str, key_start: int) -> str:
    """The key of the JSON object a key sits in (`user` for `{"user": {"name": ...`), if the
    object opened on this line; lower case."""
    brace = text.rfind("{", 0, key_start)
    if brace < 0 or "}" in text[brace:key_start]:
        return ""
    match = _PARENT.search(text, max(0, brace - 64), brace)
    return match.group(1).lower() if match else ""


_PARENT = re.compile(r"""([\w.-]+)["']?\s*[:=]\s*$""")


def words_before(text: str, start: int, width: int = 32) -> str:
    """The lower-cased text just before `start`: where a label such as `SSN:` would be."""
    return text[max(0, start - width):start].lower()


# Values that stand in for a secret or personal value without being one.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:|null|none|nil|undefined|true|false|n/?a|-+|\*+|x{3,}|\.{3}|<[^>]*>|\[[^\]]*\]"
    r"|\{\{[^}]*\}\}|\$\{[^}]*\}|%s|redacted|masked|hidden|secret|changeme|\?+)$")


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value.strip()))
