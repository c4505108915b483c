"""stdout and JSONL files (native, OCSF, ECS), and the store as a sink."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.pipeline.conftest import finding, items, sample, status
from vedette.pipeline.sinks.base import RetryableError
from vedette.pipeline.sinks.stdout import JsonlSettings, StdoutSettings
from vedette.pipeline.sinks.store import StoreSinkSettings
from vedette.store import open_store


def test_jsonl_native_keeps_the_record_and_adds_its_id(tmp_path: Path) -> None:
    path = tmp_path / "out" / "events.jsonl"
    batch = items(finding(1), sample())
    JsonlSettings(type="jsonl", path=path).build().send(batch)
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert first["id"] == batch[0].id and first["summary"] == "changed content: '/etc/f1'"
    assert second == {"id": batch[1].id, "metric": json.loads(batch[1].record.to_json())}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_jsonl_ocsf_and_ecs_shapes(tmp_path: Path) -> None:
    batch = items(finding(1), status())
    JsonlSettings(type="jsonl", path=tmp_path / "o.jsonl", format="ocsf").build().send(batch)
    ocsf, fallback = (json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines())
    assert ocsf["class_uid"] == 1001 and ocsf["metadata"]["uid"] == batch[0].id
    assert ocsf["time"] == 1714564801000  # milliseconds
    assert fallback["id"] == batch[1].id  # a status without a file: native shape
    JsonlSettings(type="jsonl", path=tmp_path / "e.jsonl", format="ecs").build().send(batch)
    ecs = json.loads((tmp_path / "e.jsonl").read_text().splitlines()[0])
    assert ecs["event"]["module"] == "file_integrity" and ecs["event"]["dataset"] == "file"
    assert ecs["event"]["action"] == ["updated"] and ecs["event"]["type"] == ["change"]
    assert ecs["file"]["path"] == "/etc/f1" and ecs["@timestamp"] == "2024-05-01T12:00:01Z"


def test_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    batch = items(finding(1))
    StdoutSettings(type="stdout").build().send(batch)
    assert json.loads(capsys.readouterr().out)["id"] == batch[0].id


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_store_sink_deduplicates_redeliveries(tmp_path: Path, backend: str,
                                              request: pytest.FixtureRequest) -> None:
    url = str(tmp_path / "s.db") if backend == "sqlite" else request.getfixturevalue("pg_url")
    sink = StoreSinkSettings(type="store", url=url).build()
    batch = items(finding(1), finding(2), sample())
    sink.send(batch)
    if backend == "sqlite":  # the spool lets go once this returns: commits must be synced
        assert sink._store._db.execute("PRAGMA synchronous").fetchone() == (2,)  # type: ignore[attr-defined]
    sink.send(batch)  # a redelivery after a crash
    sink.close()
    with open_store(url) as store:
        assert len(list(store.events())) == 2 and len(list(store.metrics())) == 1


def test_store_down_is_retryable_without_the_password() -> None:
    sink = StoreSinkSettings(type="store", url="postgresql://u:pw@127.0.0.1:1/x").build()
    with pytest.raises(RetryableError) as caught:
        sink.send(items(finding(1)))
    assert "pw@" not in str(caught.value)
