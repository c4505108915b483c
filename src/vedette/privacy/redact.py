"""Streaming redaction: bytes in, redacted bytes out, one line at a time.

A JSON object line is parsed and redacted value by value (its keys as context), then
written back as JSON; anything else, including broken JSON, is redacted as text. A line
that cannot be redacted at all is replaced by a placeholder rather than passed through:
the stream never leaks what the engine could not look at.

With a store, the stream is recorded as a run of the pipeline it filters: at its end (end
of input, the reader gone, or SIGTERM from the log shipper that runs it), one in-transit
finding per entity type it carried (how many, what the policy did to them, masked
previews and keyed hashes of a few) and a status event. The output is the same either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import BinaryIO

from vedette.events import Host
from vedette.privacy.engine import Engine
from vedette.privacy.entities import Finding
from vedette.privacy.findings import (
    SOURCE,
    Flow,
    StreamTypeFindings,
    stream_finding_event,
    stream_status_event,
)
from vedette.status import OK, UNKNOWN
from vedette.store import Store
from vedette.store.runs import RecordedRun

UNREDACTABLE = "<line dropped: could not be redacted>"


class StreamStopped(Exception):
    """The process was asked to stop (SIGTERM): for the stream, the same as its end."""


class StreamTally:
    """What a stream's redaction found, per entity type, in the order first seen."""

    def __init__(self) -> None:
        self.groups: dict[str, StreamTypeFindings] = {}
        self.lines = 0
        self.dropped = 0

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups.values())

    def add(self, engine: Engine, text: str, findings: Sequence[Finding]) -> None:
        for finding in findings:
            group = self.groups.get(finding.type)
            if group is None:
                action = engine.policy.transform_for(finding.type).transform.value
                group = self.groups[finding.type] = StreamTypeFindings(finding.type, action)
            group.add(self.lines, engine.preview(text, finding),
                      engine.fingerprint(text, finding))


def redact_line(engine: Engine, line: str,
                observe: Callable[[str, list[Finding]], None] | None = None) -> str:
    """One line (without its end of line) redacted, JSON objects kept as JSON; `observe` is
    told what each redaction found (see `Engine.redact`)."""
    stripped = line.lstrip()
    if stripped.startswith("{"):
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return json.dumps(engine.redact_value(value, observe=observe), ensure_ascii=False)
    return engine.redact(line, observe=observe)


def redact_stream(engine: Engine, source: BinaryIO, sink: BinaryIO,
                  tally: StreamTally | None = None) -> int:
    """Redact `source` into `sink` line by line, flushing each; returns the lines dropped.
    With `tally`, what is found is also counted there (and the lines read)."""
    observe = None if tally is None else partial(tally.add, engine)
    failures = 0
    for raw in iter(source.readline, b""):
        if tally is not None:
            tally.lines += 1
        ending = b"\n" if raw.endswith(b"\n") else b""
        text = raw[:len(raw) - len(ending)].decode("utf-8", "replace")
        if text.endswith("\r"):
            text, ending = text[:-1], b"\r" + ending
        try:
            redacted = redact_line(engine, text, observe)
        except Exception:  # a bug must cost one line, never the stream or a leak
            failures += 1
            if tally is not None:
                tally.dropped += 1
            redacted = UNREDACTABLE
        sink.write(redacted.encode() + ending)
        sink.flush()
    return failures


def redact_recorded(engine: Engine, source: BinaryIO, sink: BinaryIO, store: Store,
                    host: Host, flow: Flow) -> int:
    """`redact_stream`, recorded in `store` as a run of `flow` when the stream ends: at the
    end of input, when the reader goes away or the process is stopped (`StreamStopped`,
    re-raised), or, as an interrupted run, on anything else (re-raised too)."""
    tally = StreamTally()
    with RecordedRun(store, SOURCE, "redact", host.name, [flow.pipeline]) as run:
        try:
            redact_stream(engine, source, sink, tally)
        except (StreamStopped, BrokenPipeError):
            _finish(run, tally, host, flow)
            raise
        except BaseException as exc:
            _finish(run, tally, host, flow, exc)
            raise
        _finish(run, tally, host, flow)
    return tally.dropped


def _finish(run: RecordedRun, tally: StreamTally, host: Host, flow: Flow,
            exc: BaseException | None = None) -> None:
    """Store what the stream carried, however it ended: data already sent on is a fact."""
    groups = list(tally.groups.values())
    events = [stream_finding_event(host, flow, group) for group in groups]
    events.append(stream_status_event(host, flow, tally.lines, groups, tally.dropped))
    counts = {"lines": tally.lines, "findings": tally.total, "dropped_lines": tally.dropped,
              "by_type": {group.type: group.count for group in groups}}
    if exc is not None:
        outcome = "error" if isinstance(exc, Exception) else "interrupted"
        run.finish(outcome, UNKNOWN, counts, events, error=str(exc) or type(exc).__name__)
        return
    run.finish("findings" if tally.total else "ok", UNKNOWN if tally.dropped else OK, counts,
               events)
