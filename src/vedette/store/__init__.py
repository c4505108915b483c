"""Where events, metric samples and check runs are kept; reports read only from here.

One interface, `Store`; `open_store` picks the backend from a path or URL. SQLite is
the embedded default; a PostgreSQL backend plugs in behind the same interface.
"""

from __future__ import annotations

from pathlib import Path

from vedette.store.base import PruneCounts, RunRecord, Store, StoreError

__all__ = ["PruneCounts", "RunRecord", "Store", "StoreError", "open_store"]


def open_store(location: str | Path, durable: bool = False) -> Store:
    """Open the store at `location`: a file path, `sqlite:///path`, or a PostgreSQL URL
    `postgresql://user@host:port/database[?schema=NAME]`.

    `durable`: every commit survives a power loss, not only a crash of the process (SQLite
    syncs its log at each commit; PostgreSQL commits are durable anyway). For writers that
    let go of their own copy once the store has it, like the agent's store sink."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        # Imported here: the SQLite default must not pay for loading the PostgreSQL driver.
        from vedette.store.postgres import PostgresStore

        return PostgresStore(text)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite://")
    from vedette.store.sqlite import SQLiteStore

    return SQLiteStore(Path(text), durable=durable)
