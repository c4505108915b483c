"""Personal data found: by type, source, store and region, trend, redaction coverage,
card numbers outside the cardholder-data environment, and cross-region flows.

Only what the finding events carry is used: the type, where, a masked preview and a keyed
hash. A raw value never reaches a report because the store never holds one."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from typing import Any

from vedette.events import Event
from vedette.report.holdings import Holdings
from vedette.report.scope import Scope

CATEGORY = "data_security_finding"
CARD_TYPES = {"CREDIT_CARD", "PAN"}
# Actions of the privacy engine that leave no readable value behind.
REDACTING = {"mask", "masked", "partial_mask", "hash", "hashed", "redact", "redacted", "drop",
             "dropped", "tokenize", "tokenized", "pseudonymize", "pseudonymized", "encrypt",
             "encrypted", "truncate"}
UNLABELLED = "(no region label)"


def _type(event: Event) -> str:
    return str(event.context.get("entity_type") or event.context.get("type") or "unknown")


def _store(event: Event) -> str:
    context = event.context
    if context.get("store"):
        return str(context["store"])
    database = context.get("database")
    if isinstance(database, dict) and context.get("table"):
        return f"{database.get('name', '')}:{context.get('schema', '')}.{context['table']}"
    return ""


def _source(event: Event) -> str:
    return str(event.context.get("pipeline") or event.context.get("source") or event.source)


def _count(event: Event) -> int:
    """Occurrences a finding stands for; a finding without a usable count is one."""
    value = event.context.get("count", 1)
    return value if isinstance(value, int) and value > 0 else 1


def _region(event: Event) -> str:
    return str(event.context.get("region") or event.host.labels.get("region") or UNLABELLED)


def _in_cde(event: Event, store: str, scope: Scope) -> bool:
    """Data in a store is judged by the store when the scope lists the CDE's stores (the
    host that scanned it may sit elsewhere); anything else by its host: the scope's CDE
    hosts, or the host label `cde: "true"`."""
    if store and scope.cde_stores:
        return scope.store_in_cde(store)
    return (event.host.name in scope.cde_hosts
            or str(event.host.labels.get("cde", "")).lower() in ("true", "yes", "1"))


def _redacted(event: Event) -> bool | None:
    """True/False for data caught in flight; None for data found at rest (a scan of a
    store finds what is there, redaction does not apply)."""
    if event.context.get("data_lifecycle_state") == "at_rest":
        return None
    if "redacted" in event.context:
        return bool(event.context["redacted"])
    return str(event.context.get("action", "")).lower() in REDACTING


def _samples(event: Event) -> str:
    shown = [f"{s.get('preview', '')} #{str(s.get('hash', ''))[:12]}"
             for s in event.context.get("samples", []) if isinstance(s, dict)]
    if not shown and event.context.get("preview"):
        shown = [f"{event.context['preview']} #{str(event.context.get('hash', ''))[:12]}"]
    return "; ".join(shown)


def _scans(holdings: Holdings) -> int:
    """Scans run in the period: recorded runs, or the status events of hosts whose runs
    are recorded elsewhere (each run also stores a status event: count it once)."""
    runs = [r for r in holdings.runs if r.source == "privacy"
            and holdings.in_period(r.started_at)]
    recorded = {run.host for run in runs}
    return len(runs) + sum(1 for e in holdings.period_events(CATEGORY, kind="status")
                           if e.host.name not in recorded)


def privacy(holdings: Holdings, scope: Scope) -> dict[str, Any]:
    events = holdings.period_events(category=CATEGORY, kind="finding")
    scans = _scans(holdings)
    rows = []
    for event in events:
        redacted = _redacted(event)
        store = _store(event)
        rows.append({
            "time": event.time.isoformat(), "host": event.host.name, "type": _type(event),
            "count": _count(event), "source": _source(event),
            "store": store, "region": _region(event),
            "destination_region": str(event.context.get("destination_region", "")),
            "legal_basis": str(event.context.get("legal_basis", "")),
            "in_cde": _in_cde(event, store, scope),
            "state": event.context.get("data_lifecycle_state", ""),
            "redacted": "" if redacted is None else redacted,
            "severity": event.severity.value, "samples": _samples(event),
            "controls": ", ".join(event.controls), "summary": event.summary})
    days = [day.isoformat() for day in holdings.period.days()]
    trend = dict.fromkeys(days, 0)
    for row, event in zip(rows, events, strict=True):
        trend[event.time.astimezone(UTC).date().isoformat()] += row["count"]

    def by(key: str) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for row in rows:
            totals[row[key] or "(none)"] += row["count"]
        return dict(totals.most_common())

    in_flight = [row for row in rows if row["redacted"] != ""]
    redacted = sum(row["count"] for row in in_flight if row["redacted"])
    flight_total = sum(row["count"] for row in in_flight)
    flows = _flows(rows)
    return {
        "scans": scans, "findings": len(rows), "occurrences": sum(r["count"] for r in rows),
        "by_type": by("type"), "by_source": by("source"), "by_store": by("store"),
        "by_region": by("region"), "days": days, "trend": [trend[d] for d in days],
        "redaction": {"in_flight": flight_total, "redacted": redacted,
                      "percent": round(100 * redacted / flight_total, 1) if flight_total
                      else None},
        "cards_outside_cde": [row for row in rows if row["type"] in CARD_TYPES
                              and not row["in_cde"]],
        "flows": flows, "population": rows,
    }


def _flows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Data seen moving from one region label to another."""
    flows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        destination = row["destination_region"]
        if not destination or destination == row["region"]:
            continue
        key = (row["region"], destination, row["legal_basis"] or "none")
        flow = flows.setdefault(key, {"from": key[0], "to": key[1], "legal_basis": key[2],
                                      "types": set(), "occurrences": 0})
        flow["types"].add(row["type"])
        flow["occurrences"] += row["count"]
    return [{**flow, "types": ", ".join(sorted(flow["types"]))} for flow in flows.values()]
