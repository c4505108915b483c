"""The signed baseline: its key, tamper detection, atomic writes, accept and its audit trail."""

from __future__ import annotations

import gc
import getpass
import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Tree, add_one_row, delete_one_row, tamper_one_row, write
from vedette.fim import run
from vedette.fim.baseline import Baseline, BaselineError, BaselineWriter, SignatureError, load_key

# --- the key ---------------------------------------------------------------------------------


def test_key_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "fim.key"
    key = load_key(path, create=True)
    assert len(key) >= 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    assert load_key(path, create=True) == key
    assert load_key(path) == key
    assert path.read_bytes() == content


def test_init_reuses_the_existing_key(tree: Tree) -> None:
    content = tree.key.read_bytes()
    assert stat.S_IMODE(tree.key.stat().st_mode) == 0o600
    run.init([str(tree.root)], tree.db, tree.key, tree.policy, tree.host, workers=1, force=True)
    assert tree.key.read_bytes() == content
    Baseline(tree.db).verify(load_key(tree.key))


@pytest.mark.parametrize(("content", "words"), [
    (b"00112233\n", "too short"),
    (b"", "too short"),
    (b"this is not hexadecimal at all, not at all!\n", "unusable"),
    (b"\xff\xfe" * 20, "unusable"),
])
def test_bad_key_files(tmp_path: Path, content: bytes, words: str) -> None:
    path = write(tmp_path / "fim.key", content)
    with pytest.raises(BaselineError, match=words) as caught:
        load_key(path)
    assert str(path) in str(caught.value)
    with pytest.raises(BaselineError):
        load_key(path, create=True)  # an existing bad key is never silently replaced
    assert path.read_bytes() == content


def test_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "fim.key"
    with pytest.raises(BaselineError, match="not found") as caught:
        load_key(path)
    assert str(path) in str(caught.value)


def test_check_with_a_missing_key_cannot_run(tree: Tree) -> None:
    tree.key.unlink()
    with pytest.raises(run.FimError, match="key file not found") as caught:
        tree.check()
    assert str(tree.key) in str(caught.value)
    assert tree.store.runs()[-1].outcome == "error"


def test_a_key_others_can_read_is_a_problem(tree: Tree) -> None:
    tree.key.chmod(0o644)
    result = tree.check()
    assert result.findings == []
    assert any("readable by group or others" in p.message and os.fsdecode(p.path) ==
               str(tree.key) for p in result.problems)
    assert result.status.context["problems"] >= 1


# --- tampering --------------------------------------------------------------------------------

def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


TAMPERINGS: dict[str, Callable[[Tree], None]] = {
    "row changed": lambda tree: tamper_one_row(tree.db),
    "row deleted": lambda tree: delete_one_row(tree.db),
    "row added": lambda tree: add_one_row(tree.db),
    "meta edited": lambda tree: _sql(
        tree.db, "UPDATE meta SET value = '\"elsewhere\"' WHERE name = 'host'"),
    "roots edited": lambda tree: _sql(
        tree.db, "UPDATE meta SET value = '[\"/nonexistent\"]' WHERE name = 'roots'"),
    "signature removed": lambda tree: _sql(tree.db, "DELETE FROM meta WHERE name = 'signature'"),
    "other key": lambda tree: tree.key.write_text(os.urandom(32).hex() + "\n"),
}


@pytest.fixture(params=sorted(TAMPERINGS))
def tampered(request: pytest.FixtureRequest, tree: Tree) -> Tree:
    Baseline(tree.db).verify(load_key(tree.key))  # it verified before
    TAMPERINGS[request.param](tree)
    return tree


def test_tampered_baseline_fails_verification(tampered: Tree) -> None:
    with Baseline(tampered.db) as baseline, pytest.raises(SignatureError) as caught:
        baseline.verify(load_key(tampered.key))
    assert str(tampered.db) in str(caught.value)


