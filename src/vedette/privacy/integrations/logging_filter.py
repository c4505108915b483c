"""A `logging.Filter` that redacts personal data from log records before any handler
writes them.

Placement: Python runs a *logger's* filters only for records logged on that very logger,
not for records propagating from its children, so the filter belongs on **handlers**
(`install` puts it on every handler of a logger, the root logger by default).

The record is redacted in place, so every handler after this one sees the redacted record
too, and redacting twice changes nothing. What is changed, and why:

* `msg` becomes the fully rendered, redacted message and `args` becomes `()`: personal data
  often only appears once `%`-args are rendered (an object's `__str__`, an address split
  across two args), and clearing `args` keeps formatters from rendering again. A record
  whose `%`-args do not fit its message is rendered safely instead of letting `logging`
  print the raw arguments to stderr.
* Every `extra` attribute is redacted with its name as context (`extra={"email": ...}`).
* The exception is rendered into `exc_text` (as the default `Formatter` would), redacted,
  and `exc_info` is cleared, because handlers that read `exc_info` directly would otherwise
  see the raw exception message and local values. `stack_info` is redacted too.

The filter never raises into the application: if redaction itself fails, the record is
kept but its content is withheld.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from vedette.privacy.integrations.values import plain, redact_any, safe_text

if TYPE_CHECKING:
    from vedette.privacy import Engine

# Attributes every LogRecord has; everything else on a record came from `extra=`.
# `message` and `asctime` are set by formatters from already-redacted parts; `taskName`
# is standard from Python 3.12.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName"}
WITHHELD = "[withheld: redaction failed]"

# Renders exceptions exactly as a default Formatter would, before they are redacted.
_TRACEBACKS = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Redact message, `%`-args, `extra` fields, exception and stack of each record.

    `engine` defaults to one built from `policy` (a YAML file; default: the shipped
    policy) and the deployment key in `key_file` (default: a random key, so tokens hold for
    this process only), so `logging.config.dictConfig` can create the filter:
    `{"()": "vedette.privacy.integrations.logging_filter.RedactingFilter", "policy": PATH,
    "key_file": PATH}`.
    """

    def __init__(self, engine: Engine | None = None, policy: str | Path | None = None,
                 key_file: str | Path | None = None) -> None:
        super().__init__()
        if engine is None:
            from vedette.privacy import Engine, load_policy
            from vedette.privacy.keys import load_deployment_key

            key = load_deployment_key(Path(key_file), create=False) if key_file else None
            engine = Engine(load_policy(Path(policy) if policy is not None else None), key)
        self.engine = engine

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._redact(record)
        except Exception as exc:  # the application's logging call must never fail
            _withhold(record, exc)
        return True

    def _redact(self, record: logging.LogRecord) -> None:
        engine = self.engine
        record.msg = self._message(record)
        record.args = ()
        fields = record.__dict__
        for name in fields.keys() - STANDARD_ATTRIBUTES:
            fields[name] = redact_any(engine, fields[name], name)
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _TRACEBACKS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = engine.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = engine.redact(record.stack_info)

    def _message(self, record: logging.LogRecord) -> object:
        if not record.args and isinstance(record.msg, Mapping | list | tuple):
            # A structured message stays structured for handlers that export it as such.
            return redact_any(self.engine, record.msg)
        try:
            text = record.getMessage()
        except Exception:
            # Arguments that do not fit the message: logging would print them raw to stderr.
            text = f"{safe_text(record.msg)} (arguments: {plain(record.args)})"
        return self.engine.redact(text)


def _withhold(record: logging.LogRecord, error: Exception) -> None:
    """Keep the record (the application did log something) but none of its content."""
    record.msg = f"{WITHHELD} ({type(error).__name__})"
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    fields = record.__dict__
    for name in fields.keys() - STANDARD_ATTRIBUTES:
        fields[name] = WITHHELD  # not deleted: a formatter may name the field


def install(engine: Engine | None = None, logger: logging.Logger | None = None
            ) -> RedactingFilter:
    """Put one `RedactingFilter` on every handler of `logger` (default: the root logger).

    Handlers added later need `handler.addFilter(...)` with the returned filter.
    """
    logger = logger or logging.getLogger()
    if not logger.handlers:
        raise ValueError(f"logger {logger.name!r} has no handlers yet: configure logging "
                         "first, then install the filter")
    redacting = RedactingFilter(engine)
    for handler in logger.handlers:
        handler.addFilter(redacting)
    return redacting


__all__ = ["RedactingFilter", "install"]
