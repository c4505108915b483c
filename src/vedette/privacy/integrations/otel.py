"""OpenTelemetry SDK hooks that redact personal data before telemetry leaves the process.

* `RedactingLogRecordProcessor` rewrites each log record's body and attributes (including
  `exception.message` and `exception.stacktrace`) in place. Log record processors run in
  registration order on the same record, so register it **before** the processor that
  exports (`BatchLogRecordProcessor`, `SimpleLogRecordProcessor`).
* `RedactingSpanExporter` wraps the exporter. A span processor cannot do this job: spans
  are frozen when they end, before any processor's `on_end` sees them. The wrapper hands
  the real exporter copies of the spans with their name, attributes, event names and
  attributes (`record_exception` puts the exception message there), link attributes and
  status description redacted. Ids, times, kind, scope and the resource are kept: the
  resource describes the deployment, not a request.

Attribute keys are the context for their values (`enduser.id`, `user.email`, ...). Neither
hook raises into the application: a log record that cannot be redacted is exported with
its content withheld, a span that cannot be redacted is not exported.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk._logs import LogRecordProcessor, ReadWriteLogRecord
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import Link, Status

from vedette.privacy.integrations.values import redact_any

if TYPE_CHECKING:
    from vedette.privacy import Engine

WITHHELD = "[withheld: redaction failed]"

_log = logging.getLogger(__name__)


class RedactingLogRecordProcessor(LogRecordProcessor):
    """Redact body and attributes of every log record; register before the exporting one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        record = log_record.log_record
        try:
            record.body = redact_any(self.engine, record.body)  # type: ignore[assignment]
            attributes = record.attributes
            if attributes:
                for key in list(attributes):
                    attributes[key] = redact_any(self.engine, attributes[key], key)  # type: ignore[index]
        except Exception as exc:  # the application's logging call must never fail
            record.body = f"{WITHHELD} ({type(exc).__name__})"
            if record.attributes:
                for key in list(record.attributes):
                    record.attributes[key] = WITHHELD  # type: ignore[index]

    def shutdown(self) -> None:
        """Nothing to release: the exporting processor owns the exporter."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class RedactingSpanExporter(SpanExporter):
    """Export through `exporter` copies of the spans with their personal data redacted."""

    def __init__(self, exporter: SpanExporter, engine: Engine) -> None:
        self.exporter = exporter
        self.engine = engine

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        redacted = []
        for span in spans:
            try:
                redacted.append(redact_span(self.engine, span))
            except Exception as exc:  # never export what could not be redacted
                _log.warning("span not exported: redaction failed (%s)", type(exc).__name__)
        return self.exporter.export(redacted)

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


def redact_span(engine: Engine, span: ReadableSpan) -> ReadableSpan:
    """A copy of `span` with name, attributes, events, link attributes and status
    description redacted; dropped-item counters are kept for the exporter."""
    status = span.status
    if status.description:
        status = Status(status.status_code, engine.redact(status.description))
    events = [Event(engine.redact(event.name),
                    _attributes(engine, event.attributes, event.dropped_attributes),
                    event.timestamp)
              for event in span.events]
    links = [Link(link.context, _attributes(engine, link.attributes, link.dropped_attributes))
             for link in span.links]
    return ReadableSpan(
        name=engine.redact(span.name), context=span.context, parent=span.parent,
        resource=span.resource,
        attributes=_attributes(engine, span.attributes, span.dropped_attributes),
        events=_bounded(events, span.dropped_events), links=_bounded(links, span.dropped_links),
        kind=span.kind, status=status, start_time=span.start_time, end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope)


def _attributes(engine: Engine, attributes: Mapping[str, object] | None, dropped: int
                ) -> BoundedAttributes:
    redacted = {key: redact_any(engine, value, key) for key, value in (attributes or {}).items()}
    bounded = BoundedAttributes(attributes=redacted)  # type: ignore[arg-type]
    bounded.dropped = dropped
    return bounded


def _bounded(items: list[Event] | list[Link], dropped: int) -> BoundedList:
    bounded = BoundedList.from_seq(None, items)
    bounded.dropped = dropped
    return bounded


__all__ = ["RedactingLogRecordProcessor", "RedactingSpanExporter", "redact_span"]
