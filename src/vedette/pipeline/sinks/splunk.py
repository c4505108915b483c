"""Splunk HTTP Event Collector: event envelopes concatenated in one POST per batch.

Index-time `fields` carry only bounded, non-personal values (check, kind, severity). If
Splunk refuses one event of a batch (`invalid-event-number`), the events before it were
indexed: that one goes to the dead-letter file and the rest are sent again.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Literal

from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import (
    Rejected,
    Sink,
    SinkConfigError,
    SinkSettings,
    read_secret,
)
from vedette.pipeline.sinks.encode import Shape, document


class SplunkSettings(SinkSettings):
    type: Literal["splunk"]
    url: str = "https://127.0.0.1:8088"
    token_file: Path | None = None
    token_env: str | None = None
    index: str | None = None
    sourcetype: str = "vedette:event"
    verify_tls: bool = True
    timeout: float = 30.0

    def build(self) -> Sink:
        token = read_secret(f"sink {self.sink_name}", self.token_file, self.token_env)
        if not token:
            raise SinkConfigError(f"sink {self.sink_name}: Splunk HEC needs a token "
                                  "(token_file or token_env)")
        return SplunkSink(self.sink_name, self.url.rstrip("/") + "/services/collector/event",
                          token, self.index, self.sourcetype, self.verify_tls, self.timeout,
                          self.batch_size)


class SplunkSink(Sink):
    def __init__(self, name: str, url: str, token: str, index: str | None, sourcetype: str,
                 verify: bool, timeout: float, batch_size: int) -> None:
        self.name, self.url, self.batch_size = name, url, batch_size
        self.index, self.sourcetype = index, sourcetype
        self._headers = {"Authorization": f"Splunk {token}",
                         "X-Splunk-Request-Channel": str(uuid.uuid4())}
        self._http = http.client(timeout, verify)

    def envelope(self, item: Item) -> dict[str, Any]:
        event = item.event
        assert event is not None
        body: dict[str, Any] = {"time": round(event.time.timestamp(), 3),
                                "host": event.host.name, "source": f"vedette:{event.source}",
                                "sourcetype": self.sourcetype,
                                "fields": {"check": event.source, "kind": event.kind,
                                           "severity": event.severity.value},
                                "event": document(item, Shape.NATIVE)}
        if self.index:
            body["index"] = self.index
        return body

    def send(self, items: list[Item]) -> list[Rejected]:
        pending = [item for item in items if item.event is not None]
        rejected: list[Rejected] = []
        while pending:
            body = "".join(json.dumps(self.envelope(item), separators=(",", ":"))
                           for item in pending)
            try:
                http.request(self._http, "POST", self.url, f"Splunk HEC {self.url}",
                             content=body.encode(), headers=self._headers)
                return rejected
            except http.PermanentError as exc:
                bad = _invalid_event_number(exc)
                if bad is None or bad >= len(pending):
                    raise
                rejected.append(Rejected(pending[bad], str(exc)))
                pending = pending[bad + 1:]
        return rejected

    def close(self) -> None:
        self._http.close()


def _invalid_event_number(error: http.PermanentError) -> int | None:
    text = str(error)
    start = text.find("{")
    try:
        answer = json.loads(text[start:]) if start >= 0 else {}
    except ValueError:
        return None
    number = answer.get("invalid-event-number")
    return number if isinstance(number, int) else None

