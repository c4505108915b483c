"""Every integrity and drift change with its disposition: accepted (who, why, when),
explained by a configuration-management run, or open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vedette.events import Event
from vedette.report.holdings import Holdings

ACCEPTED, EXPLAINED, OPEN = "accepted", "explained by configuration management", "open"
NOT_RECORDED = "not recorded in the store"


def _drift_paths(event: Event) -> set[str]:
    """The files a configuration-management change names (a resource that is no file by
    its title, e.g. `Package[nginx]`)."""
    paths = {event.observables.get("file.path")}
    resources = event.context.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict):
            paths.add(resource.get("path") or resource.get("title"))
    return {path for path in paths if isinstance(path, str)}


def _baseline_taken(holdings: Holdings, host: str, before: datetime) -> datetime | None:
    """When the host's baseline was last taken or updated before `before`: a change the
    check reports happened after that, so only a change-management run since can explain
    it (the same change is reported again by every check until it is accepted)."""
    ends = [r.ended_at for r in holdings.completed_runs("fim") if r.host == host
            and r.name in ("init", "accept") and r.ended_at is not None and r.ended_at < before]
    return max(ends, default=None)


def _drift_runs(holdings: Holdings) -> list[Event]:
    return [e for e in holdings.category("config_drift") if e.kind != "status"]


def fim_findings(holdings: Holdings) -> list[dict[str, Any]]:
    findings = holdings.period_events(category="file_system_activity", source="fim",
                                      kind="finding")
    accepts = [e for e in holdings.category("file_system_activity")
               if e.source == "fim" and e.kind == "activity"]
    drift = _drift_runs(holdings)
    rows = []
    for finding in findings:
        path = finding.observables.get("file.path", "")
        row: dict[str, Any] = {
            "time": finding.time.isoformat(), "host": finding.host.name, "path": path,
            "change": finding.context.get("change", ""), "severity": finding.severity.value,
            "rule": finding.context.get("rule") or "",
            "attributes": ", ".join(sorted(finding.context.get("attributes", {}))),
            "controls": ", ".join(finding.controls), "disposition": OPEN,
            "decided_by": "", "reason": "", "decided_at": "", "reference": ""}
        accepted = next((a for a in accepts if a.dedup_key == finding.dedup_key
                         and a.time >= finding.time), None)
        since = _baseline_taken(holdings, finding.host.name, finding.time)
        explaining = next((d for d in drift if d.host.name == finding.host.name
                           and path in _drift_paths(d) and d.time <= finding.time
                           and (since is None or d.time >= since)), None)
        if accepted is not None:
            row.update(disposition=ACCEPTED, decided_at=accepted.time.isoformat(),
                       decided_by=accepted.context.get("accepted_by") or NOT_RECORDED,
                       reason=accepted.context.get("reason") or NOT_RECORDED)
        elif explaining is not None:
            row.update(disposition=EXPLAINED, decided_at=explaining.time.isoformat(),
                       decided_by=explaining.context.get("tool", explaining.source),
                       reference=str(explaining.context.get("run_id", "")),
                       reason=explaining.summary)
        rows.append(row)
    return rows


def drift_changes(holdings: Holdings) -> list[dict[str, Any]]:
    """Changes reported by configuration management: an enforced (corrective) change is
    explained by its run; drift only detected (no-op mode, or a failed resource) is open."""
    rows = []
    for event in _drift_runs(holdings):
        if not holdings.in_period(event.time):
            continue
        # A failed resource or a run that did not happen changed nothing.
        repaired = (event.context.get("mode", "enforce") != "noop"
                    and event.context.get("verdict") not in ("failed", "missing"))
        rows.append({
            "time": event.time.isoformat(), "host": event.host.name,
            "tool": event.context.get("tool", ""), "run_id": str(event.context.get("run_id", "")),
            "mode": event.context.get("mode", ""), "severity": event.severity.value,
            "resources": ", ".join(sorted(_drift_paths(event))), "summary": event.summary,
            "disposition": EXPLAINED if repaired else OPEN})
    return rows


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    result = {ACCEPTED: 0, EXPLAINED: 0, OPEN: 0}
    for row in rows:
        result[row["disposition"]] += 1
    return result
