"""The event model: JSON round trips, validation, severities and the OCSF mapping."""

from __future__ import annotations

import hashlib
import os
import re
import struct
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import ROOT, Tree, needs_root, write
from vedette import __version__
from vedette.events import OCSF_VERSION, Event, Host, Metric, MetricType, Severity, to_ocsf


def make_event(**overrides: Any) -> Event:
    fields: dict[str, Any] = {
        "time": datetime(2024, 5, 17, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))),
        "host": Host(name="web-1", labels={"env": "prod", "site": "par"}),
        "source": "fim", "kind": "finding", "category": "file_system_activity",
        "severity": Severity.HIGH, "summary": "changed content: '/etc/x'",
        "dedup_key": "web-1:fim:/etc/x",
        "context": {"change": "modified", "attributes": {"size": {"before": 1, "after": 2}},
                    "nested": [1, 2.5, None, True, "é"]},
        "observables": {"file.path": "/etc/x"},
        "controls": ["pci_dss:11.5.2", "gdpr:art32"],
    }
    fields.update(overrides)
    return Event(**fields)


# --- JSON -----------------------------------------------------------------------------------

def test_event_json_round_trip() -> None:
    event = make_event()
    text = event.to_json()
    again = Event.from_json(text)
    assert again == event
    assert again.time == event.time and again.time.utcoffset() == timedelta(hours=2)
    assert again.host.labels == {"env": "prod", "site": "par"}
    assert Event.from_json(text.encode()) == event


def test_metric_json_round_trip() -> None:
    metric = Metric(name="vedette_fim_changes", value=3.0, labels={"severity": "high"},
                    time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), type=MetricType.COUNTER)
    again = Metric.from_json(metric.to_json())
    assert again == metric
    assert again.type is MetricType.COUNTER


def test_event_defaults_are_now_and_this_host() -> None:
    event = Event(source="fim", kind="status", category="file_system_activity", summary="s",
                  dedup_key="k")
    assert event.time.tzinfo is not None
    assert abs(datetime.now(UTC) - event.time) < timedelta(seconds=60)
    assert event.host.name and event.severity is Severity.INFO


@pytest.mark.parametrize("model", ["event", "metric"])
def test_naive_time_is_rejected(model: str) -> None:
    naive = datetime(2024, 5, 17, 8, 30)
    with pytest.raises(ValidationError, match="time"):
        if model == "event":
            make_event(time=naive)
        else:
            Metric(name="x", value=1, time=naive)


def test_naive_time_in_json_is_rejected() -> None:
    text = make_event().to_json().replace("+02:00", "")
    with pytest.raises(ValidationError):
        Event.from_json(text)


def test_unknown_fields_and_values_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_event(colour="red")
    with pytest.raises(ValidationError):
        make_event(kind="rumour")
    with pytest.raises(ValidationError):
        make_event(category="gossip")
    with pytest.raises(ValidationError):
        make_event(severity="urgent")


# --- severities -----------------------------------------------------------------------------

def test_severity_ocsf_ids_and_order() -> None:
    assert [s.ocsf_id for s in Severity] == [1, 2, 3, 4, 5]
    assert list(Severity) == [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH,
                              Severity.CRITICAL]
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4]
    assert Severity.CRITICAL.ocsf_id == 5 and Severity.INFO.ocsf_id == 1


def test_severity_highest() -> None:
    assert Severity.highest([]) is None
    assert Severity.highest([Severity.LOW]) is Severity.LOW
    # Alphabetically "medium" > "low" > "high" > "critical": the rank must decide, not the text.
    assert Severity.highest([Severity.MEDIUM, Severity.CRITICAL, Severity.LOW]) \
        is Severity.CRITICAL
    assert Severity.highest([Severity.LOW, Severity.HIGH, Severity.MEDIUM]) is Severity.HIGH
    assert Severity.highest([Severity.INFO, Severity.INFO]) is Severity.INFO


