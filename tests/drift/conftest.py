from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vedette.drift.config import DriftSettings
from vedette.drift.model import RunReport
from vedette.events import Host
from vedette.store import Store, open_store

SAMPLES = Path(__file__).parent / "samples"
START = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
LOCAL = Host(name="collector", labels={"env": "test"})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "store.db")
    yield opened
    opened.close()


def run(host: str, changed: int, hour: int, tool: str = "puppet", corrective: int = 0,
        run_failed: bool = False, labels: dict[str, str] | None = None) -> RunReport:
    """A run `hour` hours after START."""
    return RunReport(tool=tool, host=host, started=START + timedelta(hours=hour),
                     changed=changed, corrective=corrective, run_failed=run_failed,
                     total=100, labels=labels or {})


def settings(**overrides: object) -> DriftSettings:
    return DriftSettings.model_validate(overrides)