def test_check_of_a_tampered_baseline_is_critical(tampered: Tree) -> None:
    result = tampered.check()
    assert result.exit_code == 2
    (finding,) = result.findings
    assert finding.severity.value == "critical" and finding.kind == "finding"
    assert finding.context["change"] == "baseline_tampered"
    assert finding.observables["file.path"] == str(tampered.db)
    assert result.status.context["baseline_verified"] is False
    assert result.status.severity.value == "critical"
    last = tampered.store.runs()[-1]
    assert (last.name, last.outcome, last.exit_code) == ("check", "baseline_tampered", 2)
    assert last.counts["policy_sha256"] == run.policy_digest(tampered.policy)
    stored = list(tampered.store.events(run_id=last.id))
    assert [e.context.get("change") for e in stored if e.kind == "finding"] == [
        "baseline_tampered"]


def test_tampered_acceptance_trail_fails_verification(tree: Tree) -> None:
    write(tree.root / "etc" / "new.conf", "n")
    tree.accept("new config file")
    _sql(tree.db, "UPDATE acceptances SET reason = 'nothing to see'")
    with Baseline(tree.db) as baseline, pytest.raises(SignatureError):
        baseline.verify(load_key(tree.key))
    assert tree.check().exit_code == 2


def test_accept_refuses_a_tampered_baseline(tree: Tree) -> None:
    tamper_one_row(tree.db)
    content = tree.db.read_bytes()
    with pytest.raises(run.FimError, match="does not verify"):
        tree.accept("launder it")
    assert tree.db.read_bytes() == content  # not re-signed


@pytest.mark.parametrize("content", [os.urandom(4096), b"", b"SQLite format 3\x00" + b"\0" * 90])
def test_corrupt_baseline_cannot_be_used(tree: Tree, content: bytes) -> None:
    tree.db.write_bytes(content)
    with pytest.raises(BaselineError) as caught:
        Baseline(tree.db)
    assert str(tree.db) in str(caught.value)
    with pytest.raises(run.FimError) as failed:
        tree.check()
    assert str(tree.db) in str(failed.value)
    assert tree.store.runs()[-1].outcome == "error"


def test_another_sqlite_database_is_not_a_baseline(tree: Tree, tmp_path: Path) -> None:
    shutil.copyfile(tmp_path / "store.db", tree.db)
    with pytest.raises(BaselineError, match=re.escape(str(tree.db))):
        Baseline(tree.db)


def test_missing_baseline(tree: Tree) -> None:
    tree.db.unlink()
    with pytest.raises(run.FimError, match="no baseline") as caught:
        tree.check()
    assert str(tree.db) in str(caught.value)


# --- atomic writes ----------------------------------------------------------------------------

def _failing_scan(monkeypatch: pytest.MonkeyPatch, after: int, error: BaseException) -> None:
    """Make the scan feeding init/accept fail after `after` items (paths or batches of
    paths, whatever the scan yields): mid-way, with part of the tree already taken in."""
    real_scan = run.scan

    def scan(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for count, item in enumerate(real_scan(*args, **kwargs), 1):
            yield item
            if count == after:
                raise error

    monkeypatch.setattr(run, "scan", scan)


def _listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()
            if p.is_file() and not p.name.startswith("store.db")}


@pytest.mark.parametrize("error", [OSError(5, "Input/output error"), RuntimeError("bug"),
                                   KeyboardInterrupt()], ids=["oserror", "bug", "interrupt"])
def test_failed_init_leaves_nothing_behind(tree: Tree, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           error: BaseException) -> None:
    db = tmp_path / "fresh" / "fim.db"
    db.parent.mkdir()
    for index in range(20):
        write(tree.root / "etc" / "more" / f"f{index}", str(index))
    _failing_scan(monkeypatch, 1, error)
    expected = run.FimError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected):
        run.init([str(tree.root)], db, tree.key, tree.policy, tree.host, tree.store, workers=1)
    assert list(db.parent.iterdir()) == []
    if isinstance(error, OSError):
        last = tree.store.runs()[-1]
        assert (last.name, last.outcome, last.exit_code) == ("init", "error", 3)
        assert "Input/output error" in (last.error or "")


