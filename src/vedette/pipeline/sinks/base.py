"""What every sink is: a `send(items)` that delivers a batch, or says why it could not."""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vedette.pipeline.items import Item


class RetryableError(Exception):
    """The destination could not take the batch now (down, busy, 429, 5xx): try again later,
    after `retry_after` seconds if the destination said so."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SinkConfigError(Exception):
    """A sink's settings cannot work (missing secret, unsafe listener); names the sink."""


@dataclass(frozen=True)
class Rejected:
    """An item the destination refused for good (a 4xx about the item itself): it goes to
    the dead-letter file instead of being retried forever."""

    item: Item
    reason: str


class Sink(abc.ABC):
    name: str = "sink"
    batch_size: int = 500

    @abc.abstractmethod
    def send(self, items: list[Item]) -> list[Rejected]:
        """Deliver `items` (all or the ones this sink takes); raise RetryableError to have
        the whole batch offered again later, return what was refused for good."""

    def close(self) -> None:  # noqa: B027  (most sinks hold nothing to release)
        """Release connections, listeners, files."""


class SinkSettings(BaseModel):
    """Settings every sink has; each sink module adds its own and a `type` literal."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                             description="Names the sink's spool cursor (default: its type).")
    batch_size: int = Field(default=500, ge=1, le=100_000)

    @property
    def sink_name(self) -> str:
        return self.name or str(getattr(self, "type", "sink"))


def read_secret(what: str, file: Path | None, env: str | None) -> str | None:
    """A secret from a file (first line) or an environment variable; never logged."""
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SinkConfigError(f"{what}: cannot read {file}: {exc.strerror or exc}") from exc
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise SinkConfigError(f"{what}: environment variable {env} is not set")
        return value
    return None
