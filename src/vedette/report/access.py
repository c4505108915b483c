"""Access attempts: daily trend, top sources and countries, attacks, successes after
failures. Counts come from the attempt metrics (complete even when failed attempts are
not kept as events); sources and attacks from the events."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from typing import Any

from vedette.report.holdings import Holdings

TOP = 10
ATTEMPTS_METRIC = "vedette_auth_attempts_total"


def access(holdings: Holdings, samples: list[Any]) -> dict[str, Any]:
    """`samples`: the period's `vedette_auth_attempts_total` metric samples."""
    days = [day.isoformat() for day in holdings.period.days()]
    daily = {outcome: dict.fromkeys(days, 0) for outcome in ("failure", "success")}
    countries: Counter[str] = Counter()
    for sample in samples:
        if sample.labels.get("host") not in holdings.labels:
            continue
        day = sample.time.astimezone(UTC).date().isoformat()
        outcome = sample.labels.get("outcome", "")
        if outcome in daily and day in daily[outcome]:
            daily[outcome][day] += int(sample.value)
            if outcome == "failure":
                countries[sample.labels.get("country") or "unknown"] += int(sample.value)
    sources: Counter[str] = Counter()
    source_country: dict[str, str] = {}
    for event in holdings.period_events(category="authentication", kind="activity"):
        if event.context.get("outcome") == "failure" and event.observables.get("ip"):
            ip = event.observables["ip"]
            sources[ip] += 1
            source_country[ip] = (event.context.get("origin") or {}).get("country") or "unknown"
    detections = [{
        "time": e.time.isoformat(), "host": e.host.name, "rule": e.context.get("rule", ""),
        "severity": e.severity.value, "source_ip": e.observables.get("ip", ""),
        "country": (e.context.get("origin") or {}).get("country") or "",
        "user": e.observables.get("user", ""), "count": e.context.get("count", ""),
        "summary": e.summary}
        for e in holdings.period_events(category="detection_finding")]
    return {
        "days": days,
        "daily": {outcome: [values[d] for d in days] for outcome, values in daily.items()},
        "totals": {outcome: sum(values.values()) for outcome, values in daily.items()},
        "top_sources": [{"ip": ip, "country": source_country[ip], "failures": n}
                        for ip, n in sources.most_common(TOP)],
        "top_countries": [{"country": c, "failures": n} for c, n in countries.most_common(TOP)],
        "attacks_by_rule": dict(Counter(d["rule"] for d in detections).most_common()),
        "detections": detections,
        "successes_after_failures": [d for d in detections
                                     if d["rule"] == "success_after_failures"],
    }
