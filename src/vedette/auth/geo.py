"""Where an address is: country and autonomous system, offline.

Default: the database shipped inside the `geoip2fast` package (country and AS name for
IPv4 and IPv6, from GeoLite2, no download at run time). A MaxMind-format `.mmdb` the user
provides (GeoLite2-Country, GeoLite2-ASN or compatible) takes precedence. Private,
loopback and other reserved ranges are labelled as such, never looked up.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from vedette.auth.config import GeoSettings

UNKNOWN = "unknown"


class GeoError(Exception):
    """A geolocation database that cannot be opened; the message names it."""


@dataclass(frozen=True, slots=True)
class Origin:
    country: str  # ISO 3166 alpha-2, or "private", "reserved", "unknown"
    asn: int | None = None
    as_org: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"country": self.country, "asn": self.asn, "as_org": self.as_org}


def special_range(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """"private" or "reserved" for addresses that have no place on the public map."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_link_local:
        return "private"
    if ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:  # shared address space (carrier-grade NAT) and the like
        return "reserved"
    return None


class Geo:
    """Looks addresses up, caching answers (attackers come back)."""

    def __init__(self, settings: GeoSettings | None = None) -> None:
        settings = settings or GeoSettings()
        self.enabled = settings.enabled
        self._country_db = _open_mmdb(settings.country_db) if settings.country_db else None
        self._asn_db = _open_mmdb(settings.asn_db) if settings.asn_db else None
        self._builtin: Any = None
        self.origin = lru_cache(maxsize=65536)(self._origin)

    def _origin(self, address: str | None) -> Origin:
        if address is None or not self.enabled:
            return Origin(UNKNOWN)
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return Origin(UNKNOWN)
        label = special_range(ip)
        if label is not None:
            return Origin(label)
        if self._country_db is not None or self._asn_db is not None:
            return self._from_mmdb(str(ip))
        return self._from_builtin(str(ip))

    def _from_mmdb(self, ip: str) -> Origin:
        country, asn, org = UNKNOWN, None, None
        if self._country_db is not None:
            record = self._country_db.get(ip) or {}
            country = ((record.get("country") or record.get("registered_country") or {})
                       .get("iso_code") or UNKNOWN)
        if self._asn_db is not None:
            record = self._asn_db.get(ip) or {}
            asn = record.get("autonomous_system_number")
            org = record.get("autonomous_system_organization")
        return Origin(country, asn, org)

    def _from_builtin(self, ip: str) -> Origin:
        if self._builtin is None:
            # Imported on first use: loading the database takes a few tenths of a second.
            from geoip2fast import GeoIP2Fast

            self._builtin = GeoIP2Fast(geoip2fast_data_file="geoip2fast-asn-ipv6.dat.gz",
                                       verbose=False)
        found = self._builtin.lookup(ip)
        country = found.country_code if found.country_code not in ("", "--") else UNKNOWN
        return Origin(country, None, found.asn_name or None)


def _open_mmdb(path: Path) -> Any:
    import maxminddb

    try:
        return maxminddb.open_database(str(path))
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise GeoError(f"{path}: cannot open as a MaxMind database: {exc}") from exc
