"""PagerDuty, webhook and Slack against local receivers that check the documented shapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.pipeline.conftest import Receiver, Reply, Request, finding, items, ok, sample, status
from vedette.events import Severity
from vedette.pipeline.filters import Filter
from vedette.pipeline.sinks.base import RetryableError, SinkConfigError
from vedette.pipeline.sinks.pagerduty import (
    MAX_DEDUP_KEY,
    MAX_REQUEST,
    MAX_SUMMARY,
    PagerDutySettings,
)
from vedette.pipeline.sinks.webhook import SlackSettings, WebhookSettings

ROUTING_KEY = "R0UT1NGKEY0123456789abcdefghijkl"
Start = Callable[[Callable[[Request], Reply]], Receiver]


def pagerduty(request: Request) -> Reply:
    """Validates like the Events API v2 does, then accepts."""
    body = request.json()
    assert request.path == "/v2/enqueue"
    assert body["routing_key"] == ROUTING_KEY and len(body["dedup_key"]) <= MAX_DEDUP_KEY
    if body["event_action"] == "trigger":
        payload = body["payload"]
        assert set(payload) >= {"summary", "source", "severity"}
        assert payload["severity"] in ("critical", "error", "warning", "info")
        assert len(payload["summary"]) <= MAX_SUMMARY
    else:
        assert set(body) == {"routing_key", "event_action", "dedup_key"}
    return ok(202, {"status": "success", "message": "Event processed",
                    "dedup_key": body["dedup_key"]})


def pd_sink(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "pd.key").write_text(ROUTING_KEY + "\n")
    return PagerDutySettings(type="pagerduty", url=f"{url}/v2/enqueue", rate=1000,
                             routing_key_file=tmp_path / "pd.key").build()


def test_new_finding_triggers_and_its_clearing_resolves(receiver: Start,
                                                        tmp_path: Path) -> None:
    server = receiver(pagerduty)
    sink = pd_sink(server.url, tmp_path)
    f = Filter()
    first = [r for rec in (finding(1, Severity.CRITICAL), finding(2, Severity.MEDIUM), status())
             for r in f(rec)]
    later = [r for rec in (finding(2, Severity.MEDIUM), status()) for r in f(rec)]
    assert sink.send(items(*first, sample())) == []
    assert sink.send(items(*later)) == []
    bodies = [r.json() for r in server.requests]
    assert [(b["event_action"], b["dedup_key"]) for b in bodies] == [
        ("trigger", "h1:fim:/etc/f1"), ("trigger", "h1:fim:/etc/f2"),
        ("resolve", "h1:fim:/etc/f1")]
    assert [b["payload"]["severity"] for b in bodies[:2]] == ["critical", "warning"]
    assert bodies[0]["payload"]["source"] == "h1"


def test_limits_summary_and_dedup_key(receiver: Start, tmp_path: Path) -> None:
    server = receiver(pagerduty)
    long = finding(1).model_copy(update={"summary": "x" * 5000, "dedup_key": "k" * 600})
    pd_sink(server.url, tmp_path).send(items(long))
    body = server.requests[0].json()
    assert len(body["payload"]["summary"]) == MAX_SUMMARY
    assert len(body["dedup_key"]) <= MAX_DEDUP_KEY
    again = receiver(pagerduty)
    pd_sink(again.url, tmp_path).send(items(long))
    assert again.requests[0].json()["dedup_key"] == body["dedup_key"]  # stable


@pytest.mark.parametrize("code", [429, 500, 503])
def test_429_and_5xx_are_retried(receiver: Start, tmp_path: Path, code: int) -> None:
    server = receiver(lambda request: (code, {"Retry-After": "3"}, b"{}"))
    with pytest.raises(RetryableError) as caught:
        pd_sink(server.url, tmp_path).send(items(finding(1)))
    assert caught.value.retry_after == 3


def test_other_4xx_are_not_retried_but_dead_lettered(receiver: Start, tmp_path: Path) -> None:
    server = receiver(lambda request: ok(400, {"status": "invalid event",
                                               "errors": ["'payload' is invalid"]}))
    one, two = items(finding(1), finding(2))
    rejected = pd_sink(server.url, tmp_path).send([one, two])
    assert [r.item.id for r in rejected] == [one.id, two.id]
    assert "HTTP 400" in rejected[0].reason
    assert len(server.requests) == 2  # each tried once


@pytest.mark.parametrize("code", [401, 403, 404, 408])
def test_no_other_4xx_is_retried(receiver: Start, tmp_path: Path, code: int) -> None:
    server = receiver(lambda request: ok(code, {"status": "refused"}))
    rejected = pd_sink(server.url, tmp_path).send(items(finding(1)))
    assert len(rejected) == 1 and f"HTTP {code}" in rejected[0].reason
    assert len(server.requests) == 1


def test_details_too_large_for_the_512_kb_limit_are_dropped(receiver: Start,
                                                            tmp_path: Path) -> None:
    server = receiver(pagerduty)
    huge = finding(1).model_copy(update={"context": {"diff": "x" * 600_000},
                                         "observables": {"file.path": "y" * 600_000}})
    assert pd_sink(server.url, tmp_path).send(items(huge)) == []
    request = server.requests[0]
    assert len(request.body) <= MAX_REQUEST
    assert request.json()["payload"]["custom_details"] == {
        "truncated": "details exceeded PagerDuty's 512 KB limit"}


def test_routing_key_is_required_and_never_in_errors(tmp_path: Path) -> None:
    with pytest.raises(SinkConfigError, match="routing key"):
        PagerDutySettings(type="pagerduty").build()
    sink = pd_sink("http://127.0.0.1:1", tmp_path)
    with pytest.raises(RetryableError) as caught:
        sink.send(items(finding(1)))
    assert ROUTING_KEY not in str(caught.value)


def test_webhook_posts_batches_with_ids_and_bearer(receiver: Start, tmp_path: Path) -> None:
    server = receiver(lambda request: ok(200))
    (tmp_path / "token").write_text("hook-token")
    sink = WebhookSettings(type="webhook", url=f"{server.url}/hook", format="ecs",
                           token_file=tmp_path / "token").build()
    batch = items(finding(1), sample(), status())
    sink.send(batch)
    (request,) = server.requests
    assert request.headers["Authorization"] == "Bearer hook-token"
    documents = request.json()["items"]
    assert [d["event"]["id"] for d in documents] == [batch[0].id, batch[2].id]  # no metrics
    assert documents[0]["event"]["kind"] == "alert"


def test_slack_posts_one_text_per_finding_and_resolution(receiver: Start,
                                                         tmp_path: Path) -> None:
    server = receiver(lambda request: (200, {}, b"ok"))
    (tmp_path / "url").write_text(f"{server.url}/services/T000/B000/XXXX\n")
    sink = SlackSettings(type="slack", url_file=tmp_path / "url").build()
    f = Filter()
    records = [r for rec in (finding(1, Severity.HIGH), finding(2, Severity.LOW), status())
               for r in f(rec)] + f(status())
    sink.send(items(*records))
    texts = [r.json()["text"] for r in server.requests]
    assert texts == [
        ":large_orange_circle: *HIGH* fim on `h1`: changed content: '/etc/f1'",
        ":white_check_mark: *resolved* on `h1`: resolved: changed content: '/etc/f1'",
        ":white_check_mark: *resolved* on `h1`: resolved: changed content: '/etc/f2'"]
    assert all(set(r.json()) == {"text"} for r in server.requests)
