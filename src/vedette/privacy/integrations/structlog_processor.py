"""A structlog processor that redacts personal data from the event dict.

Place it after the processors that create text from other values (`format_exc_info` or
`dict_tracebacks`, `StackInfoRenderer`, `PositionalArgumentsFormatter`, `ExtraAdder`) and
before the renderer::

    structlog.configure(processors=[
        structlog.processors.add_log_level,
        structlog.processors.format_exc_info,
        RedactingProcessor(engine),
        structlog.processors.JSONRenderer(),
    ])

For records from the standard library rendered through structlog, put it in
`ProcessorFormatter(foreign_pre_chain=[..., RedactingProcessor(engine)], ...)`.

Every value is redacted with its key as context (`email=...`, `card_number=...`); nested
dicts and lists keep their shape. An `exc_info` still in the event dict is rendered into
`exception` first (as `format_exc_info` does), since a renderer would otherwise print the
raw exception. The processor never raises into the application: if redaction fails, the
event keeps its keys but not their values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from structlog.processors import format_exc_info

from vedette.privacy.integrations.values import redact_any

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from vedette.privacy import Engine

WITHHELD = "[withheld: redaction failed]"
# structlog's own bookkeeping for standard-library records (a LogRecord object and a flag),
# removed before rendering by `ProcessorFormatter.remove_processors_meta`.
_META = frozenset({"_record", "_from_structlog"})


class RedactingProcessor:
    """`(logger, method_name, event_dict) -> event_dict` with personal data redacted."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
                 ) -> MutableMapping[str, Any]:
        try:
            if "exc_info" in event_dict:
                event_dict = format_exc_info(logger, method_name, event_dict)
            for key in event_dict.keys() - _META:
                event_dict[key] = redact_any(self.engine, event_dict[key], key)
        except Exception as exc:  # the application's logging call must never fail
            for key in event_dict.keys() - _META:
                event_dict[key] = WITHHELD
            event_dict["event"] = f"{WITHHELD} ({type(exc).__name__})"
        return event_dict


__all__ = ["RedactingProcessor"]
