"""Streaming redaction: bytes in, redacted bytes out, one line at a time.

A JSON object line is parsed and redacted value by value (its keys as context), then
written back as JSON; anything else, including broken JSON, is redacted as text. A line
that cannot be redacted at all is replaced by a placeholder rather than passed through:
the stream never leaks what the engine could not look at.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from vedette.privacy.engine import Engine

UNREDACTABLE = "<line dropped: could not be redacted>"


def redact_line(engine: Engine, line: str) -> str:
    """One line (without its end of line) redacted, JSON objects kept as JSON."""
    stripped = line.lstrip()
    if stripped.startswith("{"):
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return json.dumps(engine.redact_value(value), ensure_ascii=False)
    return engine.redact(line)


def redact_stream(engine: Engine, source: BinaryIO, sink: BinaryIO) -> int:
    """Redact `source` into `sink` line by line, flushing each; returns the lines dropped."""
    failures = 0
    for raw in iter(source.readline, b""):
        ending = b"\n" if raw.endswith(b"\n") else b""
        text = raw[:len(raw) - len(ending)].decode("utf-8", "replace")
        if text.endswith("\r"):
            text, ending = text[:-1], b"\r" + ending
        try:
            redacted = redact_line(engine, text)
        except Exception:  # a bug must cost one line, never the stream or a leak
            failures += 1
            redacted = UNREDACTABLE
        sink.write(redacted.encode() + ending)
        sink.flush()
    return failures
