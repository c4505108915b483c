"""How runs end: every run leaves a record in the store, whatever stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Tree, write
from vedette.fim import run
from vedette.fim.policy import Policy, PolicyFile, default_policy_file, load_policy
from vedette.store import open_store


def test_an_interrupted_init_leaves_no_baseline_and_says_so(tree: Tree,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "scan", interrupted)
    target = tree.db.with_name("second.db")
    with pytest.raises(KeyboardInterrupt):
        run.init([str(tree.root)], target, tree.key, tree.policy, tree.host, tree.store,
                 workers=1)
    assert not target.exists()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".second")] == []
    last = tree.store.runs()[-1]
    assert (last.name, last.outcome, last.exit_code) == ("init", "interrupted", 3)


def test_sigterm_during_init_unwinds_cleanly(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for index in range(4000):
        write(root / f"d{index % 40}" / f"f{index}", os.urandom(2048))
    env = {**os.environ, "VEDETTE_HOME": str(tmp_path / "home")}
    db = tmp_path / "fim.db"
    process = subprocess.Popen([sys.executable, "-m", "vedette", "fim", "init", str(root),
                                "--db", str(db), "--workers", "1"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    store = tmp_path / "home" / "store.db"
    while not _run_started(store) and time.monotonic() < deadline:
        time.sleep(0.02)  # the run is recorded as started before the scan begins
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    if process.returncode == 0:  # finished before the signal landed: nothing to check
        pytest.fail("init finished before SIGTERM; make the tree bigger")
    assert process.returncode == 128 + signal.SIGTERM
    assert not db.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    with open_store(store) as events:
        assert events.runs()[-1].outcome == "interrupted"


def _run_started(store: Path) -> bool:
    if not store.exists():
        return False
    with open_store(store) as events:
        return bool(events.runs())


def test_a_second_writer_is_refused_while_one_holds_the_baseline(tree: Tree) -> None:
    import fcntl

    before = tree.db.read_bytes()
    fd = os.open(tree.db.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        write(tree.root / "etc" / "new.conf", "x")
        with pytest.raises(run.FimError, match="another 'vedette fim init' or 'accept'"):
            run.accept([], tree.db, tree.key, "ticket 1", tree.policy, tree.host, tree.store,
                       workers=1)
        with pytest.raises(run.FimError, match="another"):
            run.init([str(tree.root)], tree.db, tree.key, tree.policy, tree.host, tree.store,
                     workers=1, force=True)
    finally:
        os.close(fd)
    assert tree.db.read_bytes() == before
    assert len(run.accept([], tree.db, tree.key, "ticket 1", tree.policy, tree.host,
                          tree.store, workers=1).accepted) == 1


def test_every_run_records_the_policy_it_used(tree: Tree) -> None:
    """Reports name the rule set each integrity check ran with: its SHA-256 is in the run
    record and in the status event (for stores that receive events without runs)."""
    digest = run.policy_digest(tree.policy)
    result = tree.check()
    write(tree.root / "etc" / "new.conf", "n")
    tree.accept()
    runs = {r.name: r for r in tree.store.runs(source="fim")}
    assert {name: r.counts["policy_sha256"] for name, r in runs.items()} == {
        "init": digest, "check": digest, "accept": digest}
    assert result.status.context["policy_sha256"] == digest
    (stored,) = [e for e in tree.store.events(run_id=runs["check"].id) if e.kind == "status"]
    assert stored.context["policy_sha256"] == digest


def test_the_policy_digest_follows_every_layer_of_the_policy(tree: Tree) -> None:
    spec = tree.policy.spec
    same = run.policy_digest(Policy(PolicyFile.model_validate(spec.model_dump())))
    stricter = spec.model_copy(update={"exclude": [*spec.exclude, "/tmp/**"]})
    layered = spec.model_copy(update={"include_default": True})
    assert same == run.policy_digest(tree.policy)
    assert len({same, run.policy_digest(Policy(stricter)),
                run.policy_digest(Policy(layered, default_policy_file()))}) == 3
    # It names the content, not the object: the same built-in policy, the same digest.
    assert run.policy_digest(load_policy()) == run.policy_digest(load_policy())
