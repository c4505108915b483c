"""Redact: Vedette's own events pass through its privacy engine before leaving the host.

User names, addresses and paths in summaries, context and observables are transformed as
the configured privacy policy says; metric samples carry no free text and pass unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
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
    """Redacts every event's summary, context, observables and `dedup_key`.

    The same strings come back run after run (a finding is reported until it clears; an
    address attacks many times; context values such as `modified` repeat in every event),
    and the engine costs a few to tens of µs a string, so the result for each
    (field, text) is kept in a bounded least-recently-used cache. That is exact: the engine
    gives the same output for the same input and key. It is off when the policy encrypts
    a type, because encryption is randomized on purpose (one value, a new token each time).
    """

    def __init__(self, engine: Engine, cache_size: int = 65_536) -> None:
        from vedette.privacy.engine import redact_values  # loaded with the engine
        from vedette.privacy.transforms import Transform

        self.engine = engine
        self._values = redact_values
        randomized = any(engine.policy.transform_for(entity).transform is Transform.ENCRYPT
                         for entity in engine.policy.enabled_types)
        self._text: Callable[[str, str | None], str] = (
            engine.redact if randomized else lru_cache(maxsize=cache_size)(engine.redact))

    def __call__(self, record: Record) -> Record:
        if not isinstance(record, Event):
            return record
        update: dict[str, Any] = {
            "summary": self._text(record.summary, "summary"),
            # Walked here, not by the engine, so that every string goes through the cache.
            "context": self._values(record.context, None, self._text),
            "observables": self._values(record.observables, None, self._text),
            "dedup_key": self._text(record.dedup_key, "dedup_key"),
        }
        return record.model_copy(update=update)
