"""Sensu Go: each check's status (and the metric samples) posted to the local Sensu
agent's events API, which queues them on disk and forwards them to the backend.

The Sensu check is named `vedette-<source>`; its status follows the Nagios contract from
the run's highest severity (info 0, low/medium 1, high/critical 2) and its output is the
status summary. Findings themselves are not Sensu checks: one per path would flood the
entity; alerting on them is PagerDuty's or a webhook's job.
"""

from __future__ import annotations

import re
import time
from typing import Any, Literal

from pydantic import Field

from vedette.events import Event, Severity
from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import Rejected, Sink, SinkSettings

NAGIOS_STATUS = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 1, Severity.HIGH: 2,
                 Severity.CRITICAL: 2}


class SensuSettings(SinkSettings):
    type: Literal["sensu"]
    url: str = "http://127.0.0.1:3031"
    handlers: list[str] = Field(default_factory=list)
    metric_handlers: list[str] = Field(default_factory=list)
    ttl: int | None = Field(default=None, gt=0, description="dead-man's switch, seconds")
    rate: float = Field(default=10.0, gt=0, description="events per second at most")
    timeout: float = 10.0

    def build(self) -> Sink:
        return SensuSink(self, self.url.rstrip("/") + "/events")


def check_name(source: str) -> str:
    return "vedette-" + re.sub(r"[^\w.-]", "_", source)


class SensuSink(Sink):
    def __init__(self, settings: SensuSettings, url: str) -> None:
        self.name, self.url, self.batch_size = settings.sink_name, url, settings.batch_size
        self.settings = settings
        self._http = http.client(settings.timeout)
        self._interval, self._last = 1.0 / settings.rate, 0.0

    def status_body(self, event: Event) -> dict[str, Any]:
        check: dict[str, Any] = {"metadata": {"name": check_name(event.source)},
                                 "status": NAGIOS_STATUS[event.severity],
                                 "output": event.summary,
                                 "executed": int(event.time.timestamp())}
        if self.settings.handlers:
            check["handlers"] = self.settings.handlers
        if self.settings.ttl:
            check["ttl"] = self.settings.ttl
        return {"check": check}

    def metrics_body(self, items: list[Item]) -> dict[str, Any]:
        points = [{"name": m.name, "value": m.value, "timestamp": int(m.time.timestamp()),
                   "tags": [{"name": k, "value": v} for k, v in sorted(m.labels.items())]}
                  for m in (item.metric for item in items) if m is not None]
        metrics: dict[str, Any] = {"points": points}
        if self.settings.metric_handlers:
            metrics["handlers"] = self.settings.metric_handlers
        return {"check": {"metadata": {"name": "vedette-metrics"}, "status": 0,
                          "output": f"{len(points)} Vedette metric samples"},
                "metrics": metrics}

    def send(self, items: list[Item]) -> list[Rejected]:
        bodies = [self.status_body(item.event) for item in items
                  if item.event is not None and item.event.kind == "status"]
        if any(item.metric is not None for item in items):
            bodies.append(self.metrics_body(items))
        for body in bodies:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()
            http.request(self._http, "POST", self.url, f"Sensu agent {self.url}", json=body)
        return []

    def close(self) -> None:
        self._http.close()
