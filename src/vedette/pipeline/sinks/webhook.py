"""Webhooks: a generic JSON POST of each batch, and Slack-compatible incoming webhooks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vedette import __version__
from vedette.events import Event, Severity
from vedette.pipeline.filters import is_resolution
from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import Rejected, Sink, SinkSettings, read_secret
from vedette.pipeline.sinks.encode import Shape, document


class WebhookSettings(SinkSettings):
    type: Literal["webhook"]
    url: str
    format: Shape = Shape.NATIVE
    metrics: bool = False  # also send metric samples
    token_file: Path | None = None  # sent as `Authorization: Bearer <token>`
    token_env: str | None = None
    timeout: float = 10.0
    batch_size: int = 100

    def build(self) -> Sink:
        token = read_secret(f"sink {self.sink_name}", self.token_file, self.token_env)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return WebhookSink(self.sink_name, self.url, self.format, self.metrics, headers,
                           self.timeout, self.batch_size)


class WebhookSink(Sink):
    """POSTs `{"source": "vedette", "version": ..., "items": [documents]}`; each document
    carries its delivery id (`id`, `event.id` in ECS, `metadata.uid` in OCSF)."""

    def __init__(self, name: str, url: str, shape: Shape, metrics: bool,
                 headers: dict[str, str], timeout: float, batch_size: int) -> None:
        self.name, self.url, self.shape, self.metrics = name, url, shape, metrics
        self.batch_size, self._headers = batch_size, headers
        self._http = http.client(timeout)

    def send(self, items: list[Item]) -> list[Rejected]:
        chosen = [item for item in items if item.event is not None or self.metrics]
        if chosen:
            http.request(self._http, "POST", self.url, f"webhook {self.url}",
                         headers=self._headers,
                         json={"source": "vedette", "version": __version__,
                               "items": [document(item, self.shape) for item in chosen]})
        return []

    def close(self) -> None:
        self._http.close()


class SlackSettings(SinkSettings):
    type: Literal["slack"]
    url_file: Path | None = None  # the incoming-webhook URL is a secret
    url_env: str | None = None
    min_severity: Severity = Severity.MEDIUM
    timeout: float = 10.0
    batch_size: int = 20

    def build(self) -> Sink:
        url = read_secret(f"sink {self.sink_name}", self.url_file, self.url_env)
        if not url:
            from vedette.pipeline.sinks.base import SinkConfigError

            raise SinkConfigError(f"sink {self.sink_name}: Slack needs its webhook URL "
                                  "(url_file or url_env)")
        return SlackSink(self.sink_name, url, self.min_severity, self.timeout, self.batch_size)


_MARKS = {Severity.CRITICAL: ":red_circle:", Severity.HIGH: ":large_orange_circle:",
          Severity.MEDIUM: ":large_yellow_circle:", Severity.LOW: ":large_blue_circle:",
          Severity.INFO: ":white_circle:"}


def slack_text(event: Event) -> str:
    if is_resolution(event):
        return f":white_check_mark: *resolved* on `{event.host.name}`: {event.summary}"
    return (f"{_MARKS[event.severity]} *{event.severity.value.upper()}* {event.source} on "
            f"`{event.host.name}`: {event.summary}")


class SlackSink(Sink):
    """One message per finding (and per resolution) at or above `min_severity`; the text
    is the event's summary, which never holds raw personal data."""

    def __init__(self, name: str, url: str, min_severity: Severity, timeout: float,
                 batch_size: int) -> None:
        self.name, self._url, self.batch_size = name, url, batch_size
        self.min_severity = min_severity
        self._http = http.client(timeout)

    def send(self, items: list[Item]) -> list[Rejected]:
        rejected = []
        for item in items:
            event = item.event
            if event is None or not (is_resolution(event) or (
                    event.kind == "finding" and event.severity.rank >= self.min_severity.rank)):
                continue
            try:
                http.request(self._http, "POST", self._url, "Slack webhook",
                             json={"text": slack_text(event)})
            except http.PermanentError as exc:
                rejected.append(Rejected(item, str(exc)))
        return rejected

    def close(self) -> None:
        self._http.close()
