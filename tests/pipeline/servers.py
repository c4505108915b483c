"""Real servers for the sink tests (fixtures imported by tests/pipeline/conftest.py), each
started once per test session from its Debian package, on free local ports, with its data
in a temporary directory (never as a system service): Prometheus, Pushgateway,
InfluxDB 1.x, Graphite carbon, rsyslog."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} did not become ready within {timeout:g} s")


def http_ok(url: str) -> Callable[[], bool]:
    return lambda: httpx.get(url, timeout=1).status_code < 500


def port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    return check


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    directory: Path
    extra: dict[str, object]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _start(argv: list[str], directory: Path, port: int, ready: Callable[[], bool], what: str,
           **extra: object) -> Server:
    log = open(directory / "server.log", "wb")  # noqa: SIM115 (kept open for the process)
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    try:
        wait_until(lambda: process.poll() is None and ready(), what)
    except AssertionError:
        process.kill()
        raise AssertionError(f"{what}: {(directory / 'server.log').read_text()[-2000:]}") from None
    return Server(process, port, directory, extra)


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def prometheus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Prometheus scraping a Vedette endpoint on `extra['target']` with a bearer token."""
    directory = tmp_path_factory.mktemp("prometheus")
    port, target = free_port(), free_port()
    token = directory / "token"
    token.write_text("s3cret-scrape-token\n")
    (directory / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: vedette
    authorization:
      credentials_file: {token}
    static_configs:
      - targets: ["127.0.0.1:{target}"]
""")
    server = _start(["prometheus", f"--config.file={directory / 'prometheus.yml'}",
                     f"--storage.tsdb.path={directory / 'data'}",
                     f"--web.listen-address=127.0.0.1:{port}"], directory, port,
                    http_ok(f"http://127.0.0.1:{port}/-/ready"), "prometheus",
                    target=target, token=token)
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def pushgateway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("pushgateway")
    port = free_port()
    server = _start(["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}"],
                    directory, port, http_ok(f"http://127.0.0.1:{port}/-/ready"),
                    "pushgateway")
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def influxdb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("influxdb")
    port, rpc = free_port(), free_port()
    (directory / "influxdb.conf").write_text(f"""
reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{directory / 'meta'}"
[data]
  dir = "{directory / 'data'}"
  wal-dir = "{directory / 'wal'}"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{port}"
  log-enabled = false
""")
    server = _start(["influxd", "run", "-config", str(directory / "influxdb.conf")], directory,
                    port, http_ok(f"http://127.0.0.1:{port}/ping"), "influxdb")
    httpx.post(f"{server.url}/query", data={"q": "CREATE DATABASE vedette"}).raise_for_status()
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def graphite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("graphite")
    port, pickle, query = free_port(), free_port(), free_port()
    (directory / "storage-schemas.conf").write_text(
        "[default]\npattern = .*\nretentions = 1s:1h\n")
    (directory / "carbon.conf").write_text(f"""
[cache]
STORAGE_DIR = {directory}/storage
LOCAL_DATA_DIR = {directory}/storage/whisper
WHITELISTS_DIR = {directory}/storage/lists
LOG_DIR = {directory}/log
PID_DIR = {directory}
ENABLE_LOGROTATION = False
USER =
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = {port}
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = {pickle}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = {query}
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 10000
MAX_CREATES_PER_MINUTE = inf
CACHE_WRITE_STRATEGY = sorted
ENABLE_TAGS = False
""")
    server = _start(["carbon-cache", f"--config={directory / 'carbon.conf'}",
                     f"--pidfile={directory / 'carbon.pid'}", f"--logdir={directory / 'log'}",
                     "--nodaemon", "start"], directory, port, port_open(port), "carbon-cache",
                    whisper=directory / "storage" / "whisper")
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def rsyslog_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """rsyslog receiving RFC 5424 on UDP, TCP and a Unix socket, writing what it parsed."""
    directory = tmp_path_factory.mktemp("rsyslog")
    udp, tcp = free_port(), free_port()
    (directory / "rsyslog.conf").write_text(f"""
global(workDirectory="{directory}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{udp}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{directory}/log.sock" UseSpecialParser="off"
      ParseHostname="on")
template(name="parsed" type="string"
         string="%hostname%|%app-name%|%msgid%|%pri%|%structured-data%|%msg%\\n")
*.* action(type="omfile" file="{directory}/out.log" template="parsed")
""")
    server = _start(["rsyslogd", "-n", "-f", str(directory / "rsyslog.conf"),
                     "-i", str(directory / "rsyslog.pid")], directory, tcp, port_open(tcp),
                    "rsyslogd", udp=udp, socket=directory / "log.sock",
                    out=directory / "out.log")
    wait_until(lambda: (directory / "log.sock").exists(), "rsyslog unix socket")
    yield server
    _stop(server)
