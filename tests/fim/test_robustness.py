"""Hostile and odd file systems: every problem is reported, and none aborts or hangs a run."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from tests.conftest import ROOT, TREE_POLICY_YAML, Tree, needs_root, vedette, write
from vedette.events import Host
from vedette.fim import inspect, run
from vedette.fim import scan as scan_module
from vedette.fim.baseline import Baseline
from vedette.fim.inspect import HINT_DIR, HINT_FILE, HINT_OTHER, Problem, inspect_path
from vedette.fim.policy import Policy, PolicyFile

NOBODY = 65534


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: a blocking open() or read() is interrupted by the alarm."""
    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds}s: something blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every path passed to os.open from now on."""
    paths: list[bytes] = []
    real_open = os.open

    def recording_open(path: Any, *args: Any, **kwargs: Any) -> int:
        paths.append(os.fsencode(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    return paths


def _findings(result: run.CheckResult, tree: Tree) -> dict[str, Any]:
    return {os.path.relpath(e.observables["file.path"], tree.root): e for e in result.findings}


def _reinit(tree: Tree) -> run.InitResult:
    return run.init([str(tree.root)], tree.db, tree.key, tree.policy, tree.host, tree.store,
                    workers=1, force=True)


# --- special files --------------------------------------------------------------------------

@pytest.fixture
def specials(tree: Tree) -> Iterator[dict[str, Path]]:
    special = tree.root / "etc" / "special"
    special.mkdir()
    made = {"fifo": special / "fifo", "socket": special / "socket"}
    os.mkfifo(made["fifo"])
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(made["socket"]))
    if ROOT:  # /dev/zero: hashing it would never end
        made["chardev"] = special / "zero"
        os.mknod(made["chardev"], stat.S_IFCHR | 0o644, os.makedev(1, 5))
    yield made
    server.close()


def test_special_files_are_recorded_but_never_opened(tree: Tree, specials: dict[str, Path],
                                                     opened: list[bytes]) -> None:
    with deadline(20):
        result = _reinit(tree)
    assert result.problems == []
    for path in specials.values():
        path.chmod(0o600)
    with deadline(20):
        check = tree.check()
    findings = _findings(check, tree)
    for kind, path in specials.items():
        event = findings[os.path.relpath(path, tree.root)]
        assert event.context["before"]["type"] == kind
        mode = event.context["attributes"]["mode"]
        assert mode["after"] == "0600" and mode["before"] != "0600"
        assert "hashes" not in event.context["before"]
        assert os.fsencode(path) not in opened, f"{kind} was opened"
    assert check.problems == []


@needs_root
def test_a_character_device_is_recorded(tree: Tree, specials: dict[str, Path]) -> None:
    _reinit(tree)
    specials["chardev"].unlink()
    event = _findings(tree.check(), tree)["etc/special/zero"]
    assert event.context["change"] == "deleted"
    assert event.context["before"]["type"] == "chardev"


def test_a_fifo_given_as_a_root_does_not_hang(tree: Tree, specials: dict[str, Path]) -> None:
    with deadline(20):
        result = run.init([str(specials["fifo"])], tree.db, tree.key, tree.policy, tree.host,
                          workers=1, force=True)
    assert result.files == 1 and result.problems == []


def test_inspecting_a_fifo_with_a_file_hint_does_not_hang(specials: dict[str, Path]) -> None:
    # The walker said "file", then someone swapped in a FIFO with no writer.
    with deadline(20):
        items = inspect_path(os.fsencode(specials["fifo"]), HINT_FILE, ("sha256",))
    assert len([item for item in items if not isinstance(item, Problem)]) == 1


# --- symlinks ---------------------------------------------------------------------------------

def test_symlink_loops_and_links_to_parents_do_not_loop(tree: Tree) -> None:
    links = tree.root / "etc" / "links"
    links.mkdir()
    (links / "a").symlink_to("b")
    (links / "b").symlink_to("a")
    (links / "self").symlink_to(".")
    (links / "up").symlink_to("..")
    (links / "root").symlink_to(tree.root)
    with deadline(20):
        result = _reinit(tree)
    expected = 1 + sum(len(dirs) + len(files) for _, dirs, files in os.walk(tree.root))
    expected -= len(list((tree.root / "cache").iterdir()))  # excluded by the tree's policy
    assert result.files == expected
    (links / "up").unlink()
    (links / "up").symlink_to("../..")
    event = _findings(tree.check(), tree)["etc/links/up"]
    assert event.context["attributes"]["target"] == {"before": "..", "after": "../.."}


# --- odd names ----------------------------------------------------------------------------

ODD_NAMES = [b"caf\xe9", b"line\nbreak", b"tab\there", b"\xff\xfe", b"-rf", b" lead space",
             "caf\u00e9-utf8".encode(), b"quote'\"", b"back\\slash"]


def _display(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


def test_odd_file_names_are_recorded_and_their_changes_reported(tree: Tree) -> None:
    directory = os.fsencode(tree.root / "etc" / "odd")
    os.mkdir(directory)
    for name in ODD_NAMES:
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(b"original")
    result = _reinit(tree)
    assert result.problems == []
    assert tree.check().findings == []
    for name in ODD_NAMES:
        with open(os.path.join(directory, name), "ab") as handle:
            handle.write(b" changed")
    findings = _findings(tree.check(), tree)
    for name in ODD_NAMES:
        event = findings[f"etc/odd/{_display(name)}"]
        assert event.context["change"] == "modified"
        assert "content" in event.context["attributes"]
        json.loads(event.to_json())


def test_odd_file_names_keep_cli_json_valid(tree: Tree, tmp_path: Path) -> None:
    directory = os.fsencode(tree.root / "etc")
    for name in ODD_NAMES:
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(b"new")
    policy = write(tmp_path / "policy.yaml", TREE_POLICY_YAML.format(root=tree.root))
    common = ["--db", tree.db, "--key", tree.key, "--policy", policy]
    jsonl = vedette("fim", "check", "--format", "jsonl", *common)
    assert jsonl.returncode == 1, jsonl.stderr
    lines = jsonl.stdout.splitlines()
    assert len(lines) == len(ODD_NAMES) + 1  # one line per finding, then the status
    events = [json.loads(line) for line in lines]
    paths = {e["observables"]["file.path"] for e in events if e["kind"] == "finding"}
    assert paths == {str(tree.root / "etc" / _display(name)) for name in ODD_NAMES}
    document = vedette("fim", "check", "--format", "json", *common)
    parsed = json.loads(document.stdout)
    assert len(parsed["findings"]) == len(ODD_NAMES)


def test_odd_extended_attribute_names_do_not_break_a_check(tree: Tree) -> None:
    # Any user who can write a file can give it `user.*` attributes with any name.
    target = tree.root / "etc" / "app.conf"
    os.setxattr(target, b"user.line\nbreak", b"1")
    os.setxattr(target, b"user.caf\xe9", b"2")
    os.setxattr(target, b"user.a=b", b"3")
    result = tree.check()
    (event,) = result.findings
    assert "xattrs" in event.context["attributes"]
    after = event.context["attributes"]["xattrs"]["after"]
    assert len(after) == 3
    json.loads(event.to_json())
    tree.store.add_events(result.events)
    assert list(tree.store.events())[-2:] == result.events


# --- permissions ----------------------------------------------------------------------------

def _report(result: run.CheckResult) -> dict[str, Any]:
    return {"exit_code": result.exit_code,
            "findings": [[e.observables["file.path"], e.context["change"]]
                         for e in result.findings],
            "problems": [[os.fsdecode(p.path), p.message] for p in result.problems]}


def _check_as(uid: int, db: Path, key: Path, policy: Policy) -> dict[str, Any]:
    """Run a check in a forked child that has dropped to `uid` (the interpreter may live
    where that user cannot go, so fork rather than start a new one)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            report = _report(run.check([], db, key, policy, Host(name="h"), workers=1))
            report["uid"] = os.getuid()
            with os.fdopen(write_end, "w") as pipe:
                json.dump(report, pipe)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the unprivileged check failed"
    return json.loads(data)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory an unprivileged user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="vedette-test-"))
    path.chmod(0o755)
    yield path
    for directory, _, _ in os.walk(path):
        os.chmod(directory, 0o755)
    shutil.rmtree(path)