def test_failed_forced_init_keeps_the_old_baseline(tree: Tree,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = _listing(tree.db.parent)
    _failing_scan(monkeypatch, 1, OSError(28, "No space left on device"))
    with pytest.raises(run.FimError, match="No space left"):
        run.init([str(tree.root)], tree.db, tree.key, tree.policy, tree.host, workers=1,
                 force=True)
    assert _listing(tree.db.parent) == before


# The interrupted comparison leaves a baseline cursor to the garbage collector, which closes
# it after the baseline itself was closed; SQLite then complains, harmlessly.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_accept_failing_during_the_scan_keeps_the_old_baseline(
        tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree.root / "etc" / "new.conf", "n")
    before = _listing(tree.db.parent)
    _failing_scan(monkeypatch, 1, OSError(5, "Input/output error"))
    with pytest.raises(run.FimError) as caught:
        tree.accept()
    monkeypatch.undo()
    del caught  # the exception's traceback holds the cursor
    gc.collect()
    assert _listing(tree.db.parent) == before
    assert "etc/new.conf" in tree.changes()


def test_accept_failing_while_writing_keeps_the_old_baseline(
        tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree.root / "etc" / "new.conf", "n")
    (tree.root / "bin" / "ps").unlink()
    before = _listing(tree.db.parent)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(BaselineWriter, "add_acceptance", full_disk)
    with pytest.raises(run.FimError, match="No space left"):
        tree.accept()
    assert _listing(tree.db.parent) == before
    assert tree.store.runs()[-1].outcome == "error"


def test_init_refuses_to_overwrite_without_force(tree: Tree) -> None:
    content = tree.db.read_bytes()
    write(tree.root / "etc" / "new.conf", "n")
    with pytest.raises(run.FimError, match="already exists") as caught:
        tree.init()
    assert str(tree.db) in str(caught.value)
    assert tree.db.read_bytes() == content
    with Baseline(tree.db) as baseline:
        count = baseline.count()
    result = run.init([str(tree.root)], tree.db, tree.key, tree.policy, tree.host, workers=1,
                      force=True)
    assert result.files == count + 1
    assert tree.check().findings == []


# --- accept and its audit trail ----------------------------------------------------------------

