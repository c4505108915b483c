"""Syslog RFC 5424 over UDP (RFC 5426), TCP with octet counting (RFC 6587) or a Unix socket.

`<PRI>1 TIMESTAMP HOST vedette PID SOURCE [vedette@32473 id=".." ...] BOM summary`
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import Field

from vedette.events import Event, Severity
from vedette.pipeline.items import Item
from vedette.pipeline.sinks.base import Rejected, RetryableError, Sink, SinkSettings

FACILITIES = {"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6,
              "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12,
              "audit": 13, "alert": 14, "clock": 15,
              **{f"local{n}": 16 + n for n in range(8)}}
# Syslog severities: 2 critical, 3 error, 4 warning, 5 notice, 6 informational.
SEVERITIES = {Severity.CRITICAL: 2, Severity.HIGH: 3, Severity.MEDIUM: 4, Severity.LOW: 5,
              Severity.INFO: 6}
BOM = "\ufeff"


class SyslogSettings(SinkSettings):
    type: Literal["syslog"]
    transport: Literal["udp", "tcp", "unix"] = "udp"
    host: str = "127.0.0.1"
    port: int = 514
    socket: Path = Path("/dev/log")
    facility: Literal[tuple(FACILITIES)] = "auth"  # type: ignore[valid-type]
    sd_id: str = Field(default="vedette@32473", pattern=r'^[^\s=\]"]{1,32}$')
    max_udp_bytes: int = Field(default=2048, ge=480)
    timeout: float = 10.0

    def build(self) -> Sink:
        return SyslogSink(self)


def _sd_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_field(value: str, limit: int) -> str:
    cleaned = "".join(c if 33 <= ord(c) <= 126 else "_" for c in value)[:limit]
    return cleaned or "-"


def format_message(event: Event, item_id: str, facility: int, sd_id: str) -> bytes:
    pri = facility * 8 + SEVERITIES[event.severity]
    timestamp = event.time.isoformat(timespec="microseconds").replace("+00:00", "Z")
    params = {"id": item_id, "source": event.source, "kind": event.kind,
              "severity": event.severity.value, "category": event.category,
              "dedup_key": event.dedup_key}
    data = "[" + sd_id + "".join(f' {k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
    summary = " ".join(event.summary.splitlines())
    return (f"<{pri}>1 {timestamp} {_header_field(event.host.name, 255)} vedette {os.getpid()} "
            f"{_header_field(event.source, 32)} {data} {BOM}{summary}").encode()


def truncate(message: bytes, limit: int) -> bytes:
    """At most `limit` bytes, never cutting a UTF-8 character in two: after the BOM the
    message must be valid UTF-8 (RFC 5424, 6.4)."""
    if len(message) <= limit:
        return message
    return message[:limit].decode("utf-8", "ignore").encode()


class SyslogSink(Sink):
    def __init__(self, settings: SyslogSettings) -> None:
        self.name, self.batch_size, self.settings = settings.sink_name, settings.batch_size, \
            settings
        self.facility = FACILITIES[settings.facility]
        self._tcp: socket.socket | None = None

    def send(self, items: list[Item]) -> list[Rejected]:
        messages = [format_message(item.event, item.id, self.facility, self.settings.sd_id)
                    for item in items if item.event is not None]
        if not messages:
            return []
        try:
            {"udp": self._udp, "tcp": self._tcp_send, "unix": self._unix}[
                self.settings.transport](messages)
        except OSError as exc:
            self._close_tcp()
            raise RetryableError(f"syslog {self._where()}: {exc.strerror or exc}") from exc
        return []

    def _where(self) -> str:
        if self.settings.transport == "unix":
            return str(self.settings.socket)
        return f"{self.settings.transport}://{self.settings.host}:{self.settings.port}"

    def _udp(self, messages: list[bytes]) -> None:
        family = socket.AF_INET6 if ":" in self.settings.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            for message in messages:
                sock.sendto(truncate(message, self.settings.max_udp_bytes),
                            (self.settings.host, self.settings.port))

    def _tcp_send(self, messages: list[bytes]) -> None:
        if self._tcp is None:
            self._tcp = socket.create_connection((self.settings.host, self.settings.port),
                                                 timeout=self.settings.timeout)
        # Octet counting: "LENGTH SP MESSAGE", so a message may hold any byte.
        self._tcp.sendall(b"".join(b"%d %s" % (len(m), m) for m in messages))

    def _unix(self, messages: list[bytes]) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(str(self.settings.socket))
            for message in messages:
                sock.send(message)

    def _close_tcp(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
            self._tcp = None

    def close(self) -> None:
        self._close_tcp()
