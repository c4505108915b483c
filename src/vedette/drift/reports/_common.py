"""Small readers shared by the report parsers: times and numbers as tools write them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vedette.drift.model import ReportError

# Formats seen in reports besides ISO 8601: Ruby's Time#to_s ("2024-05-01 10:00:00 +0000").
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S.%f %z", "%a %b %d %H:%M:%S %z %Y")


def parse_time(value: Any, origin: str, what: str) -> datetime:
    """A timezone-aware UTC time from a datetime, an ISO 8601 string or epoch seconds."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        moment = _parse_text(value.strip(), origin, what)
    else:
        raise ReportError(f"{origin}: {what}: expected a time, got {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parse_text(text: str, origin: str, what: str) -> datetime:
    # Nanosecond fractions (Puppet) are more than datetime holds: keep microseconds.
    shortened = _shorten_fraction(text.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(shortened)
    except ValueError:
        pass
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ReportError(f"{origin}: {what}: unreadable time {text!r}")


def _shorten_fraction(text: str) -> str:
    dot = text.find(".")
    if dot < 0:
        return text
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[:dot + 1] + text[dot + 1:end][:6] + text[end:]


def count(value: Any, origin: str, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportError(f"{origin}: {what}: expected a number, got {value!r}")
    return int(value)
