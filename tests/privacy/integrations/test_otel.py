"""The OpenTelemetry hooks with the real SDK: what the exporter receives is redacted, and
everything that is not personal data (ids, times, counters, structure) is kept."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import pytest
from opentelemetry._logs import LogRecord
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, StatusCode

from tests.privacy.integrations.conftest import (
    CARD,
    CARD_NUMBER,
    EMAIL,
    IBAN,
    OTHER_EMAIL,
    assert_clean,
)
from vedette.privacy.integrations.otel import (
    WITHHELD,
    RedactingLogRecordProcessor,
    RedactingSpanExporter,
)


@pytest.fixture
def logs(engine: object) -> Iterator[tuple[LoggerProvider, InMemoryLogRecordExporter]]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(RedactingLogRecordProcessor(engine))  # type: ignore[arg-type]
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def exported_text(exporter: InMemoryLogRecordExporter) -> str:
    return "\n".join(record.to_json() for record in exporter.get_finished_logs())


def test_log_body_and_attributes(logs: tuple[LoggerProvider, InMemoryLogRecordExporter]
                                 ) -> None:
    provider, exporter = logs
    provider.get_logger("shop").emit(LogRecord(
        body=f"refund to {EMAIL}", severity_text="INFO",
        attributes={"user.email": OTHER_EMAIL, "card_number": CARD_NUMBER, "http.status": 200,
                    "iban": IBAN, "tags": ["vip", CARD]}))
    (record,) = exporter.get_finished_logs()
    assert str(record.log_record.body).startswith("refund to ")
    attributes = record.log_record.attributes
    assert attributes is not None
    assert attributes["http.status"] == 200
    assert set(attributes) == {"user.email", "card_number", "http.status", "iban", "tags"}
    assert_clean(exported_text(exporter))


def test_structured_body_and_exception(logs: tuple[LoggerProvider, InMemoryLogRecordExporter]
                                       ) -> None:
    provider, exporter = logs
    try:
        raise ValueError(f"card {CARD} declined for {EMAIL}")
    except ValueError as exc:
        provider.get_logger("shop").emit(LogRecord(body={"customer": {"email": EMAIL},
                                                         "items": 3}, exception=exc))
    (record,) = exporter.get_finished_logs()
    body = record.log_record.body
    assert isinstance(body, dict) and body["items"] == 3
    attributes = record.log_record.attributes
    assert attributes is not None
    assert attributes["exception.type"] == "ValueError"
    assert "Traceback" in str(attributes["exception.stacktrace"])
    assert_clean(exported_text(exporter))


def test_standard_library_bridge(logs: tuple[LoggerProvider, InMemoryLogRecordExporter]
                                 ) -> None:
    provider, exporter = logs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's own handler
        handler = LoggingHandler(logger_provider=provider)
    log = logging.getLogger("test.otel.bridge")
    log.propagate = False
    log.addHandler(handler)
    try:
        try:
            raise KeyError(EMAIL)
        except KeyError:
            log.exception("lookup of %s failed", OTHER_EMAIL, extra={"iban": IBAN})
    finally:
        log.removeHandler(handler)
    (record,) = exporter.get_finished_logs()
    assert str(record.log_record.body).startswith("lookup of ")
    assert "iban" in (record.log_record.attributes or {})
    assert_clean(exported_text(exporter))


class Exploding:
    def redact(self, text: str, key_name: str | None = None) -> str:
        raise RuntimeError(text)

    def redact_value(self, value: object, key_name: str | None = None) -> object:
        raise RuntimeError(str(value))


def test_a_failing_engine_withholds_the_log_record() -> None:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(RedactingLogRecordProcessor(Exploding()))  # type: ignore[arg-type]
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    provider.get_logger("x").emit(LogRecord(body=EMAIL, attributes={"email": EMAIL}))
    (record,) = exporter.get_finished_logs()
    assert str(record.log_record.body).startswith(WITHHELD)
    assert record.log_record.attributes == {"email": WITHHELD}
    provider.shutdown()


# --- spans ---------------------------------------------------------------------------------

@pytest.fixture
def traces(engine: object) -> Iterator[tuple[TracerProvider, InMemorySpanExporter,
                                             InMemorySpanExporter]]:
    """A provider exporting through the redacting wrapper, and raw, for comparison."""
    redacted, raw = InMemorySpanExporter(), InMemorySpanExporter()
    provider = TracerProvider(span_limits=SpanLimits(max_span_attributes=6))
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(redacted, engine)))  # type: ignore[arg-type]
    provider.add_span_processor(SimpleSpanProcessor(raw))
    yield provider, redacted, raw
    provider.shutdown()


def span_text(span: ReadableSpan) -> str:
    return span.to_json()


def test_span_name_attributes_events_links_and_status(
        traces: tuple[TracerProvider, InMemorySpanExporter, InMemorySpanExporter]) -> None:
    provider, redacted, raw = traces
    tracer = provider.get_tracer("shop")
    with tracer.start_as_current_span("warmup") as other:
        linked = other.get_span_context()
    with tracer.start_as_current_span(
            f"GET /customers/{EMAIL}", kind=SpanKind.SERVER,
            links=[Link(linked, {"referrer": OTHER_EMAIL})]) as span:
        span.set_attribute("enduser.id", EMAIL)
        span.set_attribute("card_number", CARD_NUMBER)
        span.set_attribute("http.response.status_code", 402)
        span.add_event("payment", {"iban": IBAN, "amount": 12.5})
        try:
            raise ValueError(f"card {CARD} declined")
        except ValueError as exc:
            span.record_exception(exc)
            span.set_status(StatusCode.ERROR, f"declined for {EMAIL}")
    exported = redacted.get_finished_spans()[-1]
    original = raw.get_finished_spans()[-1]
    assert_clean(span_text(exported))
    assert EMAIL in span_text(original)  # the wrapper exports copies; the span is untouched
    assert exported.name.startswith("GET /customers/")
    assert exported.context == original.context and exported.parent == original.parent
    assert (exported.start_time, exported.end_time) == (original.start_time, original.end_time)
    assert exported.kind is SpanKind.SERVER and exported.resource is original.resource
    assert exported.instrumentation_scope == original.instrumentation_scope
    assert exported.attributes["http.response.status_code"] == 402
    assert [event.name for event in exported.events] == ["payment", "exception"]
    assert exported.events[0].attributes["amount"] == 12.5
    assert exported.events[1].attributes["exception.type"] == "ValueError"
    assert exported.links[0].context == linked
    assert exported.status.status_code is StatusCode.ERROR
    assert exported.status.description and exported.status.description.startswith("declined")


def test_dropped_counts_are_kept(
        traces: tuple[TracerProvider, InMemorySpanExporter, InMemorySpanExporter]) -> None:
    provider, redacted, raw = traces
    with provider.get_tracer("shop").start_as_current_span("bulk") as span:
        for index in range(10):
            span.set_attribute(f"field{index}", f"{index}-{EMAIL}")
    exported, original = redacted.get_finished_spans()[-1], raw.get_finished_spans()[-1]
    assert original.dropped_attributes == 4
    assert exported.dropped_attributes == 4
    assert len(exported.attributes) == 6
    assert_clean(span_text(exported))


def test_a_span_that_cannot_be_redacted_is_not_exported() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(
        RedactingSpanExporter(exporter, Exploding())))  # type: ignore[arg-type]
    with provider.get_tracer("x").start_as_current_span(EMAIL):
        pass
    assert exporter.get_finished_spans() == ()
    provider.shutdown()
