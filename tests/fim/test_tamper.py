"""End-to-end tamper cases: change a tree the way an intruder would, then check."""

from __future__ import annotations

import os
import shutil
import struct

from tests.conftest import needs_root, write
from tests.fim.conftest import Tree

CAP_NET_RAW = 13


def test_no_change_reports_nothing(tree: Tree) -> None:
    result = tree.check()
    assert result.findings == []
    assert result.exit_code == 0
    assert result.status.kind == "status"
    assert result.status.context["scanned"] == result.scanned > 0


def test_same_size_content_change_with_mtime_restored(tree: Tree) -> None:
    target = tree.root / "bin" / "ssh"
    before = target.stat()
    data = bytearray(target.read_bytes())
    data[10] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    kind, attributes, severity = tree.changes()["bin/ssh"]
    assert kind == "modified"
    assert "content" in attributes and "size" not in attributes and "mtime" not in attributes
    assert severity == "critical"


def test_size_change(tree: Tree) -> None:
    with open(tree.root / "etc" / "app.conf", "a") as handle:
        handle.write("extra = 1\n")
    _kind, attributes, severity = tree.changes()["etc/app.conf"]
    assert {"size", "content"} <= set(attributes)
    assert severity == "medium"


def test_chmod(tree: Tree) -> None:
    (tree.root / "etc" / "passwd").chmod(0o666)
    assert "mode" in tree.changes()["etc/passwd"][1]


def test_setuid_added_is_at_least_high(tree: Tree) -> None:
    (tree.root / "etc" / "app.conf").chmod(0o4755)
    _kind, attributes, severity = tree.changes()["etc/app.conf"]
    assert "mode" in attributes
    assert severity == "high"  # the config rule says medium; a privilege grant raises it


@needs_root
def test_chown(tree: Tree) -> None:
    os.chown(tree.root / "etc" / "passwd", 1234, 5678)
    attributes = tree.changes()["etc/passwd"][1]
    assert {"uid", "gid"} <= set(attributes)


def test_xattr_added(tree: Tree) -> None:
    os.setxattr(tree.root / "etc" / "passwd", "user.note", b"planted")
    assert "xattrs" in tree.changes()["etc/passwd"][1]


def test_acl_added(tree: Tree) -> None:
    # The kernel's POSIX ACL xattr: version 2, then (tag, perm, id) entries.
    entries = [(1, 6, 0xFFFFFFFF), (2, 7, 4242), (4, 4, 0xFFFFFFFF), (0x10, 7, 0xFFFFFFFF),
               (0x20, 4, 0xFFFFFFFF)]
    raw = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
    os.setxattr(tree.root / "etc" / "passwd", "system.posix_acl_access", raw)
    result = tree.check()
    (event,) = result.findings
    assert "acl" in event.context["attributes"]
    assert event.context["attributes"]["acl"]["after"].startswith("user::rw-,user:4242:rwx")


@needs_root
def test_file_capability_added(tree: Tree) -> None:
    raw = struct.pack("<IIIII", 0x02000001, 1 << CAP_NET_RAW, 0, 0, 0)
    os.setxattr(tree.root / "etc" / "app.conf", "security.capability", raw)
    result = tree.check()
    (event,) = result.findings
    assert event.context["attributes"]["capabilities"] == {
        "before": None, "after": "cap_net_raw=ep"}
    assert event.severity.value == "high"
    assert result.exit_code == 2


def test_symlink_retargeted(tree: Tree) -> None:
    link = tree.root / "etc" / "alternatives" / "editor"
    link.unlink()
    link.symlink_to("/tmp/evil")
    result = tree.check()
    (event,) = result.findings
    assert event.context["attributes"]["target"] == {"before": "/usr/bin/vi", "after": "/tmp/evil"}


def test_file_replaced_by_copy_with_same_content_and_times(tree: Tree) -> None:
    target = tree.root / "bin" / "ps"
    copy = tree.root / "bin" / ".ps.new"
    shutil.copy2(target, copy)  # same content, mode and times; new inode
    os.replace(copy, target)
    kind, attributes, severity = tree.changes()["bin/ps"]
    assert kind == "modified"
    assert "inode" in attributes and "content" not in attributes
    assert severity == "critical"


def test_file_replaced_by_directory(tree: Tree) -> None:
    target = tree.root / "etc" / "app.conf"
    target.unlink()
    target.mkdir()
    assert "type" in tree.changes()["etc/app.conf"][1]


def test_hidden_new_file(tree: Tree) -> None:
    write(tree.root / "bin" / ".hidden", "#!/bin/sh\nnc -l 4444\n")
    assert tree.changes() == {"bin/.hidden": ("added", [], "critical")}


def test_deletion(tree: Tree) -> None:
    (tree.root / "etc" / "passwd").unlink()
    assert tree.changes() == {"etc/passwd": ("deleted", [], "medium")}


def test_truncation(tree: Tree) -> None:
    (tree.root / "bin" / "ssh").write_bytes(b"")
    attributes = tree.changes()["bin/ssh"][1]
    assert {"size", "content"} <= set(attributes)


def test_rename(tree: Tree) -> None:
    os.rename(tree.root / "etc" / "app.conf", tree.root / "etc" / "app.conf.bak")
    result = tree.check()
    (event,) = result.findings
    assert event.context["change"] == "renamed"
    assert event.context["from_path"] == str(tree.root / "etc" / "app.conf")
    assert event.observables["file.path"] == str(tree.root / "etc" / "app.conf.bak")


def test_change_inside_excluded_path_is_not_reported(tree: Tree) -> None:
    write(tree.root / "cache" / "blob", "changed")
    write(tree.root / "cache" / "new", "new")
    assert tree.changes() == {}


def test_growing_log_is_allowed_but_shrinking_is_not(tree: Tree) -> None:
    with open(tree.root / "log" / "app.log", "a") as handle:
        handle.write("more lines\n")
    assert tree.changes() == {}
    (tree.root / "log" / "app.log").write_text("x")
    assert "size" in tree.changes()["log/app.log"][1]


def test_findings_carry_path_before_after_and_controls(tree: Tree) -> None:
    (tree.root / "etc" / "passwd").chmod(0o600)
    result = tree.check()
    (event,) = result.findings
    assert (event.kind, event.category, event.source) == ("finding", "file_system_activity", "fim")
    assert event.context["attributes"]["mode"] == {"before": "0644", "after": "0600"}
    assert event.context["rule"] == "config"
    assert event.dedup_key == f"test-host:fim:{tree.root / 'etc' / 'passwd'}"
    assert result.status.context["by_severity"]["medium"] == 1
    assert result.exit_code == 1


def test_parallel_workers_find_the_same_changes(tree: Tree) -> None:
    for index in range(700):  # more than a few batches
        write(tree.root / "etc" / "many" / f"f{index:04d}", str(index))
    (tree.root / "bin" / "ps").chmod(0o700)
    result = tree.check(workers=2)
    kinds = sorted(event.context["change"] for event in result.findings)
    assert kinds.count("added") == 701 and kinds.count("modified") == 1


def test_every_run_is_recorded_even_without_changes(tree: Tree) -> None:
    tree.check()
    runs = tree.store.runs(source="fim")
    assert [(r.name, r.outcome, r.exit_code) for r in runs] == [("init", "ok", 0),
                                                               ("check", "ok", 0)]
    assert runs[1].ended_at is not None and runs[1].counts["scanned"] > 0
    assert [e.kind for e in tree.store.events(run_id=runs[1].id)] == ["status"]
