"""Elastic Common Schema documents for events and metric samples.

File events take Auditbeat's `file_integrity` shape (so Kibana's FIM views and SIEM rules
work); authentication events the Filebeat `system.auth` one; every document keeps
Vedette's own fields under `vedette.*`.
"""

from __future__ import annotations

from typing import Any

from vedette.events import Event, Metric
from vedette.pipeline.filters import is_resolution

ECS_VERSION = "8.11.0"

_FIM_ACTIONS = {"added": "created", "deleted": "deleted", "renamed": "moved"}
_ACTION_TYPES = {"created": "creation", "deleted": "deletion"}
_CATEGORIES = {"file_system_activity": ["file"], "authentication": ["authentication"],
               "config_drift": ["configuration"], "compliance_finding": ["configuration"],
               "data_security_finding": ["file"], "detection_finding": ["intrusion_detection"]}


def _iso(event_time: Any) -> str:
    return event_time.isoformat().replace("+00:00", "Z")


def event_document(event: Event) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@timestamp": _iso(event.time),
        "ecs": {"version": ECS_VERSION},
        "message": event.summary,
        "host": {"name": event.host.name, "hostname": event.host.name},
        "event": {
            "kind": "alert" if event.kind == "finding" else "event",
            "category": _CATEGORIES.get(event.category, ["host"]),
            "type": ["info"],
            "module": "vedette",
            "dataset": f"vedette.{event.source}",
            "severity": event.severity.ocsf_id,
        },
        "vedette": {"source": event.source, "kind": event.kind, "category": event.category,
                    "severity": event.severity.value, "dedup_key": event.dedup_key,
                    "controls": event.controls, "context": event.context},
    }
    if event.host.labels:
        document["labels"] = dict(event.host.labels)
    if is_resolution(event):
        document["event"]["type"] = ["end"]
    if event.category == "file_system_activity" and "file.path" in event.observables:
        _file_integrity(event, document)
    if event.category == "authentication":
        _authentication(event, document)
    return document


def _file_integrity(event: Event, document: dict[str, Any]) -> None:
    change = event.context.get("change")
    attributes = set(event.context.get("attributes", {}))
    if change in _FIM_ACTIONS:
        actions = [_FIM_ACTIONS[change]]
    else:
        actions = (["updated"] if "content" in attributes else []) + \
            (["attributes_modified"] if attributes - {"content"} else [])
    document["event"].update(module="file_integrity", dataset="file")
    if actions:
        document["event"]["action"] = actions
        document["event"]["type"] = sorted({_ACTION_TYPES.get(a, "change") for a in actions})
    file: dict[str, Any] = {"path": event.observables["file.path"]}
    state = event.context.get("after") or event.context.get("before") or {}
    for key in ("size", "type", "owner", "group", "mtime", "ctime"):
        source_key = {"owner": "user"}.get(key, key)
        if source_key in state:
            file[key] = state[source_key]
    for key in ("inode", "mode", "uid", "gid"):  # strings, as Auditbeat writes them
        if key in state:
            file[key] = str(state[key])
    if state.get("hashes"):
        file["hash"] = dict(state["hashes"])
    if "target" in state:
        file["target_path"] = state["target"]
    name = file["path"].rstrip("/").rsplit("/", 1)[-1]
    if "." in name.strip("."):
        file["extension"] = name.rsplit(".", 1)[-1]
    document["file"] = file


def _authentication(event: Event, document: dict[str, Any]) -> None:
    outcome = event.context.get("outcome")
    if outcome in ("success", "failure"):
        document["event"]["outcome"] = outcome
    if "user" in event.observables:
        document["user"] = {"name": event.observables["user"]}
    if "ip" in event.observables:
        document["source"] = {"ip": event.observables["ip"]}


def metric_document(metric: Metric) -> dict[str, Any]:
    return {"@timestamp": _iso(metric.time), "ecs": {"version": ECS_VERSION},
            "event": {"kind": "metric", "module": "vedette", "dataset": "vedette.metrics"},
            "labels": dict(metric.labels),
            "vedette": {"metric": {"name": metric.name, "value": metric.value,
                                   "type": metric.type.value}}}
