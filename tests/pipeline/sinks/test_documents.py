"""Elasticsearch/OpenSearch `_bulk`, Splunk HEC and the Sensu agent API against local
receivers that check the documented shapes and answer with their documented failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.pipeline.conftest import Receiver, Reply, Request, finding, items, ok, sample, status
from vedette.events import Severity
from vedette.pipeline.sinks.base import RetryableError
from vedette.pipeline.sinks.elasticsearch import ElasticsearchSettings
from vedette.pipeline.sinks.sensu import SensuSettings
from vedette.pipeline.sinks.splunk import SplunkSettings

Start = Callable[[Callable[[Request], Reply]], Receiver]


def bulk_lines(request: Request) -> list[tuple[dict, dict]]:
    assert request.path == "/_bulk"
    assert request.headers["Content-Type"] == "application/x-ndjson"
    assert request.body.endswith(b"\n")  # mandatory final newline
    lines = [json.loads(line) for line in request.body.decode().splitlines()]
    return list(zip(lines[::2], lines[1::2], strict=True))


class Bulk:
    """An Elasticsearch that refuses with 429 the first time it sees a doc with an id in
    `busy`, always refuses `bad` ones with 400, and answers 409 for docs it already has."""

    def __init__(self, busy: set[str], bad: set[str]) -> None:
        self.busy, self.bad, self.stored = set(busy), bad, {}

    def __call__(self, request: Request) -> Reply:
        results = []
        for action, doc in bulk_lines(request):
            meta = action["create"]
            assert doc["ecs"]["version"] and "@timestamp" in doc
            uid = meta["_id"]
            if uid in self.bad:
                results.append({"create": {"status": 400, "error": {
                    "type": "mapper_parsing_exception", "reason": "failed to parse"}}})
            elif uid in self.busy:
                self.busy.discard(uid)
                results.append({"create": {"status": 429, "error": {
                    "type": "es_rejected_execution_exception", "reason": "queue full"}}})
            elif uid in self.stored:
                results.append({"create": {"status": 409, "error": {
                    "type": "version_conflict_engine_exception"}}})
            else:
                self.stored[uid] = (meta["_index"], doc)
                results.append({"create": {"_id": uid, "status": 201, "result": "created"}})
        return ok(200, {"took": 1, "errors": any(r["create"]["status"] > 299 for r in results),
                        "items": results})


def es_sink(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "es.key").write_text("a2V5OnNlY3JldA==")
    sink = ElasticsearchSettings(type="elasticsearch", url=url,
                                 api_key_file=tmp_path / "es.key").build()
    sink.backoff = 0.01  # type: ignore[attr-defined]
    return sink


def test_bulk_retries_only_the_items_refused_with_429(receiver: Start, tmp_path: Path) -> None:
    batch = items(finding(1), finding(2), finding(3), sample())
    es = Bulk(busy={batch[1].id}, bad={batch[2].id})
    server = receiver(es)
    rejected = es_sink(server.url, tmp_path).send(batch)
    assert [r.item.id for r in rejected] == [batch[2].id]
    assert "mapper_parsing_exception" in rejected[0].reason
    assert len(server.requests) == 2
    assert [uid for _, doc in bulk_lines(server.requests[1]) for uid in [doc["event"]["id"]]] \
        == [batch[1].id]  # the retry carried only the refused item
    assert set(es.stored) == {batch[0].id, batch[1].id, batch[3].id}
    assert server.requests[0].headers["Authorization"] == "ApiKey a2V5OnNlY3JldA=="
    index, doc = es.stored[batch[0].id]
    assert index == "logs-vedette.events-default"
    assert doc["event"]["module"] == "file_integrity" and doc["file"]["path"] == "/etc/f1"
    assert es.stored[batch[3].id][0] == "metrics-vedette.metrics-default"


def test_redelivered_documents_count_as_delivered(receiver: Start, tmp_path: Path) -> None:
    batch = items(finding(1), finding(2))
    server = receiver(Bulk(set(), set()))
    sink = es_sink(server.url, tmp_path)
    assert sink.send(batch) == []
    assert sink.send(batch) == []  # 409: already there


def test_bulk_still_refused_raises_retryable(receiver: Start, tmp_path: Path) -> None:
    server = receiver(lambda request: ok(200, {"errors": True, "items": [
        {"create": {"status": 429, "error": {}}} for _ in bulk_lines(request)]}))
    with pytest.raises(RetryableError, match="still refused"):
        es_sink(server.url, tmp_path).send(items(finding(1)))


def test_whole_request_503_is_retryable(receiver: Start, tmp_path: Path) -> None:
    server = receiver(lambda request: (503, {}, b"unavailable"))
    with pytest.raises(RetryableError, match="503"):
        es_sink(server.url, tmp_path).send(items(finding(1)))


def hec(request: Request) -> Reply:
    assert request.path == "/services/collector/event"
    assert request.headers["Authorization"] == "Splunk 11111111-2222-3333-4444-555555555555"
    assert request.headers["X-Splunk-Request-Channel"]
    decoder, text, events = json.JSONDecoder(), request.body.decode(), []
    while text:  # concatenated objects, not an array
        event, end = decoder.raw_decode(text)
        events.append(event)
        text = text[end:]
    for number, event in enumerate(events):
        if not all(isinstance(v, str) for v in event["fields"].values()):
            return ok(400, {"text": "Error in handling indexed fields", "code": 15,
                            "invalid-event-number": number})
        if event["event"]["summary"].endswith("f2'"):  # this one is refused
            return ok(400, {"text": "Invalid data format", "code": 6,
                            "invalid-event-number": number})
    return ok(200, {"text": "Success", "code": 0})


def test_splunk_hec_batches_and_skips_the_refused_event(receiver: Start,
                                                        tmp_path: Path) -> None:
    server = receiver(hec)
    (tmp_path / "hec").write_text("11111111-2222-3333-4444-555555555555")
    sink = SplunkSettings(type="splunk", url=server.url, token_file=tmp_path / "hec",
                          index="security").build()
    batch = items(finding(1), finding(2), finding(3), sample())
    rejected = sink.send(batch)
    assert [r.item.id for r in rejected] == [batch[1].id]
    first = server.requests[0].body.decode()
    assert first.count('"sourcetype":"vedette:event"') == 3 and not first.startswith("[")
    assert server.requests[1].body.decode().count('"sourcetype"') == 1  # only f3 again
    event = json.loads(server.requests[1].body)
    assert event["index"] == "security" and event["host"] == "h1"
    assert event["fields"] == {"check": "fim", "kind": "finding", "severity": "high"}
    assert isinstance(event["time"], float)


def test_splunk_busy_is_retryable(receiver: Start, tmp_path: Path) -> None:
    server = receiver(lambda request: ok(503, {"text": "Server is busy", "code": 9}))
    (tmp_path / "hec").write_text("t")
    sink = SplunkSettings(type="splunk", url=server.url, token_file=tmp_path / "hec").build()
    with pytest.raises(RetryableError, match="503"):
        sink.send(items(finding(1)))


def sensu_agent(request: Request) -> Reply:
    assert request.path == "/events"
    body = request.json()
    check = body["check"]
    assert "spec" not in check and check["metadata"]["name"]
    assert check["status"] in (0, 1, 2, 3)
    for point in body.get("metrics", {}).get("points", []):
        assert isinstance(point["timestamp"], int)
        assert all(isinstance(tag["value"], str) for tag in point["tags"])
    return 202, {}, b""


def test_sensu_receives_check_status_and_metric_points(receiver: Start) -> None:
    server = receiver(sensu_agent)
    sink = SensuSettings(type="sensu", url=server.url, ttl=900, handlers=["pagerduty"],
                         rate=1000).build()
    sink.send(items(finding(1), status(severity=Severity.HIGH), sample(severity="high")))
    status_body, metrics_body = (r.json() for r in server.requests)
    assert status_body == {"check": {"metadata": {"name": "vedette-fim"}, "status": 2,
                                     "output": "checked 10 paths",
                                     "executed": status_body["check"]["executed"],
                                     "handlers": ["pagerduty"], "ttl": 900}}
    (point,) = metrics_body["metrics"]["points"]
    assert point["name"] == "vedette_fim_changes" and point["value"] == 2
    assert point["tags"] == [{"name": "severity", "value": "high"}]


def test_sensu_agent_down_is_retryable() -> None:
    sink = SensuSettings(type="sensu", url="http://127.0.0.1:1").build()
    with pytest.raises(RetryableError, match="Sensu"):
        sink.send(items(status()))
