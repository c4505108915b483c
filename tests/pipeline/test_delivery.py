"""Delivery: acknowledge after success, back off on failure, dead-letter refusals."""

from __future__ import annotations

import json
import stat
import threading
import time
from pathlib import Path

from tests.pipeline.conftest import finding, items
from vedette.pipeline.delivery import Delivery
from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, RetryableError, Sink
from vedette.pipeline.sinks.http import PermanentError
from vedette.pipeline.spool import Spool


class Scripted(Sink):
    """Fails the way it is told to, one answer per call, then accepts."""

    def __init__(self, answers: list[str]) -> None:
        self.name, self.batch_size = "scripted", 2
        self.answers, self.received = list(answers), []  # type: ignore[var-annotated]

    def send(self, items: list[Item]) -> list[Rejected]:
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "retry":
            raise RetryableError("busy", retry_after=0.05)
        if answer == "crash":
            raise KeyError("a bug")
        if answer == "permanent":
            raise PermanentError("HTTP 400: malformed")
        if answer == "reject-first":
            self.received += items[1:]
            return [Rejected(items[0], "refused")]
        self.received += items
        return []


def setup(tmp_path: Path, answers: list[str]) -> tuple[Spool, Scripted, Delivery, list[Item]]:
    sink = Scripted(answers)
    spool = Spool(tmp_path / "spool", [sink.name])
    batch = items(*[finding(n) for n in range(4)])
    spool.append(batch)
    return spool, sink, Delivery(spool, sink, initial_backoff=0.01, max_backoff=0.05), batch


def test_failures_are_retried_and_nothing_is_acknowledged_before_success(
        tmp_path: Path) -> None:
    spool, sink, delivery, batch = setup(tmp_path, ["retry", "crash", "retry"])
    assert not delivery.step() and not delivery.step() and not delivery.step()
    assert delivery.stats.failures == 3 and delivery.stats.last_error == "busy"
    assert delivery.drain(threading.Event(), deadline=float("inf"))
    assert [i.id for i in sink.received] == [i.id for i in batch]
    assert delivery.stats.delivered == 4 and not spool.pending("scripted")


def test_refusals_go_to_the_dead_letter_file(tmp_path: Path) -> None:
    spool, _, delivery, batch = setup(tmp_path, ["reject-first", "permanent"])
    assert delivery.step() and delivery.step()
    lines = [json.loads(x) for x in delivery.dead_letters.read_text().splitlines()]
    assert [x["id"] for x in lines] == [batch[0].id, batch[2].id, batch[3].id]
    assert lines[0]["reason"] == "refused" and lines[1]["reason"] == "HTTP 400: malformed"
    assert lines[0]["record"]["summary"] == "changed content: '/etc/f0'"
    assert stat.S_IMODE(delivery.dead_letters.stat().st_mode) == 0o600
    assert delivery.stats.rejected == 3 and delivery.stats.delivered == 1
    assert not spool.pending("scripted")


def test_background_delivery_picks_up_new_records(tmp_path: Path) -> None:
    spool, sink, delivery, batch = setup(tmp_path, [])
    stop = threading.Event()
    delivery.start(stop)
    more = items(finding(10))
    spool.append(more)
    deadline = time.monotonic() + 10
    while spool.pending("scripted") and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    delivery.join(5)
    assert {i.id for i in sink.received} == {i.id for i in batch + more}
