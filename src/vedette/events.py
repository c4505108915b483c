"""The one event model: every check yields `Event`s and `Metric`s, every sink consumes them.

Fields follow OCSF closely enough that mapping to OCSF (see `to_ocsf`) or ECS is a
sink's job, not a rewrite.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vedette import __version__

OCSF_VERSION = "1.8.0"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def ocsf_id(self) -> int:
        """OCSF severity_id: 1 Informational ... 5 Critical."""
        return _SEVERITY_ORDER.index(self) + 1

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def highest(cls, severities: list[Severity]) -> Severity | None:
        return max(severities, key=lambda s: s.rank) if severities else None


_SEVERITY_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
OCSF_SEVERITY_CAPTIONS = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}

Kind = Literal["finding", "activity", "status"]
Category = Literal[
    "file_system_activity",
    "authentication",
    "detection_finding",
    "data_security_finding",
    "compliance_finding",
    "config_drift",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_host() -> Host:
    return Host(name=socket.gethostname())


class Host(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    labels: dict[str, str] = Field(default_factory=dict)


class Event(BaseModel):
    """Something a check observed. `summary` is for humans and never holds raw personal data."""

    model_config = ConfigDict(extra="forbid")

    time: AwareDatetime = Field(default_factory=utcnow)
    host: Host = Field(default_factory=local_host)
    source: str
    kind: Kind
    category: Category
    severity: Severity = Severity.INFO
    summary: str
    dedup_key: str
    context: dict[str, Any] = Field(default_factory=dict)
    observables: dict[str, Any] = Field(default_factory=dict)
    controls: list[str] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        return cls.model_validate_json(text)


class MetricType(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"


class Metric(BaseModel):
    """One sample, named the Prometheus way: `vedette_fim_changes_total{severity="high"}`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    value: float
    labels: dict[str, str] = Field(default_factory=dict)
    time: AwareDatetime = Field(default_factory=utcnow)
    type: MetricType = MetricType.GAUGE

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Metric:
        return cls.model_validate_json(text)


# --- OCSF -------------------------------------------------------------------------------

_FILE_ACTIVITY = {"create": 1, "read": 2, "update": 3, "delete": 4, "rename": 5,
                  "set_attributes": 6, "set_security": 7}
_FILE_ACTIVITY_NAMES = {1: "Create", 2: "Read", 3: "Update", 4: "Delete", 5: "Rename",
                        6: "Set Attributes", 7: "Set Security", 99: "Other"}
_FILE_TYPE_IDS = {"file": 1, "dir": 2, "chardev": 3, "blockdev": 4, "socket": 5, "fifo": 6,
                  "symlink": 7}
_HASH_ALGORITHM_IDS = {"md5": 1, "sha1": 2, "sha256": 3, "sha512": 4}
# Attributes whose change is a change of security (owner, permissions, ACLs, capabilities).
_SECURITY_ATTRIBUTES = {"mode", "uid", "gid", "acl", "capabilities"}


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _file_activity_id(event: Event) -> int:
    change = event.context.get("change")
    if change in ("added", "deleted", "renamed"):
        return {"added": 1, "deleted": 4, "renamed": 5}[change]
    changed = set(event.context.get("attributes", {}))
    if changed & {"content", "size", "type", "target"}:
        return _FILE_ACTIVITY["update"]
    if changed & _SECURITY_ATTRIBUTES:
        return _FILE_ACTIVITY["set_security"]
    if changed:
        return _FILE_ACTIVITY["set_attributes"]
    return 99


def _ocsf_file(path: str, state: dict[str, Any] | None) -> dict[str, Any]:
    name = path.rstrip("/").rsplit("/", 1)[-1] or "/"
    file: dict[str, Any] = {"name": name, "path": path, "type_id": 0}
    if not state:
        return file
    file["type_id"] = _FILE_TYPE_IDS.get(state.get("type", ""), 99)
    if "size" in state:
        file["size"] = state["size"]
    if "inode" in state:
        file["uid"] = str(state["inode"])
    if "mtime" in state:
        file["modified_time"] = _epoch_ms(datetime.fromisoformat(state["mtime"]))
    hashes = [
        {"algorithm_id": _HASH_ALGORITHM_IDS.get(algorithm, 99), "algorithm": algorithm.upper(),
         "value": value}
        for algorithm, value in state.get("hashes", {}).items()
    ]
    if hashes:
        file["hashes"] = hashes
    # OCSF's file object has no POSIX mode/uid/gid: carry them as xattributes, as strings.
    posix = {key: str(state[key]) for key in ("mode", "uid", "gid") if key in state}
    if posix:
        file["xattributes"] = posix
    if "user" in state:
        file["owner"] = {"name": state["user"], "uid": str(state.get("uid", ""))}
    return file


def to_ocsf(event: Event) -> dict[str, Any]:
    """Map an event to an OCSF record. Covers the file-system classes; others raise ValueError."""
    if event.category != "file_system_activity":
        raise ValueError(f"no OCSF mapping yet for category {event.category!r}")
    path = event.observables.get("file.path")
    if path is None:
        raise ValueError("a file_system_activity event needs observables['file.path'] for OCSF")
    activity_id = _file_activity_id(event)
    class_uid = 1001
    before, after = event.context.get("before"), event.context.get("after")
    record: dict[str, Any] = {
        "category_uid": 1,
        "category_name": "System Activity",
        "class_uid": class_uid,
        "class_name": "File System Activity",
        "activity_id": activity_id,
        "activity_name": _FILE_ACTIVITY_NAMES[activity_id],
        "type_uid": class_uid * 100 + activity_id,
        "severity_id": event.severity.ocsf_id,
        "severity": OCSF_SEVERITY_CAPTIONS[event.severity.ocsf_id],
        "time": _epoch_ms(event.time),
        "message": event.summary,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "Vedette", "vendor_name": "Vedette", "version": __version__,
                        "feature": {"name": event.source}},
            "uid": event.dedup_key,
        },
        "device": {"type_id": 0, "hostname": event.host.name, "name": event.host.name},
        "actor": {"app_name": "vedette"},
        "file": _ocsf_file(path, after or before),
        "observables": [{"name": "file.path", "type_id": 7, "value": path}],
        "unmapped": {"context": event.context, "controls": event.controls,
                     "labels": event.host.labels},
    }
    if before and after:
        record["file_result"] = _ocsf_file(path, after)
        record["file"] = _ocsf_file(event.context.get("from_path", path), before)
        record["file_diff"] = json.dumps(event.context.get("attributes", {}), sort_keys=True)
    return record
