"""Metric sample encoders: Prometheus text, InfluxDB line protocol, Graphite plaintext,
Nagios perfdata. Each escapes per position, and uses its format's clock."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from enum import StrEnum

from vedette.events import Metric


class MetricsFormat(StrEnum):
    PROMETHEUS_TEXT = "prometheus_text"
    INFLUXDB_LINE = "influxdb_line"
    GRAPHITE_PLAINTEXT = "graphite_plaintext"
    NAGIOS_PERFDATA = "nagios_perfdata"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


# --- Prometheus text exposition 0.0.4 ----------------------------------------------------------

def _prometheus_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus_sample(metric: Metric, timestamp: bool = False) -> str:
    labels = ",".join(f'{key}="{_prometheus_label(value)}"'
                      for key, value in sorted(metric.labels.items()) if value)
    text = metric.name + (f"{{{labels}}}" if labels else "") + " " + _number(metric.value)
    if timestamp:
        text += f" {int(metric.time.timestamp() * 1000)}"
    return text


# --- InfluxDB line protocol ----------------------------------------------------------------------

_INFLUX_MEASUREMENT = str.maketrans({",": "\\,", " ": "\\ ", "\n": " "})
_INFLUX_KEY = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ ", "\n": " "})


def influx_line(metric: Metric, field: str = "value") -> str:
    """`name,tag=v value=1.5 <ns>`: tags sorted, empty tag values omitted (not allowed)."""
    tags = "".join(f",{key.translate(_INFLUX_KEY)}={value.translate(_INFLUX_KEY)}"
                   for key, value in sorted(metric.labels.items())
                   if value and not key.startswith("_"))
    nanoseconds = int(metric.time.timestamp()) * 10**9 + metric.time.microsecond * 1000
    return (f"{metric.name.translate(_INFLUX_MEASUREMENT)}{tags} "
            f"{field.translate(_INFLUX_KEY)}={_number(metric.value)} {nanoseconds}")


# --- Graphite plaintext (with 1.1 tags) ----------------------------------------------------------

_GRAPHITE_PATH = re.compile(r"[^A-Za-z0-9_:.-]")
_GRAPHITE_TAG_NAME = re.compile(r"[;!^=\s~]")
_GRAPHITE_TAG_VALUE = re.compile(r"[;~\s]")


def graphite_line(metric: Metric, prefix: str = "", tags: bool = True) -> str:
    """`prefix.name;tag=value 1.5 <seconds>` (Graphite 1.1 tags), or without tags
    `prefix.name.value1.value2 ...` (label values, sorted by label name, as path nodes).
    Characters the protocol forbids become `_`."""
    labels = sorted((key, value) for key, value in metric.labels.items() if key and value)
    nodes = [prefix, metric.name] if prefix else [metric.name]
    if not tags:
        nodes += [value.replace(".", "_") for _, value in labels]
    path = _GRAPHITE_PATH.sub("_", ".".join(nodes))
    suffix = "".join(f";{_GRAPHITE_TAG_NAME.sub('_', key)}={_GRAPHITE_TAG_VALUE.sub('_', value)}"
                     for key, value in labels) if tags else ""
    return f"{path}{suffix} {_number(metric.value)} {int(metric.time.timestamp())}"


# --- Nagios performance data ---------------------------------------------------------------------

def nagios_label(metric: Metric) -> str:
    label = metric.name + "".join(f"_{value}" for _, value in sorted(metric.labels.items()))
    # Sensu splits on '|' and spaces and Nagios on quotes and '=': keep the label plain.
    return re.sub(r"[|'=\s;]", "_", label)


def nagios_perfdata(metrics: Iterable[Metric]) -> str:
    return " ".join(f"{nagios_label(m)}={_number(m.value)}" for m in metrics)


def render(metrics: list[Metric], fmt: MetricsFormat) -> list[str]:
    """Lines of `metrics` in `fmt` (perfdata is one line)."""
    if fmt is MetricsFormat.NAGIOS_PERFDATA:
        return [nagios_perfdata(metrics)] if metrics else []
    if fmt is MetricsFormat.INFLUXDB_LINE:
        return [influx_line(m) for m in metrics]
    if fmt is MetricsFormat.GRAPHITE_PLAINTEXT:
        return [graphite_line(m) for m in metrics]
    return [prometheus_sample(m, timestamp=True) for m in metrics]
