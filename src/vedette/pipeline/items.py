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


def json_bytes(record: Record) -> bytes:
    """The record's JSON as bytes: the same bytes as `to_json().encode()`, straight from
    pydantic's serializer, without a round trip through `str` for every record."""
    return type(record).__pydantic_serializer__.to_json(record)


def new_item(record: Record) -> Item:
    kind = _EVENT if isinstance(record, Event) else _METRIC
    body = json_bytes(record)
    hasher = hashlib.blake2b(kind, digest_size=16)
    hasher.update(body)
    return Item(hasher.hexdigest(), record, body)


def encode_parts(item: Item) -> tuple[bytes, bytes]:
    """How an item is written: `e|m` + 32 hex digits of id, then the record's JSON (given in
    two parts so that the JSON is never copied); `decode` reads it back without a second
    parse."""
    kind = _EVENT if isinstance(item.record, Event) else _METRIC
    return kind + item.id.encode("ascii"), item.body or json_bytes(item.record)


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
