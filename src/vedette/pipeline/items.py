"""What travels through the pipeline: an event or a metric sample with a stable id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from vedette.events import Event, Metric

Record = Event | Metric

_EVENT, _METRIC = b"e", b"m"


@dataclass(frozen=True, slots=True)
class Item:
    """One record and its delivery id. The id is derived from the record's content once,
    when it enters the spool, and never changes: a receiver that sees it twice (after a
    crash, a retry) can drop the copy."""

    id: str
    record: Record
    body: bytes = field(default=b"", compare=False, repr=False)  # the record's JSON, if known

    @property
    def event(self) -> Event | None:
        return self.record if isinstance(self.record, Event) else None

    @property
    def metric(self) -> Metric | None:
        return self.record if isinstance(self.record, Metric) else None


def new_item(record: Record) -> Item:
    kind = _EVENT if isinstance(record, Event) else _METRIC
    body = record.to_json().encode()
    return Item(hashlib.blake2b(kind + body, digest_size=16).hexdigest(), record, body)


def encode(item: Item) -> bytes:
    """`e|m` + 32 hex digits of id + the record's JSON: decoded without a second parse."""
    kind = _EVENT if isinstance(item.record, Event) else _METRIC
    return kind + item.id.encode("ascii") + (item.body or item.record.to_json().encode())


def decode(payload: bytes) -> Item:
    kind, uid, body = payload[:1], payload[1:33].decode("ascii"), payload[33:]
    if kind == _EVENT:
        return Item(uid, Event.from_json(body), body)
    if kind == _METRIC:
        return Item(uid, Metric.from_json(body), body)
    raise ValueError(f"unknown record kind {kind!r}")


def parse_record_line(line: str) -> Record:
    """One line of a check's JSONL output: an event, or `{"metric": {...}}`."""
    data = json.loads(line)
    if isinstance(data, dict) and set(data) == {"metric"}:
        return Metric.model_validate(data["metric"])
    return Event.model_validate(data)


def record_line(record: Record) -> str:
    if isinstance(record, Metric):
        return '{"metric":' + record.to_json() + "}"
    return record.to_json()