def test_permission_denied_is_a_problem_not_a_deletion(shared_dir: Path) -> None:
    root = shared_dir / "sys"
    write(root / "public.txt", "everyone reads this")
    write(root / "secret", "root only")
    write(root / "private" / "a", "a")
    write(root / "private" / "deeper" / "b", "b")
    expected = [[str(root / "public.txt"), "modified"]]
    if ROOT:  # root-only modes, unchanged since the baseline
        (root / "secret").chmod(0o600)
        (root / "private").chmod(0o700)
    db, key = shared_dir / "fim.db", shared_dir / "fim.key"
    policy = Policy(PolicyFile(include_default=False))
    run.init([str(root)], db, key, policy, Host(name="h"), workers=1)
    if not ROOT:  # we own them: take our own rights away (a mode change, reported)
        (root / "secret").chmod(0)
        (root / "private").chmod(0)
        expected += [[str(root / "secret"), "modified"], [str(root / "private"), "modified"]]
    write(root / "public.txt", "changed by someone")
    if ROOT:
        os.chown(db, NOBODY, NOBODY)
        os.chown(key, NOBODY, NOBODY)
        report = _check_as(NOBODY, db, key, policy)
        assert report["uid"] == NOBODY
    else:
        report = _report(run.check([], db, key, policy, Host(name="h"), workers=1))
    assert sorted(report["findings"]) == sorted(expected)
    problems = dict(report["problems"])
    assert "permission denied" in problems[str(root / "secret")].lower()
    assert "cannot list" in problems[str(root / "private")]
    assert str(root / "private" / "a") not in problems
    assert report["exit_code"] == 1  # the public change: the problems did not stop the run


