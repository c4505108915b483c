from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = os.geteuid() == 0


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real data directory or configuration from tests."""
    monkeypatch.setenv("VEDETTE_HOME", str(tmp_path_factory.mktemp("vedette-home")))
    monkeypatch.delenv("VEDETTE_CONFIG", raising=False)


needs_root = pytest.mark.skipif(not ROOT, reason="needs root (chown, mount, capabilities)")


def write(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path
