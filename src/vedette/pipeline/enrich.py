"""Enrich: stamp every record with where it comes from (host name, labels such as region)."""

from __future__ import annotations

from vedette.events import Event, Host, Metric
from vedette.pipeline.items import Record


class Enricher:
    """Events get the agent's host name and labels (a check's own labels win); metric
    samples get `host` and the same labels, unless the check set them."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._metric_labels = {"host": host.name, **host.labels}

    def __call__(self, record: Record) -> Record:
        if isinstance(record, Event):
            if record.host == self.host:  # the usual case: the check ran with the same settings
                return record
            labels = {**self.host.labels, **record.host.labels}
            return record.model_copy(update={"host": Host(name=self.host.name, labels=labels)})
        if isinstance(record, Metric):
            return record.model_copy(update={"labels": {**self._metric_labels, **record.labels}})
        return record
