"""InfluxDB: metric samples as line protocol, to 1.x `/write` or the 2.x `/api/v2/write`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vedette.pipeline.items import Item
from vedette.pipeline.sinks import http
from vedette.pipeline.sinks.base import Rejected, Sink, SinkConfigError, SinkSettings, read_secret
from vedette.pipeline.sinks.metricformats import influx_line


class InfluxSettings(SinkSettings):
    type: Literal["influxdb"]
    url: str = "http://127.0.0.1:8086"
    api: Literal["v1", "v2"] = "v2"
    database: str | None = None  # v1
    org: str | None = None  # v2
    bucket: str | None = None  # v2
    token_file: Path | None = None  # v2 token, or v1 "user:password"
    token_env: str | None = None
    timeout: float = 10.0
    batch_size: int = 5000

    def build(self) -> Sink:
        token = read_secret(f"sink {self.sink_name}", self.token_file, self.token_env)
        if self.api == "v1":
            if not self.database:
                raise SinkConfigError(f"sink {self.sink_name}: InfluxDB 1.x needs `database`")
            params = {"db": self.database, "precision": "ns"}
            path, headers = "/write", {}
            if token:
                user, _, password = token.partition(":")
                params.update(u=user, p=password)
        else:
            if not (self.org and self.bucket):
                raise SinkConfigError(f"sink {self.sink_name}: InfluxDB 2.x needs `org` and "
                                      "`bucket`")
            params = {"org": self.org, "bucket": self.bucket, "precision": "ns"}
            path = "/api/v2/write"
            headers = {"Authorization": f"Token {token}"} if token else {}
        return InfluxSink(self.sink_name, self.url.rstrip("/") + path, params, headers,
                          self.timeout, self.batch_size)


class InfluxSink(Sink):
    def __init__(self, name: str, url: str, params: dict[str, str], headers: dict[str, str],
                 timeout: float, batch_size: int) -> None:
        self.name, self.url, self.batch_size = name, url, batch_size
        self._params, self._headers = params, headers
        self._http = http.client(timeout)

    def send(self, items: list[Item]) -> list[Rejected]:
        lines = [influx_line(item.metric) for item in items if item.metric is not None]
        if not lines:
            return []
        # Same series and timestamp overwrite the same point: a redelivery is harmless.
        http.request(self._http, "POST", self.url, f"InfluxDB {self.url}", params=self._params,
                     headers={**self._headers, "Content-Type": "text/plain; charset=utf-8"},
                     content="\n".join(lines).encode())
        return []

    def close(self) -> None:
        self._http.close()
