"""The baseline: a signed SQLite database of every path's attributes, written atomically.

Entries are stored in chunks of consecutive entries (in walk order), one row per chunk,
keyed by the chunk's first key: a million paths are a few thousand rows, so writing,
reading and signing cost per chunk, not per path. The signature is an HMAC-SHA256, under
a key kept in a separate private file, over the metadata, every chunk and the audit trail
of acceptances.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import marshal
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from vedette.fim.inspect import Entry, key_path, path_key

FORMAT = 1
_SIGNATURE_DOMAIN = b"vedette-fim-baseline-v1\n"
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chunks (
    first_key BLOB PRIMARY KEY, count INTEGER NOT NULL, entries BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE acceptances (
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, who TEXT NOT NULL, reason TEXT NOT NULL,
    changes TEXT NOT NULL
);
"""
_CHUNK_ENTRIES = 512
_MARSHAL_VERSION = 2


class BaselineError(Exception):
    """The baseline or its key cannot be used; the message names the file."""


class SignatureError(BaselineError):
    """The baseline does not verify against its key: it was altered or the key is wrong."""


# --- the key ---------------------------------------------------------------------------

def default_key_path(db: Path) -> Path:
    return db.with_name(db.name + ".key")


def load_key(path: Path, create: bool = False) -> bytes:
    """Read the HMAC key; with `create`, make a new random one (mode 0600) if it is missing."""
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise BaselineError(f"{path}: cannot create key file: {exc.strerror or exc}") from exc
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    try:
        text = path.read_text("ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError as exc:
        raise BaselineError(f"{path}: key file not found (it is made by 'vedette fim init')") \
            from exc
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: unusable key file: {exc}") from exc
    if len(key) < 16:
        raise BaselineError(f"{path}: key is too short ({len(key)} bytes, need at least 16)")
    return key


def key_is_private(path: Path) -> bool:
    return os.stat(path).st_mode & 0o077 == 0


# --- signing -------------------------------------------------------------------------------

def _signature(db: sqlite3.Connection, key: bytes) -> str:
    mac = hmac.new(key, _SIGNATURE_DOMAIN, hashlib.sha256)
    meta = dict(db.execute("SELECT name, value FROM meta WHERE name != 'signature'"))
    mac.update(json.dumps(meta, sort_keys=True).encode() + b"\n")
    for chunk in db.execute("SELECT first_key, count, entries FROM chunks ORDER BY first_key"):
        mac.update(marshal.dumps(chunk, _MARSHAL_VERSION))
    for row in db.execute("SELECT * FROM acceptances ORDER BY id"):
        mac.update(repr(row).encode("utf-8", "surrogateescape"))
    return mac.hexdigest()


# --- reading ---------------------------------------------------------------------------

class Baseline:
    """An open, read-only baseline."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise BaselineError(f"{path}: no baseline here (create one with 'vedette fim init')")
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            self.meta: dict[str, Any] = {
                name: json.loads(value) for name, value in self._db.execute(
                    "SELECT name, value FROM meta")}
        except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
            raise BaselineError(f"{path}: not a readable Vedette baseline: {exc}") from exc
        if self.meta.get("format") != FORMAT:
            raise BaselineError(f"{path}: unknown baseline format {self.meta.get('format')!r}")

    @property
    def roots(self) -> list[bytes]:
        return [os.fsencode(root) for root in self.meta["roots"]]

    @property
    def hashes(self) -> tuple[str, ...]:
        return tuple(self.meta["hashes"])

    def verify(self, key: bytes) -> None:
        try:
            expected = _signature(self._db, key)
        except sqlite3.DatabaseError as exc:
            raise SignatureError(f"{self.path}: baseline is damaged: {exc}") from exc
        if not hmac.compare_digest(expected, str(self.meta.get("signature", ""))):
            raise SignatureError(f"{self.path}: baseline signature does not verify: it was "
                                 "modified outside Vedette, or the key is not the one it was "
                                 "signed with")

    def entries(self, roots: list[bytes] | None = None) -> Iterator[Entry]:
        """Entries in key order, limited to the subtrees of `roots` (walk order) if given.

        Only for a verified baseline: entries are unmarshalled, and marshal trusts its input.
        """
        if roots is None or b"/" in roots:
            for (data,) in self._db.execute("SELECT entries FROM chunks ORDER BY first_key"):
                yield from marshal.loads(data)
            return
        for root in roots:
            key = path_key(root.rstrip(b"/") or b"/")
            # The subtree is the key itself and keys K\x00..., i.e. below K\x01; it starts
            # in the last chunk that begins at or before K.
            end = key + b"\x01"
            chunks = self._db.execute(
                "SELECT entries FROM chunks WHERE first_key >= coalesce("
                "(SELECT max(first_key) FROM chunks WHERE first_key <= ?), x'') "
                "AND first_key < ? ORDER BY first_key", (key, end))
            for (data,) in chunks:
                for entry in marshal.loads(data):
                    if entry[0] == key or key + b"\x00" < entry[0] < end:
                        yield entry

    def count(self) -> int:
        return int(self._db.execute("SELECT coalesce(sum(count), 0) FROM chunks").fetchone()[0])

    def acceptances(self) -> list[dict[str, Any]]:
        return [{"id": row[0], "time": row[1], "who": row[2], "reason": row[3],
                 "changes": json.loads(row[4])}
                for row in self._db.execute("SELECT * FROM acceptances ORDER BY id")]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Baseline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- writing ---------------------------------------------------------------------------

class BaselineWriter:
    """Builds a baseline in a private temporary file next to the target and, on `commit`,
    signs it and renames it into place: a crash or kill never leaves a half-written baseline.

    Entries must be added in key order (the order `scan` yields them)."""

    def __init__(self, target: Path, key: bytes) -> None:
        self.target, self._key = target, key
        self._last_key = b""
        self._count = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)  # mkstemp made it 0600; SQLite reopens it by name
        self._temp = Path(name)
        try:
            self.db = sqlite3.connect(self._temp, isolation_level=None)
            # The temporary file is worthless until renamed, so no journal is needed.
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("PRAGMA synchronous=OFF")
            self.db.executescript(_SCHEMA)
            self.db.execute("BEGIN")
        except BaseException:
            self.abort()
            raise

    def set_meta(self, **values: Any) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                            [(name, json.dumps(value)) for name, value in values.items()])

    def add(self, entries: list[Entry]) -> None:
        """Append entries that follow every entry added so far, in key order."""
        for start in range(0, len(entries), _CHUNK_ENTRIES):
            chunk = entries[start:start + _CHUNK_ENTRIES]
            if chunk[0][0] <= self._last_key:
                raise BaselineError(f"{self.target}: entries out of order at "
                                    f"{key_path(chunk[0][0])!r}")
            self.db.execute("INSERT INTO chunks (first_key, count, entries) VALUES (?, ?, ?)",
                            (chunk[0][0], len(chunk), marshal.dumps(chunk, _MARSHAL_VERSION)))
            self._last_key = chunk[-1][0]
            self._count += len(chunk)

    def add_all(self, entries: Iterable[Entry]) -> None:
        chunk: list[Entry] = []
        for entry in entries:
            chunk.append(entry)
            if len(chunk) == _CHUNK_ENTRIES:
                self.add(chunk)
                chunk = []
        if chunk:
            self.add(chunk)

    def copy_history(self, source: Baseline) -> None:
        """Carry over another baseline's metadata and audit trail (for `accept`)."""
        self.set_meta(**{k: v for k, v in source.meta.items() if k not in ("signature", "files")})
        for entry in source.acceptances():
            self.add_acceptance(entry["time"], entry["who"], entry["reason"], entry["changes"])

    def add_acceptance(self, time: str, who: str, reason: str, changes: list[Any]) -> None:
        self.db.execute("INSERT INTO acceptances (time, who, reason, changes) VALUES (?, ?, ?, ?)",
                        (time, who, reason, json.dumps(changes, sort_keys=True)))

    def commit(self) -> int:
        """Sign, then atomically put the baseline in place; returns how many paths it holds."""
        try:
            self.set_meta(files=self._count)
            self.set_meta(signature=_signature(self.db, self._key))
            self.db.execute("COMMIT")
            self.db.close()
            with open(self._temp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(self._temp, self.target)
            _fsync_directory(self.target.parent)
        except BaseException:
            self.abort()
            raise
        return self._count

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()

    def __enter__(self) -> BaselineWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:
            self.abort()


def merged(entries: Iterable[Entry], updates: dict[bytes, Entry | None]) -> Iterator[Entry]:
    """`entries` (in key order) with `updates` applied: key -> new entry, or None to drop."""
    pending = sorted(updates.items())
    index = 0
    for entry in entries:
        while index < len(pending) and pending[index][0] < entry[0]:
            if pending[index][1] is not None:
                yield pending[index][1]  # type: ignore[misc]
            index += 1
        if index < len(pending) and pending[index][0] == entry[0]:
            if pending[index][1] is not None:
                yield pending[index][1]  # type: ignore[misc]
            index += 1
        else:
            yield entry
    for _, update in pending[index:]:
        if update is not None:
            yield update


@contextlib.contextmanager
def writing(target: Path) -> Iterator[None]:
    """Hold a write lock for a whole init or accept, so two of them never both read the old
    baseline and lose one's changes or audit record. The lock is taken on the baseline's
    directory: nothing is left behind, and the baseline file itself is replaced by rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BaselineError(f"{target}: another 'vedette fim init' or 'accept' is writing "
                                f"a baseline in {target.parent}") from exc
        yield
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
