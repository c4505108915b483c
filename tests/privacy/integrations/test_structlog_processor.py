"""The structlog processor with the real structlog: event, bound context, nested values,
exceptions and records from the standard library come out redacted."""

from __future__ import annotations

import io
import json
import logging

import structlog

from tests.privacy.integrations.conftest import (
    CARD,
    CARD_NUMBER,
    EMAIL,
    IBAN,
    OTHER_EMAIL,
    Customer,
    assert_clean,
)
from vedette.privacy.integrations.structlog_processor import WITHHELD, RedactingProcessor


def json_logger(processor: object, out: io.StringIO) -> structlog.typing.FilteringBoundLogger:
    return structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[structlog.processors.add_log_level, processor,
                    structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))


def test_event_and_fields_keep_their_shape(engine: object) -> None:
    out = io.StringIO()
    log = json_logger(RedactingProcessor(engine), out).bind(user=Customer())  # type: ignore[arg-type]
    log.info(f"payment by {EMAIL}", card_number=CARD_NUMBER, card=CARD, attempt=2,
             payer={"contact": {"email": OTHER_EMAIL}, "iban": IBAN, "tags": ["vip", EMAIL]})
    assert_clean(out.getvalue())
    event = json.loads(out.getvalue())
    assert event["event"].startswith("payment by ")
    assert event["attempt"] == 2 and event["level"] == "info"
    assert set(event["payer"]) == {"contact", "iban", "tags"}
    assert event["payer"]["tags"][0] == "vip" and len(event["payer"]["tags"]) == 2
    assert isinstance(event["payer"]["contact"], dict)


def test_exc_info_is_rendered_then_redacted(engine: object) -> None:
    out = io.StringIO()
    log = json_logger(RedactingProcessor(engine), out)  # type: ignore[arg-type]
    try:
        raise ValueError(f"card {CARD} refused for {EMAIL}")
    except ValueError:
        log.exception("charge failed")
    event = json.loads(out.getvalue())
    assert "exc_info" not in event
    assert "ValueError: card " in event["exception"]
    assert_clean(out.getvalue())


def test_after_format_exc_info_and_positional_args(engine: object) -> None:
    out = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.processors.StackInfoRenderer(),
                    structlog.processors.format_exc_info, RedactingProcessor(engine),  # type: ignore[arg-type]
                    structlog.processors.KeyValueRenderer(key_order=["event"])])
    try:
        raise KeyError(EMAIL)
    except KeyError:
        log.error("refund to %s", IBAN, exc_info=True, stack_info=True)
    assert out.getvalue().startswith("event='refund to ")
    assert "KeyError" in out.getvalue() and "stack=" in out.getvalue()
    assert_clean(out.getvalue())


def test_standard_library_records_through_processor_formatter(engine: object) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.ExtraAdder(),
                           RedactingProcessor(engine)],  # type: ignore[arg-type]
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer()]))
    log = logging.getLogger("test.structlog.stdlib")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("login by %s", EMAIL, extra={"iban": IBAN, "customer": Customer()})
    finally:
        log.removeHandler(handler)
    event = json.loads(stream.getvalue())
    assert event["event"].startswith("login by ") and event["level"] == "warning"
    assert {"iban", "customer"} <= set(event)
    assert_clean(stream.getvalue())


class Exploding:
    def redact(self, text: str, key_name: str | None = None) -> str:
        raise RuntimeError(text)

    def redact_value(self, value: object, key_name: str | None = None) -> object:
        raise RuntimeError(str(value))


def test_a_failing_engine_withholds_values_and_never_raises() -> None:
    out = io.StringIO()
    log = json_logger(RedactingProcessor(Exploding()), out)  # type: ignore[arg-type]
    log.info(f"mail {EMAIL}", email=EMAIL)
    event = json.loads(out.getvalue())
    assert event["event"].startswith(WITHHELD)
    assert event["email"] == WITHHELD
    assert_clean(out.getvalue())
