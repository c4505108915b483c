"""Where events, metric samples and check runs are kept; reports read only from here.

One interface, `Store`; `open_store` picks the backend from a path or URL. SQLite is
the embedded default; a PostgreSQL backend plugs in behind the same interface.
"""

from __future__ import annotations

from pathlib import Path

from vedette.store.base import RunRecord, Store, StoreError

__all__ = ["RunRecord", "Store", "StoreError", "open_store"]


def open_store(location: str | Path) -> Store:
    """Open the store at `location`: a file path or `sqlite:///path` (PostgreSQL to follow)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{text}: the PostgreSQL store is not available in this version")
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite://")
    from vedette.store.sqlite import SQLiteStore

    return SQLiteStore(Path(text))
