"""The period a report covers: whole UTC days, split into days and ISO weeks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


class PeriodError(ValueError):
    """A period that cannot be understood; the message says which part and why."""


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start.date().isoformat()} to {last.isoformat()} (UTC)"

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def days(self) -> list[date]:
        count = (self.end.date() - self.start.date()).days
        return [self.start.date() + timedelta(days=n) for n in range(count)]

    def weeks(self) -> list[Week]:
        """Every ISO week the period touches, whole (a check on the Monday before the
        period's first day still counts for that week)."""
        monday = self.start.date() - timedelta(days=self.start.weekday())
        weeks = []
        while datetime.combine(monday, datetime.min.time(), UTC) < self.end:
            weeks.append(Week(monday))
            monday += timedelta(days=7)
        return weeks


@dataclass(frozen=True)
class Week:
    monday: date

    @property
    def label(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, datetime.min.time(), UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)


def month(text: str) -> Period:
    """`2026-11` → the whole of November 2026."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise PeriodError(f"--period {text!r}: expected a month as YYYY-MM, e.g. 2026-11")
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end)


def between(first: str, last: str) -> Period:
    """From the first day to the last day, both included."""
    try:
        start, stop = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError as exc:
        raise PeriodError(f"--from/--to: expected dates as YYYY-MM-DD: {exc}") from exc
    if stop < start:
        raise PeriodError(f"--to {last} is before --from {first}")
    return Period(datetime.combine(start, datetime.min.time(), UTC),
                  datetime.combine(stop + timedelta(days=1), datetime.min.time(), UTC))


def previous_month(now: datetime) -> Period:
    first = now.astimezone(UTC).date().replace(day=1)
    last_month = first - timedelta(days=1)
    return month(f"{last_month.year}-{last_month.month:02d}")
