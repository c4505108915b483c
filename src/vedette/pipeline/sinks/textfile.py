"""node_exporter textfile collector: the latest samples in `<dir>/<name>.prom`.

Written to a temporary file in the same directory, then renamed over the old one, so
node_exporter never reads half a file; no sample carries a timestamp (one would make
node_exporter skip the whole file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, RetryableError, Sink, SinkSettings
from vedette.pipeline.sinks.samples import LatestSamples


class TextfileSettings(SinkSettings):
    type: Literal["textfile"]
    directory: Path = Path("/var/lib/prometheus/node-exporter")
    filename: str = Field(default="vedette.prom", pattern=r"^[^/]+\.prom$")

    def build(self) -> Sink:
        return TextfileSink(self.sink_name, self.directory / self.filename)


class TextfileSink(Sink):
    def __init__(self, name: str, path: Path) -> None:
        self.name, self.path = name, path
        self.samples = LatestSamples()
        self._registry = self.samples.registry()

    def send(self, items: list[Item]) -> list[Rejected]:
        metrics = [item.metric for item in items if item.metric is not None]
        if not metrics:
            return []
        from prometheus_client import write_to_textfile

        self.samples.update(metrics)
        try:
            write_to_textfile(str(self.path), self._registry)  # type: ignore[arg-type]
        except OSError as exc:
            raise RetryableError(f"textfile {self.path}: {exc.strerror or exc}") from exc
        return []