# --- metric names ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["vedette_fim_changes", "up", "_private", "ns:sub_total",
                                  ":colon_first", "A1_b2"])
def test_prometheus_metric_names_are_accepted(name: str) -> None:
    assert Metric(name=name, value=1).name == name


@pytest.mark.parametrize("name", ["", "1abc", "vedette-fim", "with space", "dotted.name",
                                  "caf\u00e9", "x\n", "a{b}"])
def test_invalid_metric_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError):
        Metric(name=name, value=1)


# --- OCSF, from a real check -----------------------------------------------------------------

CAP_NET_RAW = 13
ACL_ENTRIES = [(1, 6, 0xFFFFFFFF), (2, 7, 4242), (4, 4, 0xFFFFFFFF), (0x10, 7, 0xFFFFFFFF),
               (0x20, 4, 0xFFFFFFFF)]


def _acl(entries: list[tuple[int, int, int]]) -> bytes:
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by_path(tree: Tree, events: list[Event]) -> dict[str, Event]:
    return {os.path.relpath(e.observables["file.path"], tree.root): e for e in events}


@pytest.fixture
def changed(tree: Tree) -> tuple[Tree, dict[str, Event], dict[str, bytes]]:
    """A tree with one change of each kind, and the findings of a check."""
    root = tree.root
    write(root / "etc" / "acl.conf", "a")
    write(root / "etc" / "owned.conf", "o")
    write(root / "etc" / "caps.conf", "c")
    tree.accept("set up more files")
    old_ssh = (root / "bin" / "ssh").read_bytes()
    new_ssh = b"\x7fELF trojaned ssh"
    (root / "bin" / "ssh").write_bytes(new_ssh)                    # content -> Update
    (root / "etc" / "passwd").chmod(0o600)                        # mode -> Set Security
    os.setxattr(root / "etc" / "app.conf", "user.note", b"x")     # xattr only -> Set Attributes
    write(root / "bin" / "backdoor", b"#!/bin/sh\n")              # added -> Create
    (root / "etc" / "alternatives" / "editor").unlink()           # deleted -> Delete
    os.rename(root / "log" / "app.log", root / "log" / "app.log.1")  # renamed -> Rename
    os.setxattr(root / "etc" / "acl.conf", "system.posix_acl_access", _acl(ACL_ENTRIES))
    if ROOT:
        os.chown(root / "etc" / "owned.conf", 1234, 5678)
        os.setxattr(root / "etc" / "caps.conf", "security.capability",
                    struct.pack("<IIIII", 0x02000001, 1 << CAP_NET_RAW, 0, 0, 0))
    result = tree.check()
    return tree, _by_path(tree, result.findings), {"old_ssh": old_ssh, "new_ssh": new_ssh}


EXPECTED_ACTIVITIES = {
    "bin/backdoor": (1, "Create"),
    "bin/ssh": (3, "Update"),
    "etc/alternatives/editor": (4, "Delete"),
    "log/app.log.1": (5, "Rename"),
    "etc/app.conf": (6, "Set Attributes"),
    "etc/passwd": (7, "Set Security"),
    "etc/acl.conf": (7, "Set Security"),
}


def test_ocsf_activity_for_each_kind_of_change(changed: tuple[Tree, dict[str, Event], Any]
                                               ) -> None:
    _tree, events, _ = changed
    for path, (activity_id, name) in EXPECTED_ACTIVITIES.items():
        record = to_ocsf(events[path])
        assert (record["activity_id"], record["activity_name"]) == (activity_id, name), path
        assert record["class_uid"] == 1001 and record["category_uid"] == 1
        assert record["class_name"] == "File System Activity"
        assert record["type_uid"] == record["class_uid"] * 100 + activity_id == 100100 + activity_id


@needs_root
def test_ocsf_chown_and_capabilities_are_set_security(
        changed: tuple[Tree, dict[str, Event], Any]) -> None:
    _tree, events, _ = changed
    assert set(events["etc/owned.conf"].context["attributes"]) >= {"uid", "gid"}
    for path in ("etc/owned.conf", "etc/caps.conf"):
        record = to_ocsf(events[path])
        assert (record["activity_id"], record["type_uid"]) == (7, 100107), path


