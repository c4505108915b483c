"""Terraform / OpenTofu plans, as `terraform show -json PLANFILE` prints them.

A plan is a run that has not happened: every resource with an action other than
`no-op` (or a data source `read`) would change. `resource_drift` lists what changed
outside Terraform since the last apply (a refresh-only plan shows only that): those are
counted as corrective, the way Puppet counts a change that repaired drift.
"""

from __future__ import annotations

from typing import Any

from vedette.drift.model import ReportError, Resource, RunReport
from vedette.drift.reports._common import parse_time
from vedette.events import utcnow

_UNCHANGED = ({"no-op"}, {"read"})


def looks_like(document: dict[str, Any]) -> bool:
    return "format_version" in document and (
        "resource_changes" in document or "resource_drift" in document
        or "terraform_version" in document)


def _changes(entries: Any, origin: str, what: str) -> list[str]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ReportError(f"{origin}: {what}: expected a list")
    addresses = []
    for entry in entries:
        if entry.get("mode", "managed") != "managed":
            continue
        actions = set(entry.get("change", {}).get("actions") or [])
        if actions and actions not in _UNCHANGED:
            addresses.append(str(entry["address"]))
    return addresses


def parse(document: Any, origin: str, default_host: str) -> list[RunReport]:
    if not isinstance(document, dict) or not looks_like(document):
        raise ReportError(f"{origin}: not a terraform show -json plan")
    planned = _changes(document.get("resource_changes"), origin, "resource_changes")
    drifted = _changes(document.get("resource_drift"), origin, "resource_drift")
    resources = [Resource(name=address, corrective=True) for address in drifted]
    resources += [Resource(name=address) for address in planned if address not in drifted]
    managed = [entry for entry in document.get("resource_changes") or []
               if entry.get("mode", "managed") == "managed"]
    stamp = document.get("timestamp")
    return [RunReport(
        tool="terraform", host=default_host,
        started=parse_time(stamp, origin, "timestamp") if stamp else utcnow(),
        changed=len(resources), corrective=len(drifted), total=len(managed) or None,
        run_failed=bool(document.get("errored")), noop=True,
        code_version=document.get("terraform_version"), resources=resources,
    )]
