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
