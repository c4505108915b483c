"""Where attempts come from, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from vedette.auth.config import GeoSettings
from vedette.auth.geo import Geo, GeoError, Origin


@pytest.fixture(scope="module")
def geo() -> Geo:
    return Geo()


@pytest.mark.parametrize(("address", "label"), [
    ("10.1.2.3", "private"), ("192.168.0.9", "private"), ("127.0.0.1", "private"),
    ("::1", "private"), ("fe80::1", "private"), ("::ffff:172.16.5.4", "private"),
    ("100.64.0.1", "reserved"), ("224.0.0.1", "reserved"), ("240.0.0.1", "reserved"),
])
def test_private_and_reserved_ranges_are_labelled(geo: Geo, address: str, label: str) -> None:
    assert geo.origin(address) == Origin(label)


def test_public_addresses_from_the_shipped_database(geo: Geo) -> None:
    google = geo.origin("8.8.8.8")
    assert (google.country, google.as_org) == ("US", "GOOGLE")
    assert geo.origin("2001:4860:4860::8888").country == "US"


def test_names_and_missing_addresses_are_unknown(geo: Geo) -> None:
    assert geo.origin("example.com").country == "unknown"
    assert geo.origin(None).country == "unknown"


def test_disabled() -> None:
    assert Geo(GeoSettings(enabled=False)).origin("8.8.8.8") == Origin("unknown")


def test_a_bad_maxmind_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "GeoLite2-Country.mmdb"
    bad.write_bytes(b"this is not a database")
    with pytest.raises(GeoError, match=r"GeoLite2-Country\.mmdb"):
        Geo(GeoSettings(country_db=bad))
