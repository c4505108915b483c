"""Log timestamps to aware UTC datetimes.

RFC 3164 stamps (`Nov 28 09:16:05`) carry neither year nor zone: the zone is the host's
(or the one configured) and the year is the reference's, unless that would put the line
more than a day after the reference, in which case it is the year before. The reference
is the file's modification time, i.e. roughly when its last line was written, so a log
read in January still dates its December lines to the right year. RFC 5424 and ISO 8601
stamps are read as written (a stamp without offset is local time).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_SLACK = timedelta(days=1)
# `MM:SS` → its offset in the hour (a leap second included): one lookup instead of parsing
# and building a timedelta for each of the hundreds of thousands of seconds a log spans.
_IN_HOUR = {f"{minute:02d}:{second:02d}": timedelta(minutes=minute, seconds=second)
            for minute in range(60) for second in range(61)}


class TimestampError(ValueError):
    """A timestamp that cannot be read."""


class Clock:
    """Reads the timestamps of one input, remembering the last one (logs repeat seconds)."""

    def __init__(self, reference: datetime | None = None, zone: tzinfo | None = None) -> None:
        self.zone = zone
        self.reference = (reference or datetime.now(UTC)).astimezone(zone)
        self._raw: str | None = None
        self._time: datetime | None = None
        self._hours: dict[str, datetime] = {}

    def rfc3164(self, raw: str) -> datetime:
        if raw == self._raw and self._time is not None:
            return self._time
        # The zone offset is looked up once per local hour; minutes and seconds are added.
        hour_start = self._hours.get(raw[:9])
        try:
            if hour_start is None:
                month = MONTHS[raw[:3]]
                day_text, hour_text = raw[4:9].split()
                hour_start = self._hours[raw[:9]] = self._dated(month, int(day_text),
                                                                int(hour_text), 0, 0)
            offset = _IN_HOUR[raw[10:15]]
            if raw[9] != ":" or len(raw) != 15:
                raise ValueError("bad clock")
        except (KeyError, ValueError, IndexError) as exc:
            raise TimestampError(f"not an RFC 3164 timestamp: {raw!r}") from exc
        moment = hour_start + offset
        self._raw, self._time = raw, moment
        return moment

    def _dated(self, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
        year = self.reference.year
        for candidate in (year, year - 1):
            try:
                local = self._local(candidate, month, day, hour, minute, second)
            except ValueError:  # 29 February of a year that has none
                continue
            if local <= self.reference + _SLACK or candidate != year:
                return local.astimezone(UTC)
        raise ValueError("no such date")

    def _local(self, year: int, month: int, day: int, hour: int, minute: int,
               second: int) -> datetime:
        moment = datetime(year, month, day, hour, minute, second)
        if self.zone is None:
            return moment.astimezone()  # the host's zone, daylight saving included
        return moment.replace(tzinfo=self.zone)

    def iso(self, raw: str) -> datetime:
        if raw == self._raw and self._time is not None:
            return self._time
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise TimestampError(f"not an ISO 8601 timestamp: {raw!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone) if self.zone else moment.astimezone()
        moment = moment.astimezone(UTC)
        self._raw, self._time = raw, moment
        return moment


def from_journal(usec: str | int) -> datetime:
    """journald's `__REALTIME_TIMESTAMP`: microseconds since the epoch, as a decimal string."""
    try:
        value = int(usec)
    except (TypeError, ValueError) as exc:
        raise TimestampError(f"not a journald timestamp: {usec!r}") from exc
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)
