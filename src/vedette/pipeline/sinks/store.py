"""The event store as a sink: SQLite or PostgreSQL, de-duplicated by delivery id."""

from __future__ import annotations

import contextlib
from typing import Literal

from vedette.events import Event, Metric
from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, RetryableError, Sink, SinkSettings
from vedette.store import Store, StoreError, open_store
from vedette.store.base import shown_url


class StoreSinkSettings(SinkSettings):
    type: Literal["store"]
    url: str  # a SQLite path, sqlite:///path, or postgresql://...
    batch_size: int = 2000

    def build(self) -> Sink:
        return StoreSink(self.sink_name, self.url, self.batch_size)


class StoreSink(Sink):
    def __init__(self, name: str, url: str, batch_size: int) -> None:
        self.name, self.url, self.batch_size = name, url, batch_size
        self._store: Store | None = None

    def send(self, items: list[Item]) -> list[Rejected]:
        events = [item for item in items if isinstance(item.record, Event)]
        metrics = [(item.id, item.record) for item in items if isinstance(item.record, Metric)]
        try:
            # Durable: once this returns, the spool lets go of the events.
            store = self._store = self._store or open_store(self.url, durable=True)
            if events:
                store.add_events([item.record for item in events],  # type: ignore[misc]
                                 ids=[item.id for item in events],
                                 bodies=[item.body.decode() if item.body else
                                         item.record.to_json() for item in events])
            if metrics:
                store.add_metrics([m for _, m in metrics], ids=[i for i, _ in metrics])
        except Exception as exc:  # the database is down or locked: keep spooling
            self.close()
            raise RetryableError(f"store {shown_url(self.url)}: {exc}") from exc
        return []

    def close(self) -> None:
        if self._store is not None:
            # A broken connection may fail to close; it is dropped either way.
            with contextlib.suppress(StoreError, OSError):
                self._store.close()
            self._store = None