def test_accept_then_check_is_clean_and_audited(tree: Tree,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_USER", "alice")
    write(tree.root / "bin" / "new-tool", "#!/bin/sh\n")
    (tree.root / "etc" / "passwd").chmod(0o600)
    (tree.root / "etc" / "alternatives" / "editor").unlink()
    os.rename(tree.root / "etc" / "app.conf", tree.root / "etc" / "app.conf.new")
    started = datetime.now(UTC)
    result = tree.accept("CHG-1234 package upgrade")
    kinds = {os.path.relpath(os.fsdecode(c.path), tree.root): c.kind for c in result.accepted}
    assert kinds == {"bin/new-tool": "added", "etc/passwd": "modified",
                     "etc/alternatives/editor": "deleted", "etc/app.conf.new": "renamed"}
    check = tree.check()
    assert check.findings == [] and check.exit_code == 0
    with Baseline(tree.db) as baseline:
        baseline.verify(load_key(tree.key))
        (entry,) = baseline.acceptances()
        assert baseline.meta["files"] == baseline.count()
    assert entry["reason"] == "CHG-1234 package upgrade"
    assert entry["who"] == f"{getpass.getuser()} (via sudo from alice)"
    when = datetime.fromisoformat(entry["time"])
    assert started - timedelta(seconds=1) <= when <= datetime.now(UTC)
    recorded = {os.path.relpath(c["path"], tree.root): c["change"] for c in entry["changes"]}
    assert recorded == kinds
    passwd = next(c for c in entry["changes"] if c["path"].endswith("/etc/passwd"))
    assert "mode" in passwd["attributes"]
    accept_run = [r for r in tree.store.runs() if r.name == "accept"][-1]
    assert accept_run.outcome == "ok" and accept_run.counts == {
        "accepted": 4, "policy_sha256": run.policy_digest(tree.policy)}
    assert {e.kind for e in tree.store.events(run_id=accept_run.id)} == {"activity"}


def test_acceptances_accumulate_in_order(tree: Tree) -> None:
    write(tree.root / "etc" / "one.conf", "1")
    tree.accept("first")
    write(tree.root / "etc" / "two.conf", "2")
    tree.accept("second")
    with Baseline(tree.db) as baseline:
        baseline.verify(load_key(tree.key))
        trail = baseline.acceptances()
    assert [(a["id"], a["reason"]) for a in trail] == [(1, "first"), (2, "second")]
    assert [len(a["changes"]) for a in trail] == [1, 1]
    assert trail[0]["who"] == getpass.getuser()


def test_accept_needs_a_reason(tree: Tree) -> None:
    content = tree.db.read_bytes()
    with pytest.raises(run.FimError, match="reason"):
        tree.accept("   ")
    assert tree.db.read_bytes() == content


def test_accept_of_one_path_takes_only_that_path(tree: Tree) -> None:
    write(tree.root / "etc" / "app.conf", "level = debug\n")
    (tree.root / "bin" / "ps").chmod(0o700)
    write(tree.root / "bin" / "extra", "x")
    result = tree.accept("config change", [str(tree.root / "etc" / "app.conf")])
    assert [os.fsdecode(c.path) for c in result.accepted] == [str(tree.root / "etc" / "app.conf")]
    assert set(tree.changes()) == {"bin/ps", "bin/extra"}


def test_accept_of_a_subtree(tree: Tree) -> None:
    write(tree.root / "etc" / "app.conf", "level = debug\n")
    write(tree.root / "etc" / "new" / "x.conf", "x")
    (tree.root / "bin" / "ps").chmod(0o700)
    tree.accept("etc changes", [str(tree.root / "etc")])
    assert set(tree.changes()) == {"bin/ps"}


def test_check_of_paths_compares_only_those_subtrees(tree: Tree) -> None:
    write(tree.root / "etc" / "app.conf", "level = debug\n")
    (tree.root / "bin" / "ps").chmod(0o700)
    write(tree.root / "bin" / "extra", "x")
    (tree.root / "log" / "app.log").write_text("")
    result = tree.check(paths=[str(tree.root / "bin")])
    assert sorted(os.path.relpath(e.observables["file.path"], tree.root)
                  for e in result.findings) == ["bin/extra", "bin/ps"]
    assert result.scanned == 4  # bin, bin/extra, bin/ps, bin/ssh
    assert result.roots == [str(tree.root / "bin")]
    single = tree.check(paths=[str(tree.root / "etc" / "app.conf")])
    assert [e.observables["file.path"] for e in single.findings] == [
        str(tree.root / "etc" / "app.conf")]
    assert single.scanned == 1
    two = tree.check(paths=[str(tree.root / "log"), str(tree.root / "etc" / "passwd")])
    assert [e.observables["file.path"] for e in two.findings] == [
        str(tree.root / "log" / "app.log")]


def test_check_of_a_deleted_path_reports_the_deletion(tree: Tree) -> None:
    target = tree.root / "etc" / "app.conf"
    target.unlink()
    result = tree.check(paths=[str(target)])
    assert [(e.observables["file.path"], e.context["change"]) for e in result.findings] == [
        (str(target), "deleted")]
    assert result.exit_code == 1


def test_accept_of_a_deleted_path_takes_the_deletion_in(tree: Tree) -> None:
    target = tree.root / "etc" / "app.conf"
    target.unlink()
    result = tree.accept("removed on purpose", [str(target)])
    assert [c.kind for c in result.accepted] == ["deleted"]
    assert tree.check().findings == []


def test_deleting_a_whole_monitored_root_is_reported(tree: Tree) -> None:
    # An intruder (or a mistake) removes everything the baseline covers: every path in it is
    # gone, which must not look like "0 changed".
    with Baseline(tree.db) as baseline:
        count = baseline.count()
    shutil.rmtree(tree.root)
    result = tree.check()
    deleted = [e for e in result.findings if e.context["change"] == "deleted"]
    assert len(deleted) == count
    assert result.exit_code == 2  # bin/ssh and bin/ps are critical
    assert any(os.fsdecode(p.path) == str(tree.root) for p in result.problems)
