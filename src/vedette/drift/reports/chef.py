"""Chef Infra run data, in either of the two JSON shapes Chef writes:

* the run status a report handler sees (`Chef::Handler::JsonFile` writes it):
  `node`, `start_time`, `end_time`, `elapsed_time`, `all_resources`, `updated_resources`,
  `success`, `exception`, `run_id`;
* the data collector's `run_converge` message (sent to Automate, or written to a file):
  `node_name`, `status`, `total_resource_count`, `updated_resource_count`, `resources`.
"""

from __future__ import annotations

from typing import Any

from vedette.drift.model import ReportError, Resource, RunReport
from vedette.drift.reports._common import count, parse_time


def looks_like(document: dict[str, Any]) -> bool:
    return document.get("message_type") == "run_converge" or (
        "updated_resources" in document and ("elapsed_time" in document
                                             or "all_resources" in document))


def parse(document: Any, origin: str, default_host: str) -> list[RunReport]:
    if not isinstance(document, dict) or not looks_like(document):
        raise ReportError(f"{origin}: not Chef run data (no updated_resources or run_converge)")
    if document.get("message_type") == "run_converge":
        return [_from_data_collector(document, origin, default_host)]
    return [_from_handler(document, origin, default_host)]


def resource_name(resource: Any) -> str:
    """`type[name]`, from a resource as Chef serialises it (flat, or as instance_vars)."""
    if isinstance(resource, str):
        return resource
    if not isinstance(resource, dict):
        return str(resource)
    fields = resource.get("instance_vars") or resource
    kind = (fields.get("resource_name") or fields.get("@resource_name") or fields.get("type")
            or fields.get("declared_type") or "resource")
    name = fields.get("name") or fields.get("@name") or fields.get("id") or "?"
    return f"{kind}[{name}]"


_FILE_TYPES = {"file", "template", "cookbook_file", "remote_file", "link", "directory"}


def resource_of(resource: Any, failed: bool = False) -> Resource:
    name = resource_name(resource)
    kind, _, title = name.partition("[")
    path = title.rstrip("]") if kind in _FILE_TYPES and title.startswith("/") else None
    return Resource(name=name, failed=failed, path=path)


def _node_name(document: dict[str, Any], default_host: str) -> str:
    node = document.get("node")
    if isinstance(node, dict):
        return str(node.get("name") or node.get("automatic", {}).get("fqdn") or default_host)
    return str(node or document.get("node_name") or default_host)


def _from_handler(document: dict[str, Any], origin: str, default_host: str) -> RunReport:
    updated = document.get("updated_resources") or []
    all_resources = document.get("all_resources")
    failed = document.get("success") is False or bool(document.get("exception"))
    ended = document.get("end_time")
    started = parse_time(document["start_time"], origin, "start_time")
    elapsed = document.get("elapsed_time")
    if elapsed is None and ended:
        elapsed = (parse_time(ended, origin, "end_time") - started).total_seconds()
    return RunReport(
        tool="chef", host=_node_name(document, default_host), started=started,
        changed=len(updated), failed=1 if failed else 0,
        total=len(all_resources) if isinstance(all_resources, list) else None,
        duration=float(elapsed) if elapsed is not None else None, run_failed=failed,
        run_id=document.get("run_id"),
        resources=[resource_of(resource) for resource in updated],
    )


def _from_data_collector(document: dict[str, Any], origin: str, default_host: str) -> RunReport:
    resources = document.get("resources") or []
    touched = [resource_of(r, failed=r.get("status") == "failed")
               for r in resources if r.get("status") in ("updated", "failed")]
    started = parse_time(document["start_time"], origin, "start_time")
    ended = document.get("end_time")
    return RunReport(
        tool="chef", host=str(document.get("node_name") or default_host), started=started,
        changed=count(document.get("updated_resource_count"), origin, "updated_resource_count"),
        failed=sum(1 for r in touched if r.failed),
        total=count(document.get("total_resource_count"), origin, "total_resource_count"),
        duration=(parse_time(ended, origin, "end_time") - started).total_seconds()
        if ended else None,
        run_failed=document.get("status") == "failure", run_id=document.get("run_id"),
        code_version=document.get("policy_revision") or document.get("policy_name"),
        resources=touched,
    )
