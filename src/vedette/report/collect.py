"""Build a report's content from the store: every figure and every population, as plain
data that the HTML, PDF, JSON and CSV renderings share."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from vedette import __version__
from vedette.report import access, dispositions, incidents, operation, privacy
from vedette.report.frameworks import Framework
from vedette.report.holdings import COMPLETED, Holdings, gather
from vedette.report.mapping import MISSING, PARTIAL, PRESENT, controls_appendix, overall
from vedette.report.period import Period
from vedette.report.scope import Pipeline, Scope
from vedette.store import Store

SCHEMA = "vedette.report/1"


def collect(store: Store, period: Period, frameworks: list[Framework], now: datetime,
            hosts: list[str] | None = None, scope: Scope | None = None) -> dict[str, Any]:
    """The report's content, with `integrity.content_sha256` over everything else.
    `hosts` adds to the hosts `scope` names."""
    scope = (scope or Scope()).with_options(hosts or [], [], None)
    with _cyclic_gc_paused():
        return _collect(store, period, frameworks, now, scope)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A month of events kept in memory makes the cyclic collector rescan them again and
    again as sections allocate (tripling the time); they hold no cycles, so pause it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _collect(store: Store, period: Period, frameworks: list[Framework], now: datetime,
             scope: Scope) -> dict[str, Any]:
    holdings = gather(store, period, now, scope)
    samples = [m for m in store.metrics(access.ATTEMPTS_METRIC, since=period.start)
               if period.contains(m.time)]
    fim_grid = operation.weekly_grid(holdings, "fim", "file_system_activity")
    drift_grid = operation.weekly_grid(holdings, "drift", "config_drift")
    auth_grid = operation.daily_grid(holdings, "auth", "authentication")
    fim_rows = dispositions.fim_findings(holdings)
    drift_rows = dispositions.drift_changes(holdings)
    attempts = access.access(holdings, samples)
    found = privacy.privacy(holdings, scope)
    register = _incidents(store, period, now)
    coverage = _coverage(holdings, scope)
    exceptions = _exceptions(holdings, fim_grid, drift_grid, auth_grid, coverage, found,
                             register)
    evidence = _evidence(coverage, fim_grid, drift_grid, auth_grid, fim_rows, found, register)
    tagged = Counter(c for e in holdings.in_period_events for c in e.controls)
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "metadata": {
            "title": "Security and privacy evidence report",
            "period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                       "label": period.label},
            "generated_at": now.isoformat(), "timezone": "UTC",
            "vedette_version": __version__,
            "frameworks": [{"id": f.id, "name": f.catalogue.name,
                            "version": f.catalogue.version} for f in frameworks],
            "rule_sets": {**{f.file: f.sha256 for f in frameworks},
                          incidents.CLOCKS_FILE.name: hashlib.sha256(
                              incidents.CLOCKS_FILE.read_bytes()).hexdigest()},
            "fim_policies": operation.policies(holdings),
            "scope": {"hosts": holdings.hosts, "selection": "given" if scope.hosts else
                      "every host known to the store",
                      "pipelines": [str(p) for p in scope.pipelines],
                      "lookback_days": scope.lookback.days,
                      "cde": {"hosts": sorted(scope.cde_hosts),
                              "stores": list(scope.cde_stores)}},
        },
        "coverage": coverage,
        "operation": {"fim_weekly": fim_grid, "drift_weekly": drift_grid,
                      "auth_daily": auth_grid, "failed_runs": operation.failed_runs(holdings)},
        "findings": {"fim": fim_rows, "fim_counts": dispositions.counts(fim_rows),
                     "drift": drift_rows, "drift_counts": dispositions.counts(drift_rows)},
        "access": attempts,
        "privacy": found,
        "incidents": register,
        "exceptions": exceptions,
        "evidence": evidence,
        "controls": controls_appendix(frameworks, evidence, tagged),
        "populations": {
            "fim_runs": operation.run_population(holdings, "fim"),
            "drift_runs": operation.run_population(holdings, "drift"),
            "auth_runs": operation.run_population(holdings, "auth"),
            "privacy_runs": operation.run_population(holdings, "privacy"),
        },
    }
    report["integrity"] = {"algorithm": "sha256", "content_sha256": content_hash(report),
                           "covers": "the canonical JSON of every key but 'integrity'"}
    return report


def content_hash(report: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the report without its `integrity` block, so a
    reader can recompute it from the JSON rendering."""
    body = {key: value for key, value in report.items() if key != "integrity"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _coverage(holdings: Holdings, scope: Scope) -> dict[str, Any]:
    reporting = {r.host for r in holdings.runs if holdings.in_period(r.started_at)}
    reporting |= {e.host.name for e in holdings.in_period_events}
    last_seen: dict[str, datetime] = {}
    # Pipelines remember the lookback too: a host silent since then was still seen.
    for host, moment in [*((r.host, r.started_at) for r in holdings.runs),
                         *((e.host.name, e.time) for e in holdings.events),
                         *((p.host, t) for p, t in holdings.pipelines.items() if t)]:
        if host not in last_seen or moment > last_seen[host]:
            last_seen[host] = moment
    rows = [{"host": host, "reporting": host in reporting,
             "labels": ", ".join(f"{k}={v}" for k, v in sorted(holdings.labels[host].items())),
             "last_seen": last_seen[host].isoformat() if host in last_seen else ""}
            for host in holdings.hosts]
    count = sum(1 for row in rows if row["reporting"])
    pipelines = _pipelines(holdings, set(scope.pipelines))
    streaming = sum(1 for row in pipelines if row["reporting"])
    return {"in_scope": len(rows), "reporting": count, "percent": _percent(count, len(rows)),
            "hosts": rows,
            "pipeline_summary": {"in_scope": len(pipelines), "reporting": streaming,
                                 "percent": _percent(streaming, len(pipelines)),
                                 "lookback_days": scope.lookback.days},
            "pipelines": pipelines}


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _pipelines(holdings: Holdings, named: set[Pipeline]) -> list[dict[str, Any]]:
    """One row per expected pipeline: reported when a run of it completed in the period
    or it delivered events in the period (its runs recorded elsewhere, e.g. by an agent)."""
    runs: Counter[tuple[str, str]] = Counter(
        (r.host, r.source) for r in holdings.runs if holdings.in_period(r.started_at)
        and r.ended_at is not None and r.outcome in COMPLETED)
    events: Counter[tuple[str, str]] = Counter(
        (e.host.name, e.source) for e in holdings.in_period_events)
    rows = []
    for pipeline, last in holdings.pipelines.items():
        key = (pipeline.host, pipeline.source)
        expected_from = [*(["store"] if last is not None else []),
                         *(["scope"] if pipeline in named else [])]
        rows.append({"pipeline": str(pipeline), "host": pipeline.host,
                     "source": pipeline.source, "expected_from": ", ".join(expected_from),
                     "reporting": bool(runs[key] or events[key]),
                     "completed_runs": runs[key], "events": events[key],
                     "last_seen": last.isoformat(timespec="seconds") if last else ""})
    return rows


def _incidents(store: Store, period: Period, now: datetime) -> list[dict[str, Any]]:
    """Incidents open at any time in the period, each with its clocks as of `now`."""
    rows = []
    for incident in incidents.register(store).values():
        if incident.became_aware_at >= period.end:
            continue
        if incident.closed_at is not None and incident.closed_at < period.start:
            continue
        clocks = [{"clock": c.rule.id, "title": c.rule.title, "basis": c.rule.basis,
                   "due": c.due.isoformat(), "done_at": c.done_at.isoformat() if c.done_at
                   else "", "state": c.state, "hours_left": round(c.seconds_left / 3600, 1)}
                  for c in incidents.clocks(incident, now)]
        rows.append({**incident.model_dump(mode="json"), "clocks": clocks})
    return rows


def _exceptions(holdings: Holdings, fim_grid: dict[str, Any], drift_grid: dict[str, Any],
                auth_grid: dict[str, Any], coverage: dict[str, Any], found: dict[str, Any],
                register: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []

    def add(area: str, host: str, what: str, when: str, controls: str) -> None:
        items.append({"id": f"EXC-{len(items) + 1:03d}", "area": area, "host": host,
                      "what": what, "when": when, "controls": controls})

    for row in coverage["hosts"]:
        if not row["reporting"]:
            add("coverage", row["host"], "host in scope sent nothing in the period",
                f"last seen {row['last_seen'] or 'never'}", "pci_dss:12.5.2, pci_dss:10.7.2")
    silent_hosts = {row["host"] for row in coverage["hosts"] if not row["reporting"]}
    for row in coverage["pipelines"]:
        # A silent host's pipelines are all silent: its own exception says so.
        if not row["reporting"] and row["host"] not in silent_hosts:
            add("coverage", row["host"], f"pipeline {row['pipeline']} sent nothing in the "
                "period", f"last seen {row['last_seen'] or 'never'}",
                "pci_dss:12.5.2, pci_dss:10.7.2")
    for gap in operation.gaps(fim_grid):
        add("integrity checks", gap["host"],
            f"no completed integrity check in {gap['slots']} week(s)",
            _span(gap), "pci_dss:11.5.2")
    for gap in operation.gaps(auth_grid):
        add("access monitoring", gap["host"],
            f"auth-log monitoring did not run on {gap['slots']} day(s)", _span(gap),
            "pci_dss:10.2.1.4, pci_dss:10.7.2")
    for gap in operation.gaps(drift_grid):
        add("configuration management", gap["host"],
            f"no configuration-management run in {gap['slots']} week(s)", _span(gap),
            "pci_dss:2.2, soc2:CC7.1")
    for run in operation.failed_runs(holdings):
        add("control failure", run["host"],
            f"{run['source']} {run['name']} run {run['run_id']} ended: {run['outcome']}",
            run["started_at"], "pci_dss:10.7.2")
    for row in found["cards_outside_cde"]:
        add("privacy", row["host"],
            f"{row['count']} card number(s) found outside the cardholder-data environment "
            f"({row['source']}{', ' + row['store'] if row['store'] else ''})", row["time"],
            "pci_dss:3.5.1, pci_dss:12.10.7")
    for flow in found["flows"]:
        if flow["legal_basis"] == "none":
            add("privacy", "", f"personal data ({flow['types']}) flowing from {flow['from']} "
                f"to {flow['to']} with no legal basis recorded", "", "gdpr:art44, lgpd:art33")
    for incident in register:
        for clock in incident["clocks"]:
            if clock["state"] in ("overrun", "late"):
                add("incident", "", f"{incident['id']}: {clock['title']} ({clock['basis']}) "
                    f"{clock['state']}", f"due {clock['due']}", clock["basis"])
    return items


def _span(gap: dict[str, Any]) -> str:
    return gap["from"] if gap["from"] == gap["to"] else f"{gap['from']} to {gap['to']}"


def _graded(ok: int, expected: int) -> str:
    if expected and ok == expected:
        return PRESENT
    return PARTIAL if ok else MISSING


def _evidence(coverage: dict[str, Any], fim_grid: dict[str, Any], drift_grid: dict[str, Any],
              auth_grid: dict[str, Any], fim_rows: list[dict[str, Any]],
              found: dict[str, Any], register: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Per evidence kind named by the catalogues: what is held and its status."""
    fim, drift, auth = fim_grid["summary"], drift_grid["summary"], auth_grid["summary"]
    open_fim = sum(1 for row in fim_rows if row["disposition"] == dispositions.OPEN)
    scanned = found["scans"] > 0 or found["findings"] > 0
    cards = len(found["cards_outside_cde"])
    redaction = found["redaction"]
    unlawful = sum(1 for flow in found["flows"] if flow["legal_basis"] == "none")
    overrun = sum(1 for i in register for c in i["clocks"] if c["state"] in ("overrun", "late"))
    pipelines = coverage["pipeline_summary"]
    return {
        "scope_coverage": {
            "status": overall([_graded(coverage["reporting"], coverage["in_scope"]),
                               _graded(pipelines["reporting"], pipelines["in_scope"])]),
            "held": f"{coverage['reporting']}/{coverage['in_scope']} hosts and "
                    f"{pipelines['reporting']}/{pipelines['in_scope']} pipelines in scope "
                    "reported"},
        "fim_operation": {
            "status": _graded(fim["ok"], fim["expected"]),
            "held": f"integrity checks completed in {fim['ok']}/{fim['expected']} host-weeks"},
        "fim_dispositions": {
            "status": MISSING if not fim["ok"] else PARTIAL if open_fim else PRESENT,
            "held": f"{len(fim_rows)} integrity findings, {open_fim} open"},
        "drift_operation": {
            "status": _graded(drift["ok"], drift["expected"]),
            "held": f"configuration-management runs in {drift['ok']}/{drift['expected']} "
                    "host-weeks"},
        "auth_monitoring": {
            "status": _graded(auth["ok"], auth["expected"]),
            "held": f"auth-log monitoring on {auth['ok']}/{auth['expected']} host-days"},
        "privacy_scanning": {
            "status": PRESENT if scanned else MISSING,
            "held": f"{found['scans']} personal-data scans, {found['findings']} findings"},
        "pan_containment": {
            "status": MISSING if not scanned else PARTIAL if cards else PRESENT,
            "held": f"{cards} card-number findings outside the cardholder-data environment"},
        "redaction": {
            "status": MISSING if redaction["percent"] is None else
            PRESENT if redaction["percent"] == 100 else PARTIAL,
            "held": "no personal data seen in flight" if redaction["percent"] is None else
            f"{redaction['percent']}% of personal data seen in flight was redacted"},
        "region_flows": {
            "status": MISSING if not scanned else PARTIAL if unlawful else PRESENT,
            "held": f"{len(found['flows'])} cross-region flows, {unlawful} without a legal "
                    "basis"},
        "incident_register": {
            "status": MISSING if not register else PARTIAL if overrun else PRESENT,
            "held": f"{len(register)} incidents in the register, {overrun} clocks overrun or "
                    "late" if register else "no incident recorded in the period (an empty "
                    "register does not show that none occurred)"},
        "report_integrity": {
            "status": PRESENT,
            "held": "report content hash, period, scope, versions and sign-off block"},
    }
