"""Turn a judged run into events and metrics.

Each run gives one status event (its counts and the baseline it was judged by, read back
later as history), an event listing the changes the code asked for (an activity, or a
finding when the baseline says it is unusual), one listing the corrective changes, one
for failures, and the metric samples of the run.
"""

from __future__ import annotations

from typing import Any

from vedette.drift.anomaly import Judgement, Verdict
from vedette.drift.model import Resource, RunReport
from vedette.events import Event, Host, Metric, Severity

SOURCE = "drift"
CATEGORY = "config_drift"
# Evidence these events give (configuration standards, change control, monitoring).
CONTROLS = ["pci_dss:2.2", "pci_dss:6.5.1", "soc2:CC7.1", "soc2:CC8.1", "iso_27001:8.9",
            "iso_27001:8.32", "nist_800_53:CM-3", "nist_800_53:CM-6"]
# An event lists at most this many resources; its counts are always complete.
MAX_LISTED = 200


def _run_context(report: RunReport) -> dict[str, Any]:
    return {"tool": report.tool, "run_id": report.run_id, "run_key": report.key,
            "mode": "noop" if report.noop else "enforce", "started": report.started.isoformat(),
            "code_version": report.code_version, "report": report.origin}


def _listed(resources: list[Resource]) -> list[dict[str, object]]:
    return [resource.as_context() for resource in resources[:MAX_LISTED]]


def status_event(report: RunReport, host: Host, judgement: Judgement) -> Event:
    context = {
        **_run_context(report),
        "changed": report.changed, "intentional": report.intentional,
        "corrective": report.corrective, "failed": report.failed, "total": report.total,
        "skipped": report.skipped, "duration_seconds": report.duration,
        "run_failed": report.run_failed,
        "expected": judgement.expected.as_context() if judgement.expected else None,
        "expected_by_label": [e.as_context() for e in judgement.by_label],
        "verdicts": [v.kind for v in judgement.verdicts],
    }
    state = "failed" if report.run_failed else ("would change" if report.noop else "changed")
    summary = (f"{report.tool} run on {report.host}: {report.changed} {state}"
               + (f" ({report.corrective} corrective)" if report.corrective else "")
               + (f", {report.failed} failed" if report.failed else "")
               + (f" of {report.total}" if report.total is not None else ""))
    return Event(time=report.started, host=host, source=SOURCE, kind="status",
                 category=CATEGORY, severity=judgement.severity, summary=summary,
                 dedup_key=f"{report.host}:{SOURCE}:{report.tool}:status", context=context,
                 controls=CONTROLS)


def _event(report: RunReport, host: Host, name: str, kind: str, severity: Severity,
           summary: str, resources: list[Resource], extra: dict[str, Any]) -> Event:
    paths = sorted({r.path for r in resources if r.path})
    return Event(time=report.started, host=host, source=SOURCE, kind=kind,  # type: ignore[arg-type]
                 category=CATEGORY, severity=severity, summary=summary,
                 dedup_key=f"{report.host}:{SOURCE}:{report.tool}:{name}",
                 context={**_run_context(report), **extra, "count": len(resources),
                          "resources": _listed(resources)},
                 observables={"file.path": paths[0]} if len(paths) == 1 else {},
                 controls=CONTROLS)


def run_events(report: RunReport, host: Host, judgement: Judgement) -> list[Event]:
    """The status event, then the change, corrective and failure events of the run."""
    verdicts = {verdict.kind: verdict for verdict in judgement.verdicts}
    events = [status_event(report, host, judgement)]
    intentional = [r for r in report.resources if not r.corrective and not r.failed]
    flagged: Verdict | None = verdicts.get("anomaly") or verdicts.get("golden")
    if flagged is not None:
        events.append(_event(report, host, "changes", "finding", flagged.severity,
                             f"{report.tool} on {report.host}: {flagged.detail}", intentional,
                             {"verdict": flagged.kind, "changed": report.changed,
                              **flagged.context}))
    elif report.intentional:
        verb = "would change" if report.noop else "changed"
        events.append(_event(report, host, "changes", "activity", Severity.INFO,
                             f"{report.tool} {verb} {report.intentional} resource(s) on "
                             f"{report.host}", intentional,
                             {"changed": report.changed}))
    if "corrective" in verdicts:
        verdict = verdicts["corrective"]
        events.append(_event(report, host, "corrective", "finding", verdict.severity,
                             f"{report.tool} on {report.host}: {verdict.detail}",
                             [r for r in report.resources if r.corrective],
                             {"verdict": "corrective", "corrective": report.corrective}))
    if "failed" in verdicts:
        verdict = verdicts["failed"]
        events.append(_event(report, host, "failed", "finding", verdict.severity,
                             f"{report.tool} on {report.host}: {verdict.detail}",
                             [r for r in report.resources if r.failed],
                             {"verdict": "failed", "failed": report.failed}))
    return events


def missing_event(host: Host, tool: str, verdict: Verdict) -> Event:
    return Event(host=host, source=SOURCE, kind="finding", category=CATEGORY,
                 severity=verdict.severity,
                 summary=f"{tool} on {host.name}: {verdict.detail}",
                 dedup_key=f"{host.name}:{SOURCE}:{tool}:missing",
                 context={"tool": tool, "verdict": "missing", **verdict.context},
                 controls=CONTROLS)


def run_metrics(report: RunReport, host: Host) -> list[Metric]:
    labels = {**host.labels, "host": report.host, "tool": report.tool}
    metrics = [
        Metric(name="vedette_drift_resources_changed", value=report.changed, labels=labels,
               time=report.started),
        Metric(name="vedette_drift_resources_corrective", value=report.corrective,
               labels=labels, time=report.started),
        Metric(name="vedette_drift_resources_failed", value=report.failed, labels=labels,
               time=report.started),
    ]
    if report.duration is not None:
        metrics.append(Metric(name="vedette_drift_run_duration_seconds", value=report.duration,
                              labels=labels, time=report.started))
    return metrics
