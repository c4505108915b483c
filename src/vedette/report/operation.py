"""Evidence that controls operated: host x week grids of completed integrity checks and
drift runs, host x day auth-log monitoring, and every gap as an exception."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from vedette.report.holdings import COMPLETED, Holdings

# Cells of a grid: "ok" (evidence held), "gap" (the slot has passed without it),
# "pending" (the slot has not ended yet).
OK, GAP, PENDING = "ok", "gap", "pending"


def _cell(count: int, slot_end: datetime, now: datetime) -> str:
    if count:
        return OK
    return GAP if slot_end <= now else PENDING


def _status_times(holdings: Holdings, source: str, category: str) -> dict[str, list[datetime]]:
    """When each host's completed runs of `source` ended: from run records, or from the
    status events a run emits when its record is elsewhere (events shipped by an agent).

    Configuration-management runs are the tool's own (Puppet, Ansible...): each one ingested
    leaves a status event at its start, while the run records are of the ingestions (a
    week of reports ingested at once is still seven runs)."""
    times: dict[str, list[datetime]] = defaultdict(list)
    runs = [] if source == "drift" else holdings.completed_runs(
        source, "check" if source == "fim" else None)
    for run in runs:
        assert run.ended_at is not None
        times[run.host].append(run.ended_at)
    recorded = {run.host for run in runs}
    for event in holdings.category(category):
        if (event.source == source and event.kind == "status"
                and event.host.name not in recorded
                and event.context.get("baseline_verified", True)
                and not event.context.get("run_failed")):
            times[event.host.name].append(event.time)
    return times


def weekly_grid(holdings: Holdings, source: str, category: str) -> dict[str, Any]:
    """Host x ISO week: how many completed runs, and the cell's status."""
    weeks = holdings.period.weeks()
    times = _status_times(holdings, source, category)
    rows = []
    for host in holdings.hosts:
        mondays = Counter(_monday(moment) for moment in times.get(host, []))
        cells = [{"week": week.label, "runs": mondays[week.monday],
                  "status": _cell(mondays[week.monday], week.end, holdings.now)}
                 for week in weeks]
        rows.append({"host": host, "cells": cells})
    return _summarised({"slots": [w.label for w in weeks], "rows": rows})


def daily_grid(holdings: Holdings, source: str, category: str) -> dict[str, Any]:
    """Host x day of the period: was the control running that day."""
    days = holdings.period.days()
    times = _status_times(holdings, source, category)
    for event in holdings.category(category):  # any record of the monitor proves it ran
        if event.source == source and event.kind != "status":
            times[event.host.name].append(event.time)
    rows = []
    for host in holdings.hosts:
        seen = {moment.astimezone(UTC).date() for moment in times.get(host, [])}
        cells = [{"day": day.isoformat(), "runs": int(day in seen),
                  "status": _cell(int(day in seen), _day_end(day), holdings.now)}
                 for day in days]
        rows.append({"host": host, "cells": cells})
    return _summarised({"slots": [d.isoformat() for d in days], "rows": rows})


def _monday(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, UTC)


def _summarised(grid: dict[str, Any]) -> dict[str, Any]:
    cells = [cell for row in grid["rows"] for cell in row["cells"]]
    due = [cell for cell in cells if cell["status"] != PENDING]
    ok = sum(1 for cell in due if cell["status"] == OK)
    grid["summary"] = {"expected": len(due), "ok": ok, "gaps": len(due) - ok,
                       "percent": round(100 * ok / len(due), 1) if due else None}
    return grid


def gaps(grid: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs of consecutive gap cells per host, one entry each: from, to, how many slots."""
    found = []
    for row in grid["rows"]:
        current: list[str] = []
        for slot, cell in zip(grid["slots"], row["cells"], strict=True):
            if cell["status"] == GAP:
                current.append(slot)
                continue
            if current:
                found.append({"host": row["host"], "from": current[0], "to": current[-1],
                              "slots": len(current)})
            current = []
        if current:
            found.append({"host": row["host"], "from": current[0], "to": current[-1],
                          "slots": len(current)})
    return found


def failed_runs(holdings: Holdings) -> list[dict[str, Any]]:
    """Runs in the period that ended in an error, were interrupted or never finished."""
    return [{"run_id": r.id, "source": r.source, "name": r.name, "host": r.host,
             "started_at": r.started_at.isoformat(), "outcome": r.outcome,
             "error": r.error or ""}
            for r in holdings.runs if holdings.in_period(r.started_at)
            and r.outcome in ("error", "interrupted", "baseline_tampered", "running")
            and (r.ended_at is not None or r.started_at < holdings.now - timedelta(days=1))]


def run_population(holdings: Holdings, source: str) -> list[dict[str, Any]]:
    return [{"run_id": r.id, "host": r.host, "name": r.name,
             "started_at": r.started_at.isoformat(),
             "ended_at": r.ended_at.isoformat() if r.ended_at else "",
             "outcome": r.outcome, "exit_code": "" if r.exit_code is None else r.exit_code,
             "scope": ", ".join(r.scope)}
            for r in holdings.runs if r.source == source and holdings.in_period(r.started_at)]


def policies(holdings: Holdings) -> list[dict[str, Any]]:
    """The FIM policies integrity checks used in the period, by SHA-256 (as each check
    recorded it; a status event stands in for a run recorded elsewhere): which hosts, how
    many checks. A check that recorded none shows as an empty digest."""
    used: dict[str, dict[str, Any]] = {}

    def add(digest: object, host: str) -> None:
        entry = used.setdefault(str(digest or ""), {"hosts": set(), "checks": 0})
        entry["hosts"].add(host)
        entry["checks"] += 1

    # A check that failed before comparing (no baseline, say) applied no policy.
    checks = [r for r in holdings.runs if r.source == "fim" and r.name == "check"
              and holdings.in_period(r.started_at)
              and (r.outcome in COMPLETED or "policy_sha256" in r.counts)]
    for run in checks:
        add(run.counts.get("policy_sha256"), run.host)
    recorded = {run.host for run in checks}
    for event in holdings.period_events("file_system_activity", "fim", "status"):
        if event.host.name not in recorded:
            add(event.context.get("policy_sha256"), event.host.name)
    return [{"sha256": digest, "hosts": ", ".join(sorted(entry["hosts"])),
             "checks": entry["checks"]} for digest, entry in sorted(used.items())]
