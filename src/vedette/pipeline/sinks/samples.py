"""The latest value of every series, as prometheus-client exposes them (no timestamps)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from vedette.events import Metric, MetricType

LiveMetrics = Callable[[], list[Metric]]


class LatestSamples:
    """A prometheus-client collector over the newest sample of each series received, plus
    `live` samples computed at scrape time (the agent's own pipeline counters)."""

    def __init__(self, live: LiveMetrics | None = None) -> None:
        self.live = live
        self._series: dict[tuple[str, tuple[tuple[str, str], ...]], Metric] = {}
        self._lock = threading.Lock()

    def update(self, metrics: list[Metric]) -> None:
        with self._lock:
            for metric in metrics:
                key = (metric.name, tuple(sorted(metric.labels.items())))
                known = self._series.get(key)
                if known is None or known.time <= metric.time:
                    self._series[key] = metric

    def collect(self) -> Iterator[object]:
        from prometheus_client.metrics_core import Metric as Family

        with self._lock:
            samples = list(self._series.values())
        if self.live is not None:
            samples += self.live()
        families: dict[str, Family] = {}
        for metric in sorted(samples, key=lambda m: m.name):
            family = families.get(metric.name)
            if family is None:
                counter = metric.type is MetricType.COUNTER
                family = families[metric.name] = Family(
                    metric.name.removesuffix("_total") if counter else metric.name,
                    f"Vedette {metric.name}", "counter" if counter else "gauge")
            family.add_sample(metric.name, dict(metric.labels), metric.value)
        yield from families.values()

    def registry(self) -> object:
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)  # type: ignore[arg-type]
        return registry


def content_type() -> str:
    """Text format 0.0.4, what Prometheus 2 and the Pushgateway read (newer prometheus-client
    releases announce 1.0.0 by default)."""
    from prometheus_client import exposition as formats

    return getattr(formats, "CONTENT_TYPE_PLAIN_0_0_4", formats.CONTENT_TYPE_LATEST)
