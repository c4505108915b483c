from __future__ import annotations

from pathlib import Path

import pytest

from vedette.auth.records import AuthRecord
from vedette.auth.sources import read_records

DATA = Path(__file__).parent / "data"


def attempts(path: Path | str) -> list[AuthRecord]:
    return [record for record in read_records(str(path)) if record.counted]


def records_of(lines: list[str], tmp_path: Path) -> list[AuthRecord]:
    """Every record (attempts and traces) of `lines` written to a file."""
    log = tmp_path / "auth.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list(read_records(str(log)))


@pytest.fixture
def mixed() -> Path:
    return DATA / "mixed.log"
