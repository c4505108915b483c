"""Compare a scan with the baseline as two sorted streams and classify each difference."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vedette.events import Severity
from vedette.fim.inspect import (
    ACL,
    CAPS,
    CTIME,
    GID,
    GROUP,
    HASHES,
    INODE,
    KEY,
    MODE,
    MTIME,
    NLINK,
    PATH,
    SIZE,
    TARGET,
    TYPE,
    UID,
    USER,
    XATTRS,
    Entry,
    Problem,
    Row,
    key_path,
    unpack,
)
from vedette.fim.policy import DIRECTORY_NOISE, Policy, Verdict

ATTRIBUTE_COLUMNS = {"type": TYPE, "mode": MODE, "uid": UID, "gid": GID, "size": SIZE,
                     "mtime": MTIME, "ctime": CTIME, "inode": INODE, "nlink": NLINK,
                     "target": TARGET, "xattrs": XATTRS, "acl": ACL, "capabilities": CAPS,
                     "content": HASHES}
_GROWTH = frozenset({"size", "content", "mtime", "ctime"})
_PRIVILEGE_BITS = 0o6000  # setuid, setgid


@dataclass
class Change:
    kind: str  # added | deleted | modified | renamed
    path: bytes
    before: Row | None
    after: Row | None
    attributes: list[str]
    verdict: Verdict
    severity: Severity
    from_path: bytes | None = None


@dataclass
class Comparison:
    """Counts of one comparison; filled while `changes` is consumed."""

    scanned: int = 0
    problems: list[Problem] = field(default_factory=list)

    def changes(self, baseline: Iterable[Entry],
                scanned: Iterable[tuple[list[Entry], list[Problem]]],
                policy: Policy) -> Iterator[Change]:
        """Yield changes in key order; renames (a delete plus an add of the same inode and
        content) are paired up and yielded at the end."""
        unlisted: set[bytes] = set()
        deleted: list[Entry] = []
        added: list[Entry] = []
        old_rows = iter(baseline)
        old = next(old_rows, None)
        for entries, problems in scanned:
            for problem in problems:
                self.problems.append(problem)
                if problem.hides_subtree:
                    unlisted.add(problem.path)
            self.scanned += len(entries)
            for item in entries:
                key = item[KEY]
                while old is not None and old[KEY] < key:
                    deleted.append(old)
                    old = next(old_rows, None)
                if old is not None and old[KEY] == key:
                    if old[1] != item[1]:
                        change = diff(unpack(old), unpack(item), policy.verdict(key_path(key)))
                        if change is not None:
                            yield change
                    old = next(old_rows, None)
                else:
                    added.append(item)
        while old is not None:
            deleted.append(old)
            old = next(old_rows, None)
        yield from self._pair(deleted, added, unlisted, policy)

    def _pair(self, deleted: list[Entry], added: list[Entry], unlisted: set[bytes],
              policy: Policy) -> Iterator[Change]:
        gone = [row for row in map(unpack, deleted) if not _hidden(row[PATH], unlisted, policy)]
        by_identity = {(row[INODE], row[TYPE], row[HASHES]): row for row in gone}
        renamed: set[bytes] = set()
        for row in map(unpack, added):
            origin = by_identity.pop((row[INODE], row[TYPE], row[HASHES]), None)
            verdict = policy.verdict(row[PATH])
            if origin is not None:
                renamed.add(origin[PATH])
                yield Change("renamed", row[PATH], origin, row, ["path"], verdict,
                             _escalate(verdict.severity, origin, row), from_path=origin[PATH])
            else:
                yield Change("added", row[PATH], None, row, [], verdict,
                             _escalate(verdict.severity, None, row))
        for row in gone:
            if row[PATH] not in renamed:
                verdict = policy.verdict(row[PATH])
                yield Change("deleted", row[PATH], row, None, [], verdict, verdict.severity)


def _hidden(path: bytes, unlisted: set[bytes], policy: Policy) -> bool:
    """Missing from the scan for a reason other than deletion: excluded now, or under a
    directory that could not be listed (unverified, not deleted)."""
    parent = path
    while parent not in (b"/", b""):
        if parent in unlisted or policy.excluded(parent):
            return True
        parent = os.path.dirname(parent)
    return False


def diff(old: Row, new: Row, verdict: Verdict) -> Change | None:
    """The change between two rows of one path, after the policy's allowances; None if none."""
    changed = {name for name, column in ATTRIBUTE_COLUMNS.items() if old[column] != new[column]}
    if "content" in changed and (old[HASHES] is None or new[HASHES] is None) \
            and old[TYPE] == new[TYPE]:
        changed.discard("content")  # unreadable on one side: unknown, not changed
    if old[TYPE] == new[TYPE] == "dir":
        changed -= DIRECTORY_NOISE
    changed -= verdict.ignore
    if verdict.growing and old[TYPE] == new[TYPE] and new[SIZE] >= old[SIZE]:
        changed -= _GROWTH
    if not changed:
        return None
    attributes = [name for name in ATTRIBUTE_COLUMNS if name in changed]
    return Change("modified", new[PATH], old, new, attributes, verdict,
                  _escalate(verdict.severity, old, new))


def _escalate(severity: Severity, old: Row | None, new: Row) -> Severity:
    """Gaining setuid/setgid or file capabilities is a privilege grant: at least high."""
    gained_bits = (new[MODE] or 0) & _PRIVILEGE_BITS & ~((old[MODE] or 0) if old else 0)
    gained_caps = new[CAPS] is not None and (old is None or old[CAPS] != new[CAPS])
    if (gained_bits or gained_caps) and severity.rank < Severity.HIGH.rank:
        return Severity.HIGH
    return severity


def describe(row: Row) -> dict[str, Any]:
    """A row as display values: what a person (or a SIEM) wants to read."""
    state: dict[str, Any] = {
        "type": row[TYPE], "mode": f"{row[MODE]:04o}", "uid": row[UID], "gid": row[GID],
        "size": row[SIZE], "inode": row[INODE], "nlink": row[NLINK],
        "mtime": datetime.fromtimestamp(row[MTIME] / 1e9, UTC).isoformat(),
        "ctime": datetime.fromtimestamp(row[CTIME] / 1e9, UTC).isoformat(),
    }
    if row[USER] is not None:
        state["user"] = row[USER]
    if row[GROUP] is not None:
        state["group"] = row[GROUP]
    if row[TARGET] is not None:
        state["target"] = display_path(row[TARGET])
    if row[XATTRS] is not None:
        state["xattrs"] = dict(line.rsplit("=", 1) for line in row[XATTRS].split("\n"))
    if row[ACL] is not None:
        state["acl"] = row[ACL]
    if row[CAPS] is not None:
        state["capabilities"] = row[CAPS]
    if row[HASHES] is not None:
        state["hashes"] = dict(item.split(":", 1) for item in row[HASHES].split(" "))
    return state


def display_path(path: bytes) -> str:
    """A path as text: undecodable bytes become \\xNN escapes instead of failing."""
    return path.decode("utf-8", "backslashreplace")
