"""The `auth:` section of the configuration: what to read and when an attack is an attack.

Defaults follow common practice: fail2ban's sshd jail bans after 5 failures in 10 minutes;
Vedette reports 10 as brute force, and keeps hour-scale windows for the slow, distributed
attacks that per-source short windows miss.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_LOGS = ["/var/log/auth.log", "/var/log/secure"]
PRIVILEGED_USERS = ["root", "admin", "administrator", "toor", "ubuntu", "debian", "centos",
                    "ec2-user", "oracle", "postgres", "mysql", "git", "test", "user", "pi",
                    "ftp", "www-data", "nagios", "hadoop", "ansible", "jenkins", "docker"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(_Section):
    """`count` events within `window` seconds."""

    count: int = Field(ge=1)
    window: int = Field(ge=1, description="seconds")


class DetectSettings(_Section):
    # Many failures from one source.
    brute_force: Threshold = Threshold(count=10, window=600)
    # One source, many user names.
    spraying: Threshold = Threshold(count=5, window=3600)
    # Many sources, one user name (slow and distributed: hour-scale).
    distributed_user: Threshold = Threshold(count=10, window=6 * 3600)
    # Many failures from one /24 (IPv4) or /64 (IPv6) network, from at least
    # `network_min_sources` different addresses.
    network: Threshold = Threshold(count=20, window=3600)
    network_min_sources: int = Field(default=3, ge=1)
    # Failures against one service from everywhere (a surge).
    service: Threshold = Threshold(count=200, window=600)
    # Attempts on root or a well-known service account from one source.
    privileged: Threshold = Threshold(count=3, window=3600)
    privileged_users: list[str] = Field(default_factory=lambda: list(PRIVILEGED_USERS))
    # A success from a source (or its network) after this many failures: critical.
    success_after_failures: Threshold = Threshold(count=5, window=3600)


class GeoSettings(_Section):
    # MaxMind-format databases (GeoLite2-Country / GeoLite2-ASN, or compatible ones);
    # without them the database shipped with the geoip2fast package is used.
    country_db: Path | None = None
    asn_db: Path | None = None
    enabled: bool = True


class AuthSettings(_Section):
    logs: list[str] = Field(default_factory=lambda: list(DEFAULT_LOGS))
    # Zone of RFC 3164 timestamps (which carry none), e.g. "Europe/Paris"; default: the host's.
    timezone: str | None = None
    # Where `vedette auth watch` keeps its read positions; default: the data directory.
    positions: Path | None = None
    # Seconds between two reads of the logs in `vedette auth watch`.
    interval: float = Field(default=10.0, gt=0)
    # Store every failed attempt as an `authentication` event (successes always are).
    record_failures: bool = False
    detect: DetectSettings = Field(default_factory=DetectSettings)
    geo: GeoSettings = Field(default_factory=GeoSettings)
