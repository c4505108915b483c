"""Puppet's `last_run_report.yaml` (report format 10 and later).

The file is YAML with Ruby object tags (`!ruby/object:Puppet::Transaction::Report`). It
is read with a safe loader that treats every `!ruby/...` tag as the plain mapping,
sequence or scalar under it: nothing in a report can make Vedette build an object.
"""

from __future__ import annotations

from typing import Any

import yaml

from vedette.drift.model import ReportError, Resource, RunReport
from vedette.drift.reports._common import count, parse_time

HEADER = "!ruby/object:Puppet::Transaction::Report"


class ReportLoader(yaml.SafeLoader):
    """SafeLoader that reads Ruby-tagged nodes as plain data."""


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


ReportLoader.add_multi_constructor("!ruby/", _plain)


def looks_like(text: str) -> bool:
    head = text[:4096]
    return HEADER in head or ("resource_statuses:" in text and "puppet_version:" in head)


def load_yaml(text: str, origin: str) -> Any:
    try:
        return yaml.load(text, Loader=ReportLoader)  # a SafeLoader subclass: builds no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ReportError(f"{origin}{where}: invalid or truncated YAML: {problem}") from exc


def _metric_values(metrics: dict[str, Any], category: str) -> dict[str, Any]:
    """`metrics.<category>.values` is a list of [name, label, value] triples."""
    section = metrics.get(category) or {}
    return {row[0]: row[2] for row in section.get("values") or [] if len(row) >= 3}


# Every report of format 10 and later has these; the last one is written last, so a file
# cut short (a full disk, a copy interrupted) lacks it.
REQUIRED = ("host", "time", "status", "metrics", "resource_statuses", "cached_catalog_status")


def parse(document: Any, origin: str, default_host: str) -> list[RunReport]:
    if not isinstance(document, dict) or "host" not in document:
        raise ReportError(f"{origin}: not a Puppet run report (no host)")
    missing = [key for key in REQUIRED if key not in document]
    if missing:
        raise ReportError(f"{origin}: incomplete Puppet report (truncated?): no "
                          + ", ".join(missing))
    report_format = int(document.get("report_format") or 0)
    if report_format and report_format < 10:
        raise ReportError(f"{origin}: Puppet report format {report_format}; "
                          "Vedette reads format 10 and later")
    metrics = document.get("metrics") or {}
    resources = _metric_values(metrics, "resources")
    statuses = document.get("resource_statuses") or {}
    noop = bool(document.get("noop"))
    touched = [_resource(name, status) for name, status in statuses.items()
               if isinstance(status, dict) and _touched(status)]
    changed_metric = "out_of_sync" if noop else "changed"
    changed = count(resources.get(changed_metric), origin, f"metrics.resources.{changed_metric}")
    if not resources:  # a run that failed before applying anything has no metrics
        changed = sum(1 for resource in touched if not resource.failed)
    corrective = resources.get("corrective_change")
    total_time = _metric_values(metrics, "time").get("total")
    status = document.get("status")
    return [RunReport(
        tool="puppet",
        host=str(document["host"]) or default_host,
        started=parse_time(document["time"], origin, "time"),
        changed=changed,
        corrective=(count(corrective, origin, "metrics.resources.corrective_change")
                    if corrective is not None
                    else sum(1 for resource in touched if resource.corrective)),
        failed=count(resources.get("failed"), origin, "metrics.resources.failed")
        + count(resources.get("failed_to_restart"), origin, "metrics.resources.failed_to_restart"),
        total=count(resources["total"], origin, "metrics.resources.total")
        if "total" in resources else None,
        skipped=count(resources.get("skipped"), origin, "metrics.resources.skipped"),
        duration=float(total_time) if total_time is not None else None,
        run_failed=status == "failed" or document.get("transaction_completed") is False,
        noop=noop,
        run_id=document.get("transaction_uuid"),
        code_version=_text(document.get("code_id") or document.get("configuration_version")),
        resources=touched,
    )]


def _touched(status: dict[str, Any]) -> bool:
    return bool(status.get("changed") or status.get("out_of_sync") or status.get("failed"))


def _resource(name: str, status: dict[str, Any]) -> Resource:
    events = status.get("events") or []
    corrective = bool(status.get("corrective_change")) or any(
        isinstance(event, dict) and event.get("corrective_change") for event in events)
    is_file = status.get("resource_type") == "File"
    return Resource(name=str(status.get("resource") or name), corrective=corrective,
                    failed=bool(status.get("failed")),
                    path=str(status.get("title")) if is_file else None)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
