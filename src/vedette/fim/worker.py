"""A hashing worker process: reads batches of paths on stdin, writes entries on stdout.

Started as `python -m vedette.fim.worker` so that it imports only what inspection needs:
it starts in tens of milliseconds and stays small, unlike a fork of the whole CLI.

Frames are a 4-byte little-endian length followed by a marshal (version 2) payload.
Request: (algorithms, [(path, hint), ...], maps allowed). Reply: (entries, problems), a
list of `(key: bytes, attributes: bytes)` and a list of `(path: bytes, message: str)`.
"""

from __future__ import annotations

import io
import marshal
import os
import queue
import struct
import sys
import threading

from vedette.fim.inspect import inspect_batch, use_maps

# A pipe, raw or buffered; no `typing` import in worker processes (see inspect.Problem).
Stream = io.RawIOBase | io.BufferedIOBase
HEADER = struct.Struct("<I")
MARSHAL_VERSION = 2


def _read_exactly(stream: Stream, size: int) -> bytes:
    """Read `size` bytes, or fewer only at end of stream (a pipe returns what it has)."""
    chunks, missing = [], size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            break
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: Stream) -> bytes | None:
    """The next frame's payload, or None at a clean end of stream."""
    header = _read_exactly(stream, HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise EOFError("truncated frame header")
    (length,) = HEADER.unpack(header)
    payload = _read_exactly(stream, length)
    if len(payload) < length:
        raise EOFError(f"truncated frame: {len(payload)} of {length} bytes")
    return payload


def write_frame(stream: Stream, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _drain(requests: Stream, inbox: queue.SimpleQueue[bytes | None]) -> None:
    try:
        while (frame := read_frame(requests)) is not None:
            inbox.put(frame)
    finally:
        inbox.put(None)


def serve(requests: Stream, replies: Stream) -> None:
    # Requests are read on their own thread, so the parent's writes never wait for this
    # process to finish writing a reply (which waits for the parent to read): no deadlock
    # whatever the pipe sizes.
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_drain, args=(requests, inbox), daemon=True).start()
    while (frame := inbox.get()) is not None:
        algorithms, batch, maps = marshal.loads(frame)
        use_maps(maps)
        entries, problems = inspect_batch(batch, tuple(algorithms))
        write_frame(replies, marshal.dumps((entries, [tuple(p) for p in problems]),
                                           MARSHAL_VERSION))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
    # Every reply is flushed and nothing else is held: skip the interpreter's tear-down,
    # which the parent would otherwise wait for at the end of every scan.
    os._exit(0)
