"""Walk a tree in a fixed order and inspect every path, in parallel, in that same order.

The order (sorted, depth first) is the order of the baseline's primary key, so a check
can compare scan and baseline as two sorted streams, in constant memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import stat
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator

from vedette.fim.inspect import (
    HINT_DIR,
    HINT_FILE,
    HINT_OTHER,
    Entry,
    Problem,
    inspect_path,
    path_key,
)
from vedette.fim.policy import Policy
from vedette.fim.worker import MARSHAL_VERSION, read_frame, write_frame

BATCH = 256
BATCH_BYTES = 64 << 10
# Batches in flight per worker: enough to keep workers busy, few enough to bound memory
# and to fit in the pipe to the worker (PIPE_BYTES), so sending never blocks.
WINDOW_PER_WORKER = 4
PIPE_BYTES = 1 << 20


def normalize_roots(paths: Iterable[str | bytes]) -> list[bytes]:
    """Absolute, de-duplicated roots in walk order, dropping roots nested in another."""
    absolute = sorted({os.path.abspath(os.fsencode(p)) for p in paths}, key=path_key)
    roots: list[bytes] = []
    for root in absolute:
        if roots and (root == roots[-1] or root.startswith(roots[-1].rstrip(b"/") + b"/")):
            continue
        roots.append(root)
    return roots


def walk(roots: list[bytes], policy: Policy) -> Iterator[tuple[bytes, str] | Problem]:
    """Yield (path, hint) for every path under `roots` in key order, and problems met.

    Never follows symlinks (so no loops), never crosses into another file system unless
    the policy says `cross_mounts`, and never descends into excluded paths.
    """
    for root in roots:
        try:
            st = os.lstat(root)
        except OSError as exc:
            yield Problem(root, f"cannot scan root: {exc.strerror or exc}")
            continue
        if policy.excluded(root):
            continue
        if stat.S_ISDIR(st.st_mode):
            yield root, HINT_DIR
            yield from _walk_tree(root, st.st_dev, policy)
        else:
            yield root, HINT_FILE if stat.S_ISREG(st.st_mode) else HINT_OTHER


def _sorted_entries(path: bytes) -> list[os.DirEntry[bytes]]:
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _walk_tree(root: bytes, device: int, policy: Policy) -> Iterator[tuple[bytes, str] | Problem]:
    try:
        stack = [iter(_sorted_entries(root))]
    except OSError as exc:
        yield Problem(root, f"cannot list directory: {exc.strerror or exc}")
        return
    excluded, cross = policy.excluded, policy.cross_mounts
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = entry.path
        if excluded(path):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield path, HINT_DIR
                if not cross and entry.stat(follow_symlinks=False).st_dev != device:
                    continue  # a mount point: recorded itself, contents not crossed
                stack.append(iter(_sorted_entries(path)))
            elif entry.is_file(follow_symlinks=False):
                yield path, HINT_FILE
            else:
                yield path, HINT_OTHER
        except FileNotFoundError:
            yield Problem(path, "vanished during the scan")
        except OSError as exc:
            yield Problem(path, f"cannot list directory: {exc.strerror or exc}")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def scan(roots: list[bytes], policy: Policy, algorithms: tuple[str, ...],
         workers: int | None = None) -> Iterator[Entry | Problem]:
    """Entries for every path under `roots`, in key order, with problems interleaved."""
    workers = workers or default_workers()
    paths = walk(roots, policy)
    if workers == 1:
        for item in paths:
            if isinstance(item, Problem):
                yield item
            else:
                yield from inspect_path(item[0], item[1], algorithms)
        return
    # Worker processes, not threads: per-file work is Python code that would hold the GIL.
    with WorkerPool(workers) as pool:
        pending: deque[int] = deque()
        for number, (batch, problems) in enumerate(_batches(paths)):
            yield from problems
            worker = number % workers
            pool.send(worker, algorithms, batch)
            pending.append(worker)
            if len(pending) >= workers * WINDOW_PER_WORKER:
                yield from pool.receive(pending.popleft())
        while pending:
            yield from pool.receive(pending.popleft())


class WorkerError(Exception):
    """A worker process failed; the scan cannot be trusted to be complete."""


class WorkerPool:
    """Worker processes fed round-robin; each answers its batches in the order received,
    so reading replies in submission order keeps the walk order."""

    def __init__(self, count: int) -> None:
        self._processes: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(count):
                process = subprocess.Popen(
                    [sys.executable, "-m", "vedette.fim.worker"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, bufsize=0, close_fds=True)
                self._processes.append(process)
                _grow_pipe(process.stdin)
        except BaseException:
            self.close()
            raise

    def send(self, index: int, algorithms: tuple[str, ...], batch: list[tuple[bytes, str]]
             ) -> None:
        process = self._processes[index]
        try:
            write_frame(process.stdin,  # type: ignore[arg-type]
                        marshal.dumps((algorithms, batch), MARSHAL_VERSION))
        except BrokenPipeError as exc:
            raise WorkerError(f"hashing worker {process.pid} exited "
                              f"(code {process.poll()})") from exc

    def receive(self, index: int) -> list[Entry | Problem]:
        process = self._processes[index]
        try:
            frame = read_frame(process.stdout)  # type: ignore[arg-type]
        except EOFError:
            frame = None
        if frame is None:
            raise WorkerError(f"hashing worker {process.pid} exited (code {process.wait()})")
        return [Problem(*item) if isinstance(item[1], str) else item
                for item in marshal.loads(frame)]

    def close(self) -> None:
        for process in self._processes:
            with contextlib.suppress(OSError):
                process.stdin.close()  # type: ignore[union-attr]
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _grow_pipe(stream: object) -> None:
    """Room for every batch in flight, so sending never blocks on a busy worker."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", 1031)
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(stream.fileno(), set_size, PIPE_BYTES)  # type: ignore[attr-defined]


def _batches(items: Iterator[tuple[bytes, str] | Problem]
             ) -> Iterator[tuple[list[tuple[bytes, str]], list[Problem]]]:
    batch: list[tuple[bytes, str]] = []
    problems: list[Problem] = []
    size = 0
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        batch.append(item)
        size += len(item[0])
        if len(batch) >= BATCH or size >= BATCH_BYTES:
            yield batch, problems
            batch, problems, size = [], [], 0
    if batch or problems:
        yield batch, problems


__all__ = ["HINT_FILE", "Entry", "Problem", "default_workers", "normalize_roots", "scan", "walk"]
