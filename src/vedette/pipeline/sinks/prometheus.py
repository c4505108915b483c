"""Prometheus `/metrics` endpoint: the latest value of each series, for Prometheus to scrape.

A network listener must authenticate: it binds to 127.0.0.1 by default, and any other
address requires a bearer token (Prometheus: `authorization: {credentials_file: ...}`).
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, Sink, SinkConfigError, SinkSettings, read_secret
from vedette.pipeline.sinks.samples import LatestSamples, LiveMetrics, content_type


class PrometheusSettings(SinkSettings):
    type: Literal["prometheus"]
    listen: str = "127.0.0.1:9464"
    token_file: Path | None = None
    token_env: str | None = None

    def build(self) -> Sink:
        host, _, port = self.listen.rpartition(":")
        host = host.strip("[]") or "0.0.0.0"
        if not port.isdigit():
            raise SinkConfigError(f"sink {self.sink_name}: listen {self.listen!r} is not "
                                  "HOST:PORT")
        token = read_secret(f"sink {self.sink_name}", self.token_file, self.token_env)
        if token is None and not _is_loopback(host):
            raise SinkConfigError(f"sink {self.sink_name}: listening on {host} needs a bearer "
                                  "token (token_file or token_env), or listen on 127.0.0.1")
        return PrometheusSink(self.sink_name, host, int(port), token)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PrometheusSink(Sink):
    def __init__(self, name: str, host: str, port: int, token: str | None) -> None:
        from prometheus_client import generate_latest

        self.name = name
        self.samples = LatestSamples()
        registry = self.samples.registry()
        expected = f"Bearer {token}".encode() if token else None

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if expected is not None and not hmac.compare_digest(
                        self.headers.get("Authorization", "").encode(), expected):
                    self._reply(401, b"unauthorized\n", "text/plain",
                                {"WWW-Authenticate": "Bearer"})
                elif self.path.split("?")[0] != "/metrics":
                    self._reply(404, b"not found: try /metrics\n", "text/plain")
                else:
                    self._reply(200, generate_latest(registry), content_type())

            def _reply(self, status: int, body: bytes, kind: str,
                       headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # scrapes every few seconds would flood the agent's log

        try:
            self._server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise SinkConfigError(f"sink {name}: cannot listen on {host}:{port}: "
                                  f"{exc.strerror or exc}") from exc
        self._server.daemon_threads = True
        self.address = self._server.server_address
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name=f"sink-{name}-http").start()

    def set_live(self, live: LiveMetrics) -> None:
        self.samples.live = live

    def send(self, items: list[Item]) -> list[Rejected]:
        self.samples.update([item.metric for item in items if item.metric is not None])
        return []

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
