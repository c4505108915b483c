"""Prometheus, node_exporter textfile, Pushgateway, InfluxDB and Graphite, against the real
servers wherever they run here."""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.pipeline.conftest import Request, finding, items, ok
from tests.pipeline.servers import Server, wait_until
from vedette.events import Metric, MetricType
from vedette.pipeline.sinks.base import RetryableError, SinkConfigError
from vedette.pipeline.sinks.graphite import GraphiteSettings
from vedette.pipeline.sinks.influxdb import InfluxSettings
from vedette.pipeline.sinks.prometheus import PrometheusSettings
from vedette.pipeline.sinks.pushgateway import PushgatewaySettings
from vedette.pipeline.sinks.textfile import TextfileSettings


def now_sample(name: str, value: float, **labels: str) -> Metric:
    kind = MetricType.COUNTER if name.endswith("_total") else MetricType.GAUGE
    return Metric(name=name, value=value, labels=labels, time=datetime.now(UTC), type=kind)


# --- Prometheus endpoint -----------------------------------------------------------------------

def test_prometheus_scrapes_the_endpoint_and_reads_the_value_back(
        prometheus_server: Server) -> None:
    token = prometheus_server.extra["token"]
    sink = PrometheusSettings(type="prometheus", token_file=token,
                              listen=f"127.0.0.1:{prometheus_server.extra['target']}").build()
    try:
        sink.send(items(now_sample("vedette_fim_changes", 7, severity="critical", host="h1"),
                        finding(1)))
        sink.send(items(now_sample("vedette_fim_changes", 3, severity="critical", host="h1")))
        query = f"{prometheus_server.url}/api/v1/query"

        def value() -> str | None:
            result = httpx.get(query, params={"query": 'vedette_fim_changes{severity="critical"}'}
                               ).json()["data"]["result"]
            return result[0]["value"][1] if result else None

        wait_until(lambda: value() == "3", "Prometheus to scrape the Vedette endpoint")
        targets = httpx.get(f"{prometheus_server.url}/api/v1/targets").json()
        assert targets["data"]["activeTargets"][0]["health"] == "up"
    finally:
        sink.close()


def test_prometheus_endpoint_requires_its_token_and_serves_the_right_content_type(
        tmp_path: Path) -> None:
    (tmp_path / "token").write_text("t0k3n")
    sink = PrometheusSettings(type="prometheus", listen="127.0.0.1:0",
                              token_file=tmp_path / "token").build()
    try:
        url = f"http://127.0.0.1:{sink.address[1]}/metrics"  # type: ignore[attr-defined]
        sink.send(items(now_sample("vedette_auth_failures_total", 5, host="h1")))
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
        answer = httpx.get(url, headers={"Authorization": "Bearer t0k3n"})
        assert answer.status_code == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert "# TYPE vedette_auth_failures_total counter" in answer.text
        assert 'vedette_auth_failures_total{host="h1"} 5.0' in answer.text
    finally:
        sink.close()


def test_a_network_listener_without_a_token_is_refused() -> None:
    with pytest.raises(SinkConfigError, match="needs a bearer token"):
        PrometheusSettings(type="prometheus", listen="0.0.0.0:9464").build()
    with pytest.raises(SinkConfigError, match="HOST:PORT"):
        PrometheusSettings(type="prometheus", listen="localhost").build()


# --- textfile ----------------------------------------------------------------------------------

def test_textfile_is_replaced_atomically_without_timestamps(tmp_path: Path) -> None:
    sink = TextfileSettings(type="textfile", directory=tmp_path).build()
    sink.send(items(now_sample("vedette_fim_changes", 2, severity="high")))
    path = tmp_path / "vedette.prom"
    first_inode = path.stat().st_ino
    sink.send(items(now_sample("vedette_fim_changes", 5, severity="high"),
                    now_sample("vedette_fim_files_scanned", 100)))
    text = path.read_text()
    assert path.stat().st_ino != first_inode  # a new file renamed over the old one
    assert 'vedette_fim_changes{severity="high"} 5.0' in text
    assert "vedette_fim_files_scanned 100.0" in text
    for line in text.splitlines():
        if not line.startswith("#"):
            assert len(line.split(" ")) == 2, f"a timestamp would make node_exporter skip: {line}"
    assert os.listdir(tmp_path) == ["vedette.prom"]


