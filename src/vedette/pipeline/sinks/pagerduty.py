"""PagerDuty Events API v2: a new finding triggers an alert, its clearing resolves it.

The finding's `dedup_key` is PagerDuty's dedup key, so repeated detections fold into one
alert. One event per request, at most `rate` per second per routing key (PagerDuty allows
about 120 a minute); 429 and 5xx are retried with back-off, other 4xx refusals are final.
Summary (1024 characters), dedup key (255) and request size (512 KB) stay within limits.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from vedette import __version__
from vedette.events import Event, Severity
from vedette.pipeline.filters import is_resolution
from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import (
    Rejected,
    Sink,
    SinkConfigError,
    SinkSettings,
    read_secret,
)

MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255
MAX_REQUEST = 512 * 1024
SEVERITIES = {Severity.CRITICAL: "critical", Severity.HIGH: "error",
              Severity.MEDIUM: "warning", Severity.LOW: "info", Severity.INFO: "info"}


class PagerDutySettings(SinkSettings):
    type: Literal["pagerduty"]
    url: str = "https://events.pagerduty.com/v2/enqueue"
    routing_key_file: Path | None = None
    routing_key_env: str | None = None
    rate: float = Field(default=2.0, gt=0, description="requests per second at most")
    timeout: float = 10.0
    batch_size: int = 20

    def build(self) -> Sink:
        key = read_secret(f"sink {self.sink_name}", self.routing_key_file, self.routing_key_env)
        if not key:
            raise SinkConfigError(f"sink {self.sink_name}: PagerDuty needs a routing key "
                                  "(routing_key_file or routing_key_env)")
        return PagerDutySink(self.sink_name, self.url, key, self.rate, self.timeout,
                             self.batch_size)


def dedup_key(event: Event) -> str:
    if len(event.dedup_key) <= MAX_DEDUP_KEY:
        return event.dedup_key
    digest = hashlib.sha256(event.dedup_key.encode()).hexdigest()
    return event.dedup_key[:MAX_DEDUP_KEY - 65] + "#" + digest


def trigger_body(event: Event, routing_key: str) -> dict[str, Any]:
    summary = event.summary if len(event.summary) <= MAX_SUMMARY \
        else event.summary[:MAX_SUMMARY - 1] + "…"
    payload: dict[str, Any] = {
        "summary": summary, "source": event.host.name, "severity": SEVERITIES[event.severity],
        "timestamp": event.time.isoformat(), "class": event.category,
        "component": event.source,
        "custom_details": {"context": event.context, "observables": event.observables,
                           "controls": event.controls, "labels": event.host.labels},
    }
    if "env" in event.host.labels:
        payload["group"] = event.host.labels["env"]
    body = {"routing_key": routing_key, "event_action": "trigger", "dedup_key": dedup_key(event),
            "payload": payload, "client": f"Vedette {__version__}"}
    if _size(body) > MAX_REQUEST:
        payload["custom_details"] = {"truncated": "details exceeded PagerDuty's 512 KB limit",
                                     "observables": event.observables}
    if _size(body) > MAX_REQUEST:  # the observables alone were too large
        payload["custom_details"] = {"truncated": "details exceeded PagerDuty's 512 KB limit"}
    return body


def _size(body: dict[str, Any]) -> int:
    return len(json.dumps(body).encode())


def resolve_body(event: Event, routing_key: str) -> dict[str, Any]:
    return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key(event)}


class PagerDutySink(Sink):
    def __init__(self, name: str, url: str, routing_key: str, rate: float, timeout: float,
                 batch_size: int) -> None:
        self.name, self.url, self.batch_size = name, url, batch_size
        self._key, self._interval = routing_key, 1.0 / rate
        self._http = http.client(timeout)
        self._last = 0.0

    def send(self, items: list[Item]) -> list[Rejected]:
        rejected = []
        for item in items:
            event = item.event
            if event is None:
                continue
            if is_resolution(event):
                body = resolve_body(event, self._key)
            elif event.kind == "finding":
                body = trigger_body(event, self._key)
            else:
                continue
            self._pace()
            try:
                # PagerDuty's contract: only 429 and 5xx are worth another attempt.
                http.request(self._http, "POST", self.url, f"PagerDuty {self.url}",
                             every_4xx_final=True, json=body)
            except http.PermanentError as exc:
                rejected.append(Rejected(item, str(exc)))
        return rejected

    def _pace(self) -> None:
        wait = self._last + self._interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()

    def close(self) -> None:
        self._http.close()
