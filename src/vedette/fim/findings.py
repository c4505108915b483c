"""Turn changes into events and metrics: one finding per changed path, one status per run."""

from __future__ import annotations

from collections import Counter
from typing import Any

from vedette.events import Event, Host, Metric, Severity
from vedette.fim.compare import Change, describe, display_path
from vedette.fim.inspect import TYPE, Problem

SOURCE = "fim"
CATEGORY = "file_system_activity"
# The status event carries at most this many problems; the count is always complete.
MAX_LISTED_PROBLEMS = 100


def change_event(change: Change, host: Host) -> Event:
    path = display_path(change.path)
    context: dict[str, Any] = {"change": change.kind, "rule": change.verdict.rule,
                               "attributes": {}}
    before = describe(change.before) if change.before else None
    after = describe(change.after) if change.after else None
    if before is not None:
        context["before"] = before
    if after is not None:
        context["after"] = after
    for name in change.attributes:
        if name == "path":
            continue
        context["attributes"][name] = {"before": _shown(name, before), "after": _shown(name, after)}
    if change.from_path is not None:
        context["from_path"] = display_path(change.from_path)
        context["attributes"]["path"] = {"before": context["from_path"], "after": path}
    return Event(host=host, source=SOURCE, kind="finding", category=CATEGORY,
                 severity=change.severity, summary=_summary(change, path, context),
                 dedup_key=f"{host.name}:{SOURCE}:{path}", context=context,
                 observables={"file.path": path}, controls=list(change.verdict.controls))


def _shown(name: str, state: dict[str, Any] | None) -> Any:
    if state is None:
        return None
    if name == "content":
        return state.get("hashes")
    return state.get(name)


def _summary(change: Change, path: str, context: dict[str, Any]) -> str:
    if change.kind == "added":
        return f"new {change.after[TYPE] if change.after else 'path'}: {path!r}"
    if change.kind == "deleted":
        return f"deleted: {path!r}"
    if change.kind == "renamed":
        return f"renamed: {context['from_path']!r} -> {path!r}"
    return f"changed {', '.join(change.attributes)}: {path!r}"


def status_event(host: Host, scope: list[str], scanned: int, changes: list[Change],
                 problems: list[Problem], baseline_ok: bool, controls: tuple[str, ...]
                 ) -> Event:
    by_severity = Counter(change.severity.value for change in changes)
    by_kind = Counter(change.kind for change in changes)
    highest = Severity.highest([change.severity for change in changes]) or Severity.INFO
    if not baseline_ok:
        highest = Severity.CRITICAL
    context: dict[str, Any] = {
        "scope": scope, "scanned": scanned, "changes": len(changes),
        "by_severity": {s.value: by_severity.get(s.value, 0) for s in Severity},
        "by_kind": dict(by_kind), "problems": len(problems), "baseline_verified": baseline_ok,
        "problem_list": [{"path": display_path(p.path), "problem": p.message}
                         for p in problems[:MAX_LISTED_PROBLEMS]],
    }
    if not baseline_ok:
        summary = "file integrity baseline failed verification"
    else:
        summary = (f"checked {scanned} paths: {len(changes)} changed"
                   + (f", {len(problems)} problems" if problems else ""))
    return Event(host=host, source=SOURCE, kind="status", category=CATEGORY, severity=highest,
                 summary=summary, dedup_key=f"{host.name}:{SOURCE}:status", context=context,
                 controls=list(controls))


def tamper_event(host: Host, baseline: str, message: str, controls: tuple[str, ...]) -> Event:
    return Event(host=host, source=SOURCE, kind="finding", category=CATEGORY,
                 severity=Severity.CRITICAL, summary=f"baseline failed verification: {baseline!r}",
                 dedup_key=f"{host.name}:{SOURCE}:baseline:{baseline}",
                 context={"change": "baseline_tampered", "detail": message, "attributes": {}},
                 observables={"file.path": baseline}, controls=list(controls))


def run_metrics(host: Host, scanned: int, changes: list[Change], problems: int,
                duration: float) -> list[Metric]:
    labels = {"host": host.name, **host.labels}
    by_severity = Counter(change.severity.value for change in changes)
    metrics = [Metric(name="vedette_fim_changes", value=by_severity.get(s.value, 0),
                      labels={**labels, "severity": s.value}) for s in Severity]
    metrics += [
        Metric(name="vedette_fim_files_scanned", value=scanned, labels=labels),
        Metric(name="vedette_fim_problems", value=problems, labels=labels),
        Metric(name="vedette_fim_check_duration_seconds", value=duration, labels=labels),
    ]
    return metrics


__all__ = ["change_event", "run_metrics", "status_event", "tamper_event"]
