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
            host = record.host
            # The usual case: the check ran with the same settings. Compared field by field:
            # cheaper than the model's equality, once per record.
            if host is self.host or (host.name == self.host.name
                                     and host.labels == self.host.labels):
                return record
            labels = {**self.host.labels, **host.labels}
            return record.model_copy(update={"host": Host(name=self.host.name, labels=labels)})
        if isinstance(record, Metric):
            return record.model_copy(update={"labels": {**self._metric_labels, **record.labels}})
        return record
