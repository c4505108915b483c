"""Delivery: one loop per sink moves its records from the spool to the destination.

A batch is acknowledged (its spool cursor moved) only after the sink took it. A sink that
is down is retried with exponential back-off (honouring Retry-After); what a destination
refuses for good is written to a dead-letter file next to the spool, never silently lost.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass

from vedette.pipeline.sinks.base import Rejected, RetryableError, Sink
from vedette.pipeline.sinks.http import PermanentError
from vedette.pipeline.spool import Spool

log = logging.getLogger("vedette.agent")


@dataclass
class DeliveryStats:
    delivered: int = 0
    rejected: int = 0
    failures: int = 0
    last_error: str | None = None


class Delivery:
    def __init__(self, spool: Spool, sink: Sink, initial_backoff: float = 1.0,
                 max_backoff: float = 300.0) -> None:
        self.spool, self.sink = spool, sink
        self.initial_backoff, self.max_backoff = initial_backoff, max_backoff
        self.stats = DeliveryStats()
        self.dead_letters = spool.directory / f"dead-letter.{sink.name}.jsonl"
        self._backoff = initial_backoff
        self._stop_wait = 0.0  # how long to wait before the next attempt after a failure
        self._thread: threading.Thread | None = None

    def step(self, wait: float = 0.0) -> bool:
        """Deliver one batch if there is one; False when nothing was pending or it failed."""
        batch = self.spool.read(self.sink.name, self.sink.batch_size, wait=wait)
        if not batch.items and not batch.skipped and batch.end == batch.start:
            return False
        try:
            rejected = self.sink.send(batch.items) if batch.items else []
        except PermanentError as exc:
            rejected = [Rejected(item, str(exc)) for item in batch.items]
        except RetryableError as exc:
            self._failed(str(exc), exc.retry_after)
            return False
        except Exception as exc:  # a sink's bug must not kill the agent nor lose the batch
            log.exception("sink %s failed", self.sink.name)
            self._failed(f"{type(exc).__name__}: {exc}", None)
            return False
        if rejected:
            self._dead_letter(rejected)
        self.spool.ack(self.sink.name, batch)
        self.stats.delivered += len(batch.items) - len(rejected)
        self.stats.rejected += len(rejected)
        self._backoff = self.initial_backoff
        self._stop_wait = 0.0
        return True

    def _failed(self, message: str, retry_after: float | None) -> None:
        self.stats.failures += 1
        self.stats.last_error = message
        delay = max(self._backoff, retry_after or 0.0)
        log.warning("sink %s: %s; retrying in %.0f s", self.sink.name, message, delay)
        self._stop_wait = delay
        self._backoff = min(self.max_backoff, self._backoff * 2)

    def _dead_letter(self, rejected: list[Rejected]) -> None:
        fd = os.open(self.dead_letters, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            for entry in rejected:
                handle.write(json.dumps({"id": entry.item.id, "reason": entry.reason,
                                         "record": json.loads(entry.item.record.to_json())})
                             + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        log.error("sink %s refused %d record(s) for good; kept in %s", self.sink.name,
                  len(rejected), self.dead_letters)

    # --- running in the background -------------------------------------------------------

    def start(self, stop: threading.Event) -> None:
        self._thread = threading.Thread(target=self._run, args=(stop,), daemon=True,
                                        name=f"sink-{self.sink.name}")
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step(wait=1.0)
            if self._stop_wait:
                stop.wait(self._stop_wait)
                self._stop_wait = 0.0

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def drain(self, stop: threading.Event, deadline: float) -> bool:
        """Deliver until nothing is pending or `deadline` (monotonic) passes; True if done."""
        while self.spool.pending(self.sink.name) and time.monotonic() < deadline \
                and not stop.is_set():
            if not self.step():
                stop.wait(min(self._stop_wait or 0.2, max(0.0, deadline - time.monotonic())))
                self._stop_wait = 0.0
        return not self.spool.pending(self.sink.name)