def test_ocsf_common_fields(changed: tuple[Tree, dict[str, Event], Any]) -> None:
    tree, events, _ = changed
    event = events["bin/ssh"]
    record = to_ocsf(event)
    now_ms = datetime.now(UTC).timestamp() * 1000
    assert isinstance(record["time"], int)
    assert record["time"] == int(event.time.timestamp() * 1000)
    assert abs(record["time"] - now_ms) < 60_000  # milliseconds, not seconds or microseconds
    assert record["severity_id"] == 5 and record["severity"] == "Critical"
    assert record["metadata"]["version"] == OCSF_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+", record["metadata"]["version"])
    assert record["metadata"]["product"]["name"] == "Vedette"
    assert record["metadata"]["product"]["version"] == __version__
    assert record["device"]["hostname"] == tree.host.name == "test-host"
    assert record["message"] == event.summary
    assert record["observables"] == [{"name": "file.path", "type_id": 7,
                                      "value": str(tree.root / "bin" / "ssh")}]
    medium = to_ocsf(events["etc/passwd"])
    assert (medium["severity_id"], medium["severity"]) == (3, "Medium")


def test_ocsf_file_before_and_file_result_after(
        changed: tuple[Tree, dict[str, Event], dict[str, bytes]]) -> None:
    tree, events, data = changed
    record = to_ocsf(events["bin/ssh"])
    before, after = record["file"], record["file_result"]
    for file, content in ((before, data["old_ssh"]), (after, data["new_ssh"])):
        assert file["path"] == str(tree.root / "bin" / "ssh") and file["name"] == "ssh"
        assert file["type_id"] == 1
        assert file["size"] == len(content)
        assert file["hashes"] == [{"algorithm_id": 3, "algorithm": "SHA256",
                                   "value": _sha256(content)}]
        xattributes = file["xattributes"]
        assert all(isinstance(value, str) for value in xattributes.values())
        assert xattributes["uid"] == str(os.getuid()) and xattributes["gid"] == str(os.getgid())
        assert re.fullmatch(r"0[0-7]{3}", xattributes["mode"])
    mode = to_ocsf(events["etc/passwd"])
    assert mode["file"]["xattributes"]["mode"] == "0644"
    assert mode["file_result"]["xattributes"]["mode"] == "0600"


def test_ocsf_added_and_deleted_have_no_file_result(
        changed: tuple[Tree, dict[str, Event], Any]) -> None:
    tree, events, _ = changed
    added = to_ocsf(events["bin/backdoor"])
    assert "file_result" not in added
    assert added["file"]["hashes"][0]["value"] == _sha256(b"#!/bin/sh\n")
    deleted = to_ocsf(events["etc/alternatives/editor"])
    assert "file_result" not in deleted
    assert deleted["file"]["type_id"] == 7  # symlink, described from the baseline's side
    assert deleted["file"]["path"] == str(tree.root / "etc" / "alternatives" / "editor")


def test_ocsf_rename_keeps_both_paths(changed: tuple[Tree, dict[str, Event], Any]) -> None:
    tree, events, _ = changed
    record = to_ocsf(events["log/app.log.1"])
    assert record["file"]["path"] == str(tree.root / "log" / "app.log")
    assert record["file_result"]["path"] == str(tree.root / "log" / "app.log.1")


def test_ocsf_refuses_other_categories_and_events_without_a_path(tree: Tree) -> None:
    with pytest.raises(ValueError, match="authentication"):
        to_ocsf(make_event(category="authentication"))
    with pytest.raises(ValueError):
        to_ocsf(make_event(category="compliance_finding"))
    status = tree.check().status  # a file_system_activity event, but about no one file
    with pytest.raises(ValueError, match=r"file\.path"):
        to_ocsf(status)
