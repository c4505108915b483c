"""Helpers for pipeline tests: records, items, and a local HTTP receiver that scripts its
answers (202, 429, 5xx, partial failures) and keeps every request it got."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.pipeline.servers import (  # noqa: F401  (session fixtures of real servers)
    graphite_server,
    influxdb_server,
    prometheus_server,
    pushgateway_server,
    rsyslog_server,
)
from vedette.events import Event, Host, Metric, Severity
from vedette.pipeline.items import Item, new_item

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def finding(n: int, severity: Severity = Severity.HIGH, source: str = "fim",
            key: str | None = None) -> Event:
    return Event(time=T0 + timedelta(seconds=n), host=Host(name="h1"), source=source,
                 kind="finding", category="file_system_activity", severity=severity,
                 summary=f"changed content: '/etc/f{n}'",
                 dedup_key=key or f"h1:{source}:/etc/f{n}",
                 context={"change": "modified", "attributes": {"content": {}}},
                 observables={"file.path": f"/etc/f{n}"})


def status(source: str = "fim", severity: Severity = Severity.INFO) -> Event:
    return Event(time=T0, host=Host(name="h1"), source=source, kind="status",
                 category="file_system_activity", severity=severity,
                 summary="checked 10 paths", dedup_key=f"h1:{source}:status")


def sample(name: str = "vedette_fim_changes", value: float = 2, **labels: str) -> Metric:
    return Metric(name=name, value=value, labels=labels or {"severity": "high"}, time=T0)


def items(*records: Event | Metric) -> list[Item]:
    return [new_item(record) for record in records]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Reply = tuple[int, dict[str, str], bytes]
Responder = Callable[[Request], Reply]


@dataclass
class Receiver:
    """An HTTP server on a free local port; `responder` decides each answer."""

    responder: Responder
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, dict(self.headers),
                                  self.rfile.read(length))
                receiver.requests.append(request)
                code, headers, body = receiver.responder(request)
                self.send_response(code)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = do_GET = _handle

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def ok(code: int = 200, body: Any = None) -> Reply:
    return code, {"Content-Type": "application/json"}, json.dumps(body or {}).encode()


@pytest.fixture
def receiver() -> Iterator[Callable[[Responder], Receiver]]:
    started: list[Receiver] = []

    def start(responder: Responder) -> Receiver:
        started.append(Receiver(responder))
        return started[-1]

    yield start
    for server in started:
        server.close()