# --- races ------------------------------------------------------------------------------------

def test_a_path_vanishing_during_the_scan(tmp_path: Path) -> None:
    gone = os.fsencode(tmp_path / "gone")
    for hint in (HINT_FILE, HINT_DIR, HINT_OTHER):
        assert inspect_path(gone, hint, ("sha256",)) == [Problem(gone, "vanished during the scan")]


@pytest.mark.parametrize("change", ["grows", "shrinks"])
def test_a_file_changing_while_being_read(tree: Tree, monkeypatch: pytest.MonkeyPatch,
                                          change: str) -> None:
    target = tree.root / "etc" / "app.conf"
    real_hash = inspect._hash_fd

    def changing_hash(*args: Any, **kwargs: Any) -> Any:
        # A writer gets in between the stat and the read.
        if change == "grows":
            with open(target, "ab") as handle:
                handle.write(b"appended = yes\n")
        else:
            os.truncate(target, os.path.getsize(target) // 2)
        return real_hash(*args, **kwargs)

    monkeypatch.setattr(inspect, "_hash_fd", changing_hash)
    items = inspect_path(os.fsencode(target), HINT_FILE, ("sha256",))
    problems = [item for item in items if isinstance(item, Problem)]
    assert len(items) == 2 and len(problems) == 1
    assert problems[0].path == os.fsencode(target)
    assert "changed while being read" in problems[0].message
    result = tree.check()
    assert any("changed while being read" in p.message for p in result.problems)
    assert "etc/app.conf" in _findings(result, tree)


SPARSE_CHILD = """
import os, resource, sys
from vedette.fim.inspect import HINT_FILE, Problem, inspect_path
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
items = inspect_path(os.fsencode(sys.argv[1]), HINT_FILE, ("sha256",))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(after - before)
print(sum(isinstance(item, Problem) for item in items), len(items))
print(repr(items))
"""
ONE_GIB_OF_ZEROS_SHA256 = "49bc20df15e412a64472421e13fe86ff1c5165e18b2afccf160d4dc19fe68a14"


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """Memory-backed when possible: reading 1 GiB of holes from tmpfs is much faster."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="vedette-test-", dir=shm))
    yield path
    shutil.rmtree(path)


def test_a_large_sparse_file_is_hashed_in_bounded_memory(scratch: Path) -> None:
    path = scratch / "sparse.img"
    with open(path, "wb") as handle:
        handle.truncate(1 << 30)
    child = subprocess.run([sys.executable, "-c", SPARSE_CHILD, path], capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    growth_kib, counts, items = child.stdout.splitlines()
    assert int(growth_kib) < 64 * 1024
    assert counts == "0 1"
    assert ONE_GIB_OF_ZEROS_SHA256 in items


# --- mounts -----------------------------------------------------------------------------------

@pytest.fixture
def mounted(tree: Tree) -> Iterator[Path]:
    point = tree.root / "etc" / "mnt"
    point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "none", point], check=True)
    try:
        write(point / "inside", "on the tmpfs")
        yield point
    finally:
        subprocess.run(["umount", point], check=True)


@needs_root
def test_a_mount_inside_the_tree_is_not_crossed(tree: Tree, mounted: Path) -> None:
    result = _reinit(tree)
    assert result.problems == []
    with Baseline(tree.db) as baseline:
        before = baseline.count()
    write(mounted / "more", "also on the tmpfs")
    (mounted / "inside").write_text("changed")
    assert tree.check().findings == []
    # the mount point itself is recorded
    os.chmod(mounted, 0o700)
    assert list(_findings(tree.check(), tree)) == ["etc/mnt"]
    tree.policy = Policy(PolicyFile.model_validate({**tree.policy.spec.model_dump(),
                                                    "cross_mounts": True}))
    crossed = _reinit(tree)
    assert crossed.files == before + 2
    write(mounted / "third", "3")
    assert _findings(tree.check(), tree)["etc/mnt/third"].context["change"] == "added"


# --- roots ------------------------------------------------------------------------------------

def test_a_missing_scan_root_is_a_problem_not_a_crash(tree: Tree, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    result = run.init([str(missing), str(tree.root)], tmp_path / "other.db", tree.key,
                      tree.policy, tree.host, workers=1)
    assert [os.fsdecode(p.path) for p in result.problems] == [str(missing)]
    with Baseline(tmp_path / "other.db") as baseline:
        assert result.files == baseline.count() > 10
    check = tree.check(paths=[str(missing)])
    assert check.findings == [] and check.exit_code == 0
    assert [os.fsdecode(p.path) for p in check.problems] == [str(missing)]


# --- hashing workers --------------------------------------------------------------------------

def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat_line = Path(f"/proc/{entry}/stat").read_text()
                if stat_line.rsplit(")", 1)[1].split()[1] == me:
                    found.add(int(entry))
    return found


# The interrupted comparison leaves a baseline cursor to the garbage collector, which closes
# it after the baseline itself was closed; SQLite then complains, harmlessly.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_killed_worker_is_replaced_and_its_batches_redone(
        tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hashing worker killed mid-scan (SIGBUS from a file truncated while mapped, the
    OOM killer) is replaced: the check completes with every path compared."""
    for index in range(600):
        write(tree.root / "etc" / "many" / f"f{index:04d}", str(index))
    (tree.root / "bin" / "ps").chmod(0o700)
    existing = _children()
    real_walk = scan_module.walk

    def walk_then_kill(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for count, item in enumerate(real_walk(*args, **kwargs)):
            if count == 550:  # the worker holds batches by now
                for pid in _children() - existing:
                    os.kill(pid, signal.SIGKILL)
            yield item

    monkeypatch.setattr(scan_module, "walk", walk_then_kill)
    with deadline(60):
        result = tree.check(workers=2)
    kinds = sorted(event.context["change"] for event in result.findings)
    assert kinds.count("added") == 601 and kinds.count("modified") == 1
    assert result.exit_code == 2


def test_workers_that_keep_dying_fail_the_check_cleanly(tree: Tree) -> None:
    """If workers die even on retried batches, the check fails as "could not run",
    recorded in the store, instead of crashing or hanging."""
    for index in range(600):
        write(tree.root / "etc" / "many" / f"f{index:04d}", str(index))
    existing = _children()
    stop = threading.Event()

    def keep_killing() -> None:
        while not stop.is_set():
            for pid in _children() - existing:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)

    killer = threading.Thread(target=keep_killing, daemon=True)
    killer.start()
    try:
        with deadline(60), pytest.raises(run.FimError) as caught:
            tree.check(workers=2)
    finally:
        stop.set()
        killer.join()
    del caught  # the exception's traceback holds the cursor
    gc.collect()
    last = tree.store.runs()[-1]
    assert (last.name, last.outcome, last.exit_code) == ("check", "error", 3)



HIJACK = """\
import os
open(os.path.join({marker!r}), "w").write("code from the current directory ran")
"""


def test_workers_never_import_code_from_the_current_directory(tree: Tree,
                                                               tmp_path: Path) -> None:
    # `vedette fim check` is often run by root from wherever the admin stands: a planted
    # `vedette/` package there must not run. (The main process here is started with -P.)
    cwd = tmp_path / "untrusted"
    marker = tmp_path / "hijacked"
    for module in ("vedette/__init__.py", "vedette/fim/__init__.py"):
        write(cwd / module, "")
    write(cwd / "vedette" / "fim" / "worker.py", HIJACK.format(marker=str(marker)))
    for module in ("inspect", "scan", "baseline"):
        write(cwd / "vedette" / "fim" / f"{module}.py", HIJACK.format(marker=str(marker)))
    program = textwrap.dedent(f"""
        import sys
        from vedette.cli.main import main
        sys.argv = ["vedette", "fim", "init", "--force", "--workers", "2",
                    "--db", {str(tree.db)!r}, "--key", {str(tree.key)!r}, {str(tree.root)!r}]
        main()
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    child = subprocess.run([sys.executable, "-P", "-c", program], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=60)
    assert not marker.exists(), "a worker imported vedette from the current directory"
    assert child.returncode == 0, child.stderr


def test_parallel_scan_does_not_depend_on_a_large_pipe(tree: Tree,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Growing the pipe to the workers is best effort (the kernel may refuse: a lowered
    fs.pipe-max-size, per-user pipe limits, another OS); a small pipe must not hang a scan."""
    deep = tree.root / "etc" / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    for index in range(800):
        (deep / (f"{index:05d}" + "f" * 200)).write_bytes(b"x")
    existing = _children()

    class Stuck(Exception):
        pass

    def expired(signum: int, frame: FrameType | None) -> None:
        for pid in _children() - existing:  # so that the pool's clean-up does not wait
            os.kill(pid, signal.SIGKILL)
        raise Stuck

    # What a refusing kernel leaves (an implementation without such a pipe has nothing to set).
    monkeypatch.setattr(scan_module, "PIPE_BYTES", 4096, raising=False)
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, 8)
    try:
        result = tree.check(workers=2)
    except Stuck:
        # Reported without the (deep) traceback of the interrupted write.
        pytest.fail("the parallel scan is stuck: parent and worker both wait on a full pipe",
                    pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(result.findings) == 802  # the two directories and the files


def test_large_files_hash_the_same_through_maps_and_reads(tmp_path: Path) -> None:
    """Workers hash large files through memory maps, the main process by reading: both
    must give the same entries, and a change in the middle must be seen either way."""
    from vedette.fim.inspect import MAP_MIN, MAP_WINDOW, unpack
    from vedette.fim.policy import Policy, PolicyFile
    from vedette.fim.scan import normalize_roots, scan

    root = tmp_path / "big"
    data = os.urandom(MAP_WINDOW + MAP_MIN + 17)  # more than one map window
    write(root / "large.bin", data)
    write(root / "small.bin", data[:100])
    policy = Policy(PolicyFile(include_default=False, hashes=["sha256", "blake3"]))
    roots = normalize_roots([str(root)])

    def entries(workers: int) -> list[tuple[bytes, bytes]]:
        return [entry for batch, _ in scan(roots, policy, ("sha256", "blake3"), workers)
                for entry in batch]

    assert entries(1) == entries(2)
    large = next(unpack(e) for e in entries(2) if e[0].endswith(b"large.bin"))
    assert hashlib.sha256(data).hexdigest() in large[15]
