"""Follow growing logs across rotation, truncation and restarts.

The read position of each log (device, inode, byte offset, line number) is kept in a JSON
file, replaced atomically after the lines up to it have been recorded. On the next read:
* same file, grown: read on from the offset;
* same file, now shorter: it was truncated (copytruncate): read it again from the start;
* another file at that path: it was rotated; the rest of the old file is read from the
  rotated name (`.1`, `.0`, `-YYYYMMDD`) if it is still there uncompressed, then the new
  file from its start.
Only complete lines are read: a line still being written waits for its newline.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HEAD_BYTES = 256
STATE_VERSION = 2
# Bytes read per log per cycle at most, so one huge backlog does not hold memory hostage.
MAX_CHUNK = 64 * 1024 * 1024


class PositionError(Exception):
    """The positions file cannot be read or written; the message names it."""


@dataclass
class Position:
    device: int
    inode: int
    offset: int = 0
    line: int = 0
    # Digest of the file's first bytes (up to HEAD_BYTES): tells a new file that got the
    # old one's inode (deleted, then recreated) from the same file grown.
    head: str = ""
    # For the systemd journal (no inode, no offset): the cursor of the last entry read.
    cursor: str = ""


@dataclass
class Chunk:
    """Complete lines read from one file, numbered from `first_line`."""

    path: str
    inode: int
    first_line: int
    lines: list[str]


def load_positions(path: Path) -> dict[str, Position]:
    return load_state(path)[0]


def load_state(path: Path) -> tuple[dict[str, Position], dict[str, Any] | None]:
    """The read positions and the detection state saved with them (None if there is none:
    a first start, or a file written before detection state was kept)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as exc:
        raise PositionError(f"{path}: cannot read positions: {exc}") from exc
    try:
        if data.get("version") == STATE_VERSION:
            positions, detector = data["positions"], data.get("detector")
        else:  # the first format: positions only
            positions, detector = data, None
        return {name: Position(**entry) for name, entry in positions.items()}, detector
    except (TypeError, AttributeError, KeyError) as exc:
        raise PositionError(f"{path}: not a positions file: {exc}") from exc


def save_positions(path: Path, positions: dict[str, Position],
                   detector: dict[str, Any] | None = None) -> None:
    """Write the positions, with the detection state that the lines up to them built, in one
    file, atomically (temporary file, fsync, rename): a crash leaves the old or the new, so
    after a restart windows hold each line once. The file is private (it names sources and
    user names)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".positions-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"version": STATE_VERSION,
                       "positions": {name: asdict(p) for name, p in positions.items()},
                       "detector": detector}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temporary)
        raise PositionError(f"{path}: cannot write positions: {exc}") from exc


def _head_digest(path: str, size: int) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read(min(size, HEAD_BYTES))).hexdigest()
    except OSError:
        return ""


def _read_from(path: str, position: Position) -> Chunk | None:
    """Complete lines of `path` after `position` (updated in place)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(position.offset)
            data = handle.read(MAX_CHUNK)
    except OSError:
        return None
    end = data.rfind(b"\n") + 1
    if end == 0:
        return None
    lines = data[:end].decode("utf-8", "surrogateescape").split("\n")[:-1]
    chunk = Chunk(path, position.inode, position.line + 1, lines)
    if position.offset < HEAD_BYTES:
        position.head = _head_digest(path, min(position.offset + end, HEAD_BYTES))
    position.offset += end
    position.line += len(lines)
    return chunk


def _rotated(path: str, position: Position) -> str | None:
    """Where the file we were reading went when it was rotated away from `path`."""
    for candidate in [f"{path}.1", f"{path}.0", *sorted(glob.glob(f"{path}-*"), reverse=True)]:
        try:
            stat = os.stat(candidate)
        except OSError:
            continue
        if (stat.st_dev, stat.st_ino) == (position.device, position.inode):
            return candidate
    return None


def read_new(path: str, positions: dict[str, Position]) -> tuple[list[Chunk], list[str]]:
    """New complete lines of the log at `path`, and warnings (lines that could be lost)."""
    warnings: list[str] = []
    try:
        stat = os.stat(path)
    except OSError as exc:
        return [], [f"{path}: cannot read: {exc.strerror or exc}"]
    position = positions.get(path)
    chunks: list[Chunk] = []
    if position is not None and (position.device, position.inode) != (stat.st_dev, stat.st_ino):
        old = _rotated(path, position)
        if old is not None:
            chunk = _read_from(old, position)
            if chunk is not None:
                chunks.append(chunk)
        else:
            warnings.append(f"{path}: rotated and the old file is gone or compressed; lines "
                            f"written after offset {position.offset} of it were not read")
        position = None
    if position is not None and stat.st_size < position.offset:
        warnings.append(f"{path}: truncated; reading it again from the start")
        position = None
    elif position is not None and position.head and \
            _head_digest(path, min(position.offset, HEAD_BYTES)) != position.head:
        warnings.append(f"{path}: replaced by another file (same inode); reading it from the "
                        "start")
        position = None
    if position is None:
        position = Position(stat.st_dev, stat.st_ino)
    positions[path] = position
    chunk = _read_from(path, position)
    if chunk is not None:
        chunks.append(chunk)
    return chunks, warnings
