"""Redact: Vedette's own events pass through its privacy engine before leaving the host.

User names, addresses and paths in summaries, context and observables are transformed as
the configured privacy policy says; metric samples carry no free text and pass unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vedette.events import Event
from vedette.pipeline.items import Record

if TYPE_CHECKING:
    from vedette.privacy import Engine


class RedactionUnavailable(Exception):
    """The privacy engine could not be loaded or configured; the message says why."""


def load_engine(policy: Path | None, key_file: Path | None, create_key: bool = False) -> Engine:
    """The privacy engine for `policy` (None: its built-in policy), keyed from `key_file`
    (None: a random key, for this process only). A configured key must exist; only the
    agent's own default key is created on first use."""
    try:
        # Imported here: the engine is only loaded when redaction is configured.
        from vedette.privacy import Engine, load_policy
    except ImportError as exc:
        raise RedactionUnavailable(f"the privacy engine is not available: {exc}") from exc
    from vedette.privacy.keys import DeploymentKeyError, load_deployment_key

    key: bytes | None = None
    if key_file is not None:
        # The same key format as `vedette pii`: the agent's tokens and hashes match the
        # scanners' when they share a key file.
        try:
            key = load_deployment_key(key_file, create=create_key)
        except DeploymentKeyError as exc:
            raise RedactionUnavailable(str(exc)) from exc
    from vedette.config import ConfigError
    from vedette.privacy import EngineError

    try:
        return Engine(load_policy(policy), key=key)
    except (ConfigError, EngineError, ValueError, KeyError, OSError) as exc:
        raise RedactionUnavailable(str(exc)) from exc


class Redactor:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, record: Record) -> Record:
        if not isinstance(record, Event):
            return record
        update: dict[str, Any] = {
            "summary": self.engine.redact(record.summary, key_name="summary"),
            "context": self.engine.redact_value(record.context),
            "observables": self.engine.redact_value(record.observables),
            "dedup_key": self.engine.redact(record.dedup_key, key_name="dedup_key"),
        }
        return record.model_copy(update=update)
