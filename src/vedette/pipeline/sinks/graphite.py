"""Graphite (carbon) plaintext over TCP: metric samples as `path;tags value seconds`."""

from __future__ import annotations

import socket
from typing import Literal

from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, RetryableError, Sink, SinkSettings
from vedette.pipeline.sinks.metricformats import graphite_line


class GraphiteSettings(SinkSettings):
    type: Literal["graphite"]
    host: str = "127.0.0.1"
    port: int = 2003
    prefix: str = ""
    tags: bool = True  # Graphite 1.1 tags; false: label values become path nodes
    timeout: float = 10.0

    def build(self) -> Sink:
        return GraphiteSink(self.sink_name, self.host, self.port, self.prefix, self.tags,
                            self.timeout, self.batch_size)


class GraphiteSink(Sink):
    def __init__(self, name: str, host: str, port: int, prefix: str, tags: bool,
                 timeout: float, batch_size: int) -> None:
        self.name, self.batch_size = name, batch_size
        self.address, self.prefix, self.tags, self.timeout = (host, port), prefix, tags, timeout

    def send(self, items: list[Item]) -> list[Rejected]:
        lines = [graphite_line(item.metric, self.prefix, self.tags) for item in items
                 if item.metric is not None]
        if not lines:
            return []
        payload = ("\n".join(lines) + "\n").encode()
        try:
            # A connection per batch: carbon closes idle ones, and a batch is the unit of
            # retry (a point written twice at the same second is the same point).
            with socket.create_connection(self.address, timeout=self.timeout) as connection:
                connection.sendall(payload)
                connection.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise RetryableError(f"Graphite {self.address[0]}:{self.address[1]}: "
                                 f"{exc.strerror or exc}") from exc
        return []
