"""Standard output and JSONL files: one JSON document per line, native, OCSF or ECS."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, Sink, SinkSettings
from vedette.pipeline.sinks.encode import Shape, line


class StdoutSettings(SinkSettings):
    type: Literal["stdout"]
    format: Shape = Shape.NATIVE

    def build(self) -> Sink:
        return LinesSink(self.sink_name, self.format, None, self.batch_size)


class JsonlSettings(SinkSettings):
    type: Literal["jsonl"]
    path: Path
    format: Shape = Shape.NATIVE

    def build(self) -> Sink:
        return LinesSink(self.sink_name, self.format, self.path, self.batch_size)


class LinesSink(Sink):
    def __init__(self, name: str, shape: Shape, path: Path | None, batch_size: int) -> None:
        self.name, self.shape, self.path, self.batch_size = name, shape, path, batch_size

    def send(self, items: list[Item]) -> list[Rejected]:
        text = "".join(line(item, self.shape) + "\n" for item in items)
        if self.path is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return []
