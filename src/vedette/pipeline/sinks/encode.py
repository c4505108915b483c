"""The document shapes a file or stream sink can write: native, OCSF, ECS."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from vedette.events import Event, to_ocsf
from vedette.pipeline.items import Item, record_line
from vedette.pipeline.sinks.ecs import event_document, metric_document


class Shape(StrEnum):
    NATIVE = "native"
    OCSF = "ocsf"
    ECS = "ecs"


def document(item: Item, shape: Shape) -> dict[str, Any]:
    record = item.record
    if shape is Shape.ECS:
        body = event_document(record) if isinstance(record, Event) else metric_document(record)
        body.setdefault("event", {})["id"] = item.id
        return body
    if shape is Shape.OCSF and isinstance(record, Event):
        try:
            body = to_ocsf(record)
            body["metadata"]["uid"] = item.id
            return body
        except ValueError:
            pass  # no OCSF class for this category yet: the native shape carries it
    return {"id": item.id, **json.loads(record_line(record))}


def line(item: Item, shape: Shape) -> str:
    if shape is Shape.NATIVE:
        return '{"id":"' + item.id + '",' + record_line(item.record)[1:]
    return json.dumps(document(item, shape), separators=(",", ":"), ensure_ascii=False)
