"""Store-and-forward on disk: what the checks produced waits here until each sink has it.

Layout of the spool directory (private, 0700):
  seg-000000000001.log ...  append-only segments of frames: length, CRC32, payload
  cursor.<sink>             how far each sink has delivered: "segment offset", replaced atomically
  dropped                   how many records the size bound forced out before delivery

Guarantees, with `kill -9` at any moment:
  * a record is appended and fsynced before `append` returns, so the producer may forget it;
  * a sink's cursor moves only after the sink has accepted the batch, so a crash between
    delivery and the cursor write redelivers the batch (at least once, same ids);
  * a torn frame at the end of the last segment (a write cut short) is cut off at start-up.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from vedette.pipeline.items import Item, decode, encode_parts

_HEADER = struct.Struct(">II")  # payload length, CRC32 of the payload
_SEGMENT = re.compile(r"^seg-(\d{12})\.log$")
_SINK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_READ_BUFFER = 2**20  # bytes read from a segment at a time by a sink catching up


class SpoolError(Exception):
    """The spool directory cannot be used; the message names it."""


class Position(NamedTuple):  # a tuple: compared and hashed at C speed, per record
    segment: int
    offset: int


@dataclass(frozen=True)
class Batch:
    items: list[Item]
    start: Position
    end: Position  # the cursor to store once these items are delivered
    skipped: int = 0  # frames that failed their checksum (counted as dropped)


def _write_atomically(path: Path, text: str, durable: bool = True) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


class Spool:
    def __init__(self, directory: Path, sinks: list[str], max_bytes: int = 256 * 2**20,
                 segment_bytes: int = 8 * 2**20, max_cached: int = 20_000) -> None:
        if segment_bytes > max_bytes:
            segment_bytes = max_bytes
        for name in sinks:
            if not _SINK_NAME.match(name):
                raise SpoolError(f"{directory}: sink name {name!r} cannot name a spool cursor "
                                 "(letters, digits, '.', '_', '-')")
        self.directory = directory
        self.max_bytes, self.segment_bytes = max_bytes, segment_bytes
        self._lock = threading.Lock()
        self._appended = threading.Condition(self._lock)
        # frame start → (item, where the next frame starts), for records not yet everywhere
        self._recent: OrderedDict[Position, tuple[Item, Position]] = OrderedDict()
        self.max_cached = max_cached
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            directory.chmod(0o700)
            self._sizes = {number: (directory / _name(number)).stat().st_size
                           for number in self._segment_numbers()}
            if not self._sizes:
                self._sizes[1] = 0
                (directory / _name(1)).touch(mode=0o600)
            self._active = max(self._sizes)
            self._repair_tail()
            self._fd = os.open(directory / _name(self._active),
                               os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._cursors = {name: self._load_cursor(name) for name in sinks}
            dropped_file = directory / "dropped"
            self._dropped = int(dropped_file.read_text() or 0) if dropped_file.exists() else 0
        except OSError as exc:
            raise SpoolError(f"{directory}: cannot use the spool: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise SpoolError(f"{directory}: unreadable spool state: {exc}") from exc

    # --- start-up --------------------------------------------------------------------------

    def _segment_numbers(self) -> list[int]:
        return sorted(int(match.group(1)) for entry in os.listdir(self.directory)
                      if (match := _SEGMENT.match(entry)))

    def _repair_tail(self) -> None:
        """Cut the active segment after its last whole frame (a write cut short by a crash)."""
        path = self.directory / _name(self._active)
        data = path.read_bytes()
        good = 0
        while good + _HEADER.size <= len(data):
            length, crc = _HEADER.unpack_from(data, good)
            end = good + _HEADER.size + length
            if end > len(data) or zlib.crc32(data[good + _HEADER.size:end]) != crc:
                break
            good = end
        if good != len(data):
            with open(path, "r+b") as handle:
                handle.truncate(good)
                os.fsync(handle.fileno())
        self._sizes[self._active] = good

    def _load_cursor(self, sink: str) -> Position:
        path = self.directory / f"cursor.{sink}"
        oldest = min(self._sizes)
        try:
            segment, offset = (int(part) for part in path.read_text().split())
        except (FileNotFoundError, ValueError):  # none yet, or emptied by a power loss:
            return Position(oldest, 0)           # deliver again from the oldest record
        if segment < oldest:  # its segment was dropped by the size bound
            return Position(oldest, 0)
        return Position(segment, offset)

    # --- producing -------------------------------------------------------------------------

    def append(self, items: list[Item]) -> None:
        """Write `items` durably; returns once they are on disk."""
        if not items:
            return
        parts: list[bytes] = []
        sizes: list[int] = []
        for item in items:
            # The frame in three pieces, joined once for the whole batch: the record's JSON
            # (most of the bytes) is never copied on its own.
            prefix, body = encode_parts(item)
            length = len(prefix) + len(body)
            parts += (_HEADER.pack(length, zlib.crc32(body, zlib.crc32(prefix))), prefix, body)
            sizes.append(_HEADER.size + length)
        data = b"".join(parts)
        with self._lock:
            if self._sizes[self._active] and \
                    self._sizes[self._active] + len(data) > self.segment_bytes:
                self._rotate()
            os.write(self._fd, data)
            os.fsync(self._fd)
            offset = self._sizes[self._active]
            self._sizes[self._active] += len(data)
            active, recent = self._active, self._recent
            for item, size in zip(items, sizes, strict=True):
                # Plain tuples: equal to (and hashed like) Positions, cheaper to make.
                end = (active, offset + size)
                recent[(active, offset)] = (item, end)  # type: ignore[index]
                offset += size
            while len(self._recent) > self.max_cached:
                self._recent.popitem(last=False)
            self._enforce_bound()
            self._appended.notify_all()

    def _rotate(self) -> None:
        os.close(self._fd)
        self._active += 1
        self._sizes[self._active] = 0
        self._fd = os.open(self.directory / _name(self._active),
                           os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        # The new segment's directory entry must survive a crash too.
        directory_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)

    def _enforce_bound(self) -> None:
        """Drop the oldest segments while over the size bound, counting what no sink had."""
        while sum(self._sizes.values()) > self.max_bytes and len(self._sizes) > 1:
            oldest = min(self._sizes)
            undelivered = max((self._frames_after(cursor) for cursor in self._cursors.values()
                               if cursor.segment == oldest), default=0)
            self._delete_segment(oldest)
            for sink, cursor in self._cursors.items():
                if cursor.segment == oldest:
                    self._cursors[sink] = Position(oldest + 1, 0)
            if undelivered:
                self._dropped += undelivered
                _write_atomically(self.directory / "dropped", str(self._dropped))

    def _frames_after(self, cursor: Position) -> int:
        data = (self.directory / _name(cursor.segment)).read_bytes()
        count, offset = 0, cursor.offset
        while offset + _HEADER.size <= len(data):
            offset += _HEADER.size + _HEADER.unpack_from(data, offset)[0]
            count += 1
        return count

    def _delete_segment(self, number: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.directory / _name(number)).unlink()
        del self._sizes[number]

    # --- consuming -------------------------------------------------------------------------

    def read(self, sink: str, limit: int, wait: float = 0.0) -> Batch:
        """Up to `limit` records `sink` has not yet acknowledged (waiting up to `wait` s)."""
        with self._lock:
            if wait and not self._pending_locked(sink):
                self._appended.wait(wait)
            cursor = self._cursors[sink]
            cached = self._cached(cursor, limit)
            if cached is not None:
                return cached
            segments = {number: size for number, size in self._sizes.items()
                        if number >= cursor.segment}
        items: list[Item] = []
        skipped = 0
        position = cursor
        for number in sorted(segments):
            if len(items) >= limit:
                break
            offset = position.offset if number == position.segment else 0
            end = segments[number]
            if offset >= end:
                if number < max(segments):
                    position = Position(number + 1, 0)
                continue
            try:
                read, damaged, at = self._read_frames(number, offset, end, limit - len(items))
            except FileNotFoundError:  # dropped by the size bound while we were reading
                position = Position(number + 1, 0)
                continue
            items += read
            skipped += damaged
            position = Position(number, at)
            if at >= end and number < max(segments):
                position = Position(number + 1, 0)
        return Batch(items, cursor, position, skipped)

    def _read_frames(self, number: int, offset: int, end: int, limit: int
                     ) -> tuple[list[Item], int, int]:
        """Up to `limit` records of segment `number` from `offset` (before `end`): the
        records, how many frames were damaged, and where the next frame starts. Only what
        the batch needs is read, not the rest of the segment: a sink far behind reads each
        record once."""
        items: list[Item] = []
        skipped = 0
        at = offset
        with open(self.directory / _name(number), "rb", buffering=_READ_BUFFER) as handle:
            handle.seek(offset)
            while at + _HEADER.size <= end and len(items) < limit:
                header = handle.read(_HEADER.size)
                length, crc = _HEADER.unpack(header) if len(header) == _HEADER.size else (-1, 0)
                payload = handle.read(length) if length >= 0 else b""
                if len(payload) != length or at + _HEADER.size + length > end:
                    skipped += 1  # a damaged length: the rest of this segment is unreadable
                    at = end
                    break
                at += _HEADER.size + length
                if zlib.crc32(payload) != crc:
                    skipped += 1  # damaged on disk: this frame only
                    continue
                try:
                    items.append(decode(payload))
                except ValueError:
                    skipped += 1
        return items, skipped, at

    def _cached(self, cursor: Position, limit: int) -> Batch | None:
        """The batch from memory, if the records at `cursor` are still there."""
        position = self._skip_segment_end(cursor)
        if position not in self._recent:
            return None
        items: list[Item] = []
        while len(items) < limit and position in self._recent:
            item, position = self._recent[position]
            items.append(item)
            position = self._skip_segment_end(position)
        return Batch(items, cursor, Position(*position))

    def _skip_segment_end(self, position: tuple[int, int]) -> tuple[int, int]:
        segment, offset = position
        if segment < self._active and offset == self._sizes.get(segment):
            return (segment + 1, 0)
        return position

    def ack(self, sink: str, batch: Batch) -> None:
        """`sink` has the batch: move its cursor (durably) and delete fully read segments."""
        with self._lock:
            # The size bound may have moved the cursor past this batch meanwhile.
            cursor = self._cursors[sink] = max(self._cursors[sink], batch.end)
            # Not fsynced: a cursor lost with the machine's power only means redelivery, which
            # at-least-once allows; a crash of the process itself loses nothing written.
            _write_atomically(self.directory / f"cursor.{sink}",
                              f"{cursor.segment} {cursor.offset}", durable=False)
            if batch.skipped:
                self._dropped += batch.skipped
                _write_atomically(self.directory / "dropped", str(self._dropped))
            slowest = min(self._cursors.values())
            while self._recent and next(iter(self._recent)) < slowest:
                self._recent.popitem(last=False)
            oldest_needed = slowest.segment
            for number in [n for n in self._sizes if n < oldest_needed and n != self._active]:
                self._delete_segment(number)

    def _pending_locked(self, sink: str) -> bool:
        cursor = self._cursors[sink]
        return any(size > (cursor.offset if number == cursor.segment else 0)
                   for number, size in self._sizes.items() if number >= cursor.segment)

    def pending(self, sink: str) -> bool:
        with self._lock:
            return self._pending_locked(sink)

    @property
    def dropped(self) -> int:
        return self._dropped

    def size(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def close(self) -> None:
        with self._lock:
            os.close(self._fd)


def _name(number: int) -> str:
    return f"seg-{number:012d}.log"
