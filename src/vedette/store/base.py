"""The store interface every backend implements."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from vedette.events import Event, Metric


class StoreError(Exception):
    """The store could not be opened, read or written; the message names the store."""


@dataclass
class RunRecord:
    """Proof that a check operated: when, on what, with which outcome, even if nothing changed."""

    id: int
    source: str
    name: str
    host: str
    started_at: datetime
    scope: list[str]
    ended_at: datetime | None = None
    outcome: str = "running"
    exit_code: int | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    # The process that recorded the run: whoever kills it (the agent, at a check's timeout)
    # can then close the run it left open.
    pid: int | None = None


@dataclass(frozen=True)
class PruneCounts:
    events: int
    metrics: int
    runs: int


def check_ids(ids: Sequence[str] | None, count: int) -> None:
    if ids is not None and len(ids) != count:
        raise ValueError(f"{len(ids)} ids for {count} items")


def event_bodies(events: Iterable[Event], bodies: Sequence[str] | None
                 ) -> Iterator[tuple[Event, str]]:
    """Each event with its JSON: the one given, or serialized now."""
    if bodies is None:
        return ((event, event.to_json()) for event in events)
    return zip(events, bodies, strict=True)


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Store(abc.ABC):
    @abc.abstractmethod
    def start_run(self, source: str, name: str, host: str, scope: list[str]) -> RunRecord:
        """Record that a check run began (kept even if the run never finishes)."""

    @abc.abstractmethod
    def finish_run(self, run: RunRecord, outcome: str, exit_code: int,
                   counts: dict[str, Any], error: str | None = None) -> None:
        """Record how a run ended."""

    @abc.abstractmethod
    def add_events(self, events: Iterable[Event], run: RunRecord | None = None,
                   ids: Sequence[str] | None = None,
                   bodies: Sequence[str] | None = None) -> int:
        """Append events atomically (all or none); returns how many were written.

        `ids`, one stable id per event, makes redelivery harmless: an event whose id is
        already stored is skipped (the pipeline delivers at least once). `bodies`, each
        event's `to_json()`, spares serializing again what the caller already has."""

    @abc.abstractmethod
    def add_metrics(self, metrics: Iterable[Metric], run: RunRecord | None = None,
                    ids: Sequence[str] | None = None) -> int:
        """Append metric samples atomically; `ids` as for `add_events`."""

    @abc.abstractmethod
    def prune(self, before: datetime) -> PruneCounts:
        """Retention: delete events and samples older than `before`, and the finished runs
        that started before it and no longer have any event or sample."""

    @abc.abstractmethod
    def runs(self, source: str | None = None, since: datetime | None = None) -> list[RunRecord]:
        """Runs, oldest first."""

    @abc.abstractmethod
    def events(self, source: str | None = None, since: datetime | None = None,
               run_id: int | None = None) -> Iterator[Event]:
        """Events, oldest first, streamed."""

    @abc.abstractmethod
    def metrics(self, name: str | None = None, since: datetime | None = None) -> Iterator[Metric]:
        """Metric samples, oldest first, streamed."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
