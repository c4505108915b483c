from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from vedette.auth.timestamps import Clock, TimestampError, from_journal


def test_year_is_the_reference_year() -> None:
    clock = Clock(reference=datetime(2025, 3, 7, 12, 0, tzinfo=UTC), zone=UTC)
    assert clock.rfc3164("Mar  7 11:59:59") == datetime(2025, 3, 7, 11, 59, 59, tzinfo=UTC)


def test_december_lines_read_in_january_are_last_year() -> None:
    clock = Clock(reference=datetime(2026, 1, 2, 8, 0, tzinfo=UTC), zone=UTC)
    assert clock.rfc3164("Dec 31 23:59:58").year == 2025
    assert clock.rfc3164("Jan  2 07:00:00").year == 2026


def test_a_day_of_slack_for_clock_skew() -> None:
    clock = Clock(reference=datetime(2025, 3, 7, 23, 0, tzinfo=UTC), zone=UTC)
    assert clock.rfc3164("Mar  8 10:00:00").year == 2025


def test_29_february_goes_to_the_last_leap_year() -> None:
    clock = Clock(reference=datetime(2025, 3, 7, tzinfo=UTC), zone=UTC)
    assert clock.rfc3164("Feb 29 10:00:00") == datetime(2024, 2, 29, 10, tzinfo=UTC)


def test_zone_and_daylight_saving() -> None:
    paris = ZoneInfo("Europe/Paris")
    clock = Clock(reference=datetime(2025, 8, 1, tzinfo=UTC), zone=paris)
    assert clock.rfc3164("Jul 14 12:00:00") == datetime(2025, 7, 14, 10, 0, tzinfo=UTC)
    assert clock.rfc3164("Jan 14 12:00:00") == datetime(2025, 1, 14, 11, 0, tzinfo=UTC)


def test_iso_is_read_as_written() -> None:
    clock = Clock(zone=UTC)
    assert clock.iso("2025-03-07T18:58:00.123456+01:00") == \
        datetime(2025, 3, 7, 17, 58, 0, 123456, tzinfo=UTC)
    assert clock.iso("2025-03-07T18:58:00Z") == datetime(2025, 3, 7, 18, 58, tzinfo=UTC)


def test_journal_microseconds() -> None:
    assert from_journal("1741373880123456") == \
        datetime(2025, 3, 7, 18, 58, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["Foo  7 11:59:59", "Mar 77 11:59:59", "Mar  7 11:61:00"])
def test_bad_rfc3164_stamps(raw: str) -> None:
    with pytest.raises(TimestampError):
        Clock(zone=UTC).rfc3164(raw)
