from __future__ import annotations

from pathlib import Path

import pytest

from tests.report.seed import AS_OF, Seed, build
from vedette.report import frameworks
from vedette.report.collect import collect
from vedette.report.period import month
from vedette.store import open_store


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    return build(tmp_path_factory.mktemp("month"))


@pytest.fixture(scope="session")
def content(seed: Seed) -> dict:
    with open_store(seed.store) as store:
        return collect(store, month("2026-11"), frameworks.select(None), AS_OF)


@pytest.fixture(scope="session")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("out")
