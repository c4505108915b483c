"""Attempts and detections as events and metrics."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from typing import Any

from vedette.auth.detect import Detection
from vedette.auth.geo import Geo
from vedette.auth.records import AuthRecord
from vedette.events import Event, Host, Metric, MetricType, Severity

SOURCE = "auth"
# Failed-access evidence: PCI DSS 10.2.1.4, NIST AC-7 / SI-4, SOC 2 CC6.1 / CC7.2, ISO 8.16.
CONTROLS = ["pci_dss:10.2.1.4", "nist_800_53:AC-7", "nist_800_53:SI-4", "soc2:CC6.1",
            "soc2:CC7.2", "iso_27001:8.16"]

_SUMMARIES = {
    "brute_force": "brute force: {count} failed attempts from {src_ip} in {minutes} min",
    "password_spraying": "password spraying: {src_ip} tried {count} user names in {minutes} min",
    "distributed_attack": "distributed attack on user {user!r} of {service}: {count} sources "
                          "in {minutes} min",
    "network_attack": "attack from network {key}: {count} failed attempts from "
                      "{n_sources} sources in {minutes} min",
    "service_surge": "surge of failed attempts on {service}: {count} in {minutes} min",
    "privileged_account": "{count} attempts on privileged accounts from {src_ip} in {minutes} min",
    "success_after_failures": "successful login as {user!r} from {src_ip} after {count} failed "
                              "attempts in {minutes} min",
}


def attempt_event(attempt: AuthRecord, host: Host, geo: Geo, source_name: str) -> Event:
    """An `authentication` activity event for one attempt."""
    origin = geo.origin(attempt.src_ip)
    where = f" from {attempt.src_ip}" if attempt.src_ip else ""
    context: dict[str, Any] = {
        "service": attempt.service, "outcome": attempt.outcome, "method": attempt.method,
        "reason": attempt.reason, "log": source_name, "line": attempt.line,
        "origin": origin.as_dict(),
    }
    if attempt.actor:
        context["actor"] = attempt.actor
    observables = {key: value for key, value in (("ip", attempt.src_ip), ("user", attempt.user))
                   if value is not None}
    return Event(time=attempt.time or datetime.now().astimezone(), host=host, source=SOURCE,
                 kind="activity", category="authentication", severity=Severity.INFO,
                 summary=f"{attempt.service} {attempt.outcome}{where}",
                 dedup_key=f"{host.name}:{SOURCE}:{attempt.service}:{attempt.src_ip}",
                 context=context, observables=observables, controls=CONTROLS)


def detection_event(found: Detection, host: Host, geo: Geo) -> Event:
    """A `detection_finding` for an attack."""
    origin = geo.origin(found.src_ip) if found.src_ip else None
    values = {"count": found.count, "src_ip": found.src_ip, "user": found.user,
              "service": found.service, "key": found.key, "minutes": _minutes(found),
              "n_sources": len(found.sources)}
    context: dict[str, Any] = {
        "rule": found.rule, "key": found.key, "count": found.count,
        "threshold": found.threshold, "window_seconds": found.window, "service": found.service,
        "line": found.line,
    }
    if found.first is not None:
        context["first_attempt"] = found.first.isoformat()
    if origin is not None:
        context["origin"] = origin.as_dict()
    if found.sources:
        context["sources"] = [{"ip": ip, **geo.origin(ip).as_dict()} for ip in found.sources]
    if found.users:
        context["users"] = found.users
    observables = {key: value for key, value in (("ip", found.src_ip), ("user", found.user))
                   if value is not None}
    return Event(time=found.time, host=host, source=SOURCE, kind="finding",
                 category="detection_finding", severity=found.severity,
                 summary=_SUMMARIES[found.rule].format(**values),
                 dedup_key=f"{host.name}:{SOURCE}:{found.rule}:{found.key}", context=context,
                 observables=observables, controls=CONTROLS)


def _minutes(found: Detection) -> int:
    """The attack's span in whole minutes (at least 1): from the oldest attempt counted to
    the one that crossed the threshold; the rule's window if that is unknown."""
    if found.first is None:
        return found.window // 60 or 1
    return max(1, math.ceil((found.time - found.first).total_seconds() / 60))


def attempt_metrics(attempts: Counter[tuple[str, str, str]], sources: set[str],
                    users: set[str], host: Host, detections: Counter[str]) -> list[Metric]:
    """`vedette_auth_attempts_total{service,outcome,country}` and the run's gauges."""
    labels = {"host": host.name, **host.labels}
    metrics = [Metric(name="vedette_auth_attempts_total", value=count, type=MetricType.COUNTER,
                      labels={**labels, "service": service, "outcome": outcome,
                              "country": country})
               for (service, outcome, country), count in sorted(attempts.items())]
    metrics.append(Metric(name="vedette_auth_distinct_sources", value=len(sources),
                          labels=labels))
    metrics.append(Metric(name="vedette_auth_distinct_users", value=len(users), labels=labels))
    metrics += [Metric(name="vedette_auth_detections_total", value=detections.get(rule, 0),
                       type=MetricType.COUNTER,
                       labels={**labels, "rule": rule}) for rule in sorted(_SUMMARIES)]
    return metrics


def status_event(host: Host, scope: list[str], counts: dict[str, Any],
                 findings: list[Event]) -> Event:
    highest = Severity.highest([event.severity for event in findings]) or Severity.INFO
    summary = (f"read {counts['lines']} lines: {counts['failures']} failed and "
               f"{counts['successes']} successful attempts, {len(findings)} detections")
    return Event(host=host, source=SOURCE, kind="status", category="authentication",
                 severity=highest, summary=summary, dedup_key=f"{host.name}:{SOURCE}:status",
                 context={"scope": scope, **counts}, controls=CONTROLS)
