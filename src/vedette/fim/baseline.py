"""The baseline: a signed SQLite database of every path's attributes, written atomically.

Rows live in a WITHOUT ROWID table keyed by the walk-order key, so reading them back in
order is a plain b-tree scan. The signature is an HMAC-SHA256, under a key kept in a
separate private file, over the metadata, every row and the audit trail of acceptances.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import marshal
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from vedette.fim.inspect import Entry, path_key

FORMAT = 1
_SIGNATURE_DOMAIN = b"vedette-fim-baseline-v1\n"
_SIGNATURE_CHUNK = 4096
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (key BLOB PRIMARY KEY, attributes BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE acceptances (
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, who TEXT NOT NULL, reason TEXT NOT NULL,
    changes TEXT NOT NULL
);
"""
_INSERT = "INSERT OR REPLACE INTO files (key, attributes) VALUES (?, ?)"
_SELECT = "SELECT key, attributes FROM files"


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
    # Entries go in fixed-size chunks, each serialized by marshal (version 2: the bytes
    # depend only on the values), so the MAC costs one C call per chunk, not per entry.
    cursor = db.execute(_SELECT + " ORDER BY key")
    while chunk := cursor.fetchmany(_SIGNATURE_CHUNK):
        mac.update(marshal.dumps(chunk, 2))
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
        """Entries in key order, limited to the subtrees of `roots` (walk order) if given."""
        # Plain loops, not `yield from cursor`: an abandoned generator must not touch the
        # cursor after the database is closed.
        if roots is None or b"/" in roots:
            for entry in self._db.execute(_SELECT + " ORDER BY key"):
                yield entry
            return
        for root in roots:
            key = path_key(root.rstrip(b"/") or b"/")
            # Children of key K have keys K\x00..., i.e. between K\x00 and K\x01.
            for entry in self._db.execute(
                    _SELECT + " WHERE key = ? OR (key > ? AND key < ?) ORDER BY key",
                    (key, key + b"\x00", key + b"\x01")):
                yield entry

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM files").fetchone()[0])

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
    signs it and renames it into place: a crash or kill never leaves a half-written baseline."""

    def __init__(self, target: Path, key: bytes, start_from_existing: bool = False) -> None:
        self.target, self._key = target, key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)  # mkstemp made it 0600; SQLite reopens it by name
        self._temp = Path(name)
        try:
            if start_from_existing:
                shutil.copyfile(target, self._temp)
            self.db = sqlite3.connect(self._temp, isolation_level=None)
            # The temporary file is worthless until renamed, so no journal is needed.
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("PRAGMA synchronous=OFF")
            if not start_from_existing:
                self.db.executescript(_SCHEMA)
            self.db.execute("BEGIN")
        except BaseException:
            self.abort()
            raise

    def set_meta(self, **values: Any) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                            [(name, json.dumps(value)) for name, value in values.items()])

    def add(self, entries: Iterable[Entry]) -> None:
        self.db.executemany(_INSERT, entries)

    def remove(self, paths: Iterable[bytes]) -> None:
        self.db.executemany("DELETE FROM files WHERE key = ?", [(path_key(p),) for p in paths])

    def add_acceptance(self, time: str, who: str, reason: str, changes: list[Any]) -> None:
        self.db.execute("INSERT INTO acceptances (time, who, reason, changes) VALUES (?, ?, ?, ?)",
                        (time, who, reason, json.dumps(changes, sort_keys=True)))

    def commit(self) -> int:
        """Sign, then atomically put the baseline in place; returns how many paths it holds."""
        try:
            count = int(self.db.execute("SELECT count(*) FROM files").fetchone()[0])
            self.set_meta(files=count)
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
        return count

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


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