# --- Pushgateway -------------------------------------------------------------------------------

def test_pushgateway_receives_the_group(pushgateway_server: Server) -> None:
    sink = PushgatewaySettings(type="pushgateway", url=pushgateway_server.url,
                               grouping={"instance": "web/1"}).build()
    try:
        sink.send(items(now_sample("vedette_fim_changes", 4, severity="high")))
        text = httpx.get(f"{pushgateway_server.url}/metrics").text
        line = next(line for line in text.splitlines()
                    if line.startswith("vedette_fim_changes{"))
        assert 'job="vedette"' in line and 'instance="web/1"' in line
        assert 'severity="high"' in line and line.endswith(" 4")
    finally:
        sink.close()


def test_pushgateway_down_is_retryable() -> None:
    sink = PushgatewaySettings(type="pushgateway", url="http://127.0.0.1:1").build()
    with pytest.raises(RetryableError, match="Pushgateway"):
        sink.send(items(now_sample("vedette_x", 1)))


# --- InfluxDB ----------------------------------------------------------------------------------

def test_influxdb_v1_write_and_query_back(influxdb_server: Server) -> None:
    sink = InfluxSettings(type="influxdb", url=influxdb_server.url, api="v1",
                          database="vedette").build()
    try:
        sink.send(items(now_sample("vedette_fim_changes", 6, severity="high", host="h 1")))
        answer = httpx.post(f"{influxdb_server.url}/query", data={
            "db": "vedette", "q": 'SELECT value, host FROM vedette_fim_changes'}).json()
        series = answer["results"][0]["series"][0]
        assert series["values"][0][1:] == [6, "h 1"]
    finally:
        sink.close()


def test_influxdb_v2_api_shape(receiver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    got: list[Request] = []
    server = receiver(lambda request: (got.append(request), (204, {}, b""))[1])
    (tmp_path / "token").write_text("influx-token\n")
    sink = InfluxSettings(type="influxdb", url=server.url, org="acme", bucket="security",
                          token_file=tmp_path / "token").build()
    sink.send(items(now_sample("vedette_fim_changes", 1, severity="low"), finding(1)))
    (request,) = got
    assert request.path.startswith("/api/v2/write?")
    assert "org=acme" in request.path and "bucket=security" in request.path
    assert "precision=ns" in request.path
    assert request.headers["Authorization"] == "Token influx-token"
    assert re.fullmatch(rb"vedette_fim_changes,severity=low value=1 \d{19}", request.body)


def test_influxdb_429_is_retried_after_the_time_it_asks(receiver) -> None:  # type: ignore[no-untyped-def]
    server = receiver(lambda request: (429, {"Retry-After": "7"}, b"slow down"))
    sink = InfluxSettings(type="influxdb", url=server.url, org="o", bucket="b").build()
    with pytest.raises(RetryableError) as caught:
        sink.send(items(now_sample("vedette_x", 1)))
    assert caught.value.retry_after == 7


# --- Graphite ----------------------------------------------------------------------------------

def test_graphite_carbon_stores_the_points(graphite_server: Server) -> None:
    sink = GraphiteSettings(type="graphite", port=graphite_server.port, prefix="vedette",
                            tags=False).build()
    sink.send(items(now_sample("fim_changes", 9, severity="high")))
    whisper = Path(str(graphite_server.extra["whisper"])) / "vedette" / "fim_changes" / "high.wsp"
    wait_until(whisper.exists, "carbon to write the whisper file")

    def stored() -> bool:
        dump = subprocess.run(["whisper-fetch", "--from", str(int(time.time()) - 120),
                               str(whisper)], capture_output=True, text=True).stdout
        return any(line.split()[-1] == "9.000000" for line in dump.splitlines())

    wait_until(stored, "the point to reach the whisper file")


def test_graphite_down_is_retryable() -> None:
    sink = GraphiteSettings(type="graphite", port=1).build()
    with pytest.raises(RetryableError, match="Graphite"):
        sink.send(items(now_sample("vedette_x", 1)))


def test_ok_helper_is_json() -> None:
    assert ok(202)[0] == 202
