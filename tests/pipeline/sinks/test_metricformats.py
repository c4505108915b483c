"""Golden lines for the metric encoders, escaping edge cases included."""

from __future__ import annotations

from datetime import UTC, datetime

from vedette.events import Metric
from vedette.pipeline.sinks.metricformats import (
    MetricsFormat,
    graphite_line,
    influx_line,
    nagios_perfdata,
    prometheus_sample,
    render,
)

T = datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)  # 1714564800.25


def m(value: float = 3, **labels: str) -> Metric:
    return Metric(name="vedette_fim_changes", value=value, labels=labels, time=T)


def test_prometheus_escapes_label_values_and_omits_empty_ones() -> None:
    sample = m(2, path='a "b"\\c\nd', empty="", host="h1")
    assert prometheus_sample(sample) == \
        'vedette_fim_changes{host="h1",path="a \\"b\\"\\\\c\\nd"} 2'
    assert prometheus_sample(m(0.5), timestamp=True) == "vedette_fim_changes 0.5 1714564800250"
    assert prometheus_sample(m(float("nan"))).endswith(" NaN")


def test_influx_escapes_per_position_sorts_tags_and_uses_nanoseconds() -> None:
    sample = m(1.5, zone="eu west", host="h,1", **{"k=v": "x=y"}, empty="")
    assert influx_line(sample) == (
        "vedette_fim_changes,host=h\\,1,k\\=v=x\\=y,zone=eu\\ west value=1.5 "
        "1714564800250000000")
    assert influx_line(m(2)) == "vedette_fim_changes value=2 1714564800250000000"


def test_graphite_sanitises_paths_and_tags_and_uses_seconds() -> None:
    assert graphite_line(m(4, host="h 1", region="eu;west"), prefix="prod") == \
        "prod.vedette_fim_changes;host=h_1;region=eu_west 4 1714564800"
    assert graphite_line(m(4, host="h1.example", severity="high"), tags=False) == \
        "vedette_fim_changes.h1_example.high 4 1714564800"


def test_nagios_perfdata_has_no_pipe_quote_or_space_in_labels() -> None:
    line = nagios_perfdata([m(2, severity="high"), m(0, path="a b|c='d'")])
    assert line == "vedette_fim_changes_high=2 vedette_fim_changes_a_b_c__d_=0"
    assert "|" not in line


def test_render_one_line_per_sample_except_perfdata() -> None:
    samples = [m(1, severity="high"), m(2, severity="low")]
    assert len(render(samples, MetricsFormat.INFLUXDB_LINE)) == 2
    assert len(render(samples, MetricsFormat.NAGIOS_PERFDATA)) == 1
    assert render([], MetricsFormat.NAGIOS_PERFDATA) == []
