"""Pushgateway: the latest samples, PUT as one group `job/<job>/instance/<host>`.

Prometheus advises the Pushgateway for service-level batch jobs only; host results belong
in the textfile collector. The group is replaced on each push, and no sample carries a
timestamp (the Pushgateway refuses them).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field

from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import Rejected, Sink, SinkSettings, read_secret
from vedette.pipeline.sinks.samples import LatestSamples, content_type


class PushgatewaySettings(SinkSettings):
    type: Literal["pushgateway"]
    url: str = "http://127.0.0.1:9091"
    job: str = "vedette"
    grouping: dict[str, str] = Field(default_factory=dict)
    token_file: Path | None = None  # bearer token, if the gateway sits behind a proxy
    token_env: str | None = None
    timeout: float = 10.0

    def build(self) -> Sink:
        token = read_secret(f"sink {self.sink_name}", self.token_file, self.token_env)
        path = "/metrics" + "".join(_segment(key, value) for key, value in
                                    [("job", self.job), *sorted(self.grouping.items())])
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return PushgatewaySink(self.sink_name, self.url.rstrip("/") + path, headers,
                               self.timeout)


def _segment(label: str, value: str) -> str:
    """`/label/value`, or `/label@base64/...` when the value holds '/' or is empty."""
    if value and "/" not in value:
        return f"/{quote(label, safe='')}/{quote(value, safe='')}"
    encoded = base64.urlsafe_b64encode(value.encode()).decode() or "="
    return f"/{quote(label, safe='')}@base64/{encoded}"


class PushgatewaySink(Sink):
    def __init__(self, name: str, url: str, headers: dict[str, str], timeout: float) -> None:
        self.name, self.url, self._headers = name, url, headers
        self.samples = LatestSamples()
        self._registry = self.samples.registry()
        self._http = http.client(timeout)

    def send(self, items: list[Item]) -> list[Rejected]:
        metrics = [item.metric for item in items if item.metric is not None]
        if not metrics:
            return []
        from prometheus_client import generate_latest

        self.samples.update(metrics)
        http.request(self._http, "PUT", self.url, f"Pushgateway {self.url}",
                     content=generate_latest(self._registry),  # type: ignore[arg-type]
                     headers={**self._headers, "Content-Type": content_type()})
        return []

    def close(self) -> None:
        self._http.close()
