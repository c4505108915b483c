"""Walk a tree in a fixed order and inspect every path, in parallel, in that same order.

The order (sorted, depth first) is the order of the baseline's primary key, so a check
can compare scan and baseline as two sorted streams, in constant memory.
"""

from __future__ import annotations

import contextlib
import marshal
import operator
import os
import selectors
import stat
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from vedette.fim.inspect import (
    CANNOT_LIST,
    CANNOT_SCAN_ROOT,
    HINT_DIR,
    HINT_FILE,
    HINT_OTHER,
    Entry,
    Problem,
    inspect_batch,
    path_key,
)
from vedette.fim.policy import Policy
from vedette.fim.worker import MARSHAL_VERSION, read_frame, write_frame

BATCH = 64
BATCH_BYTES = 64 << 10
# Batches a worker may hold: enough that it never runs dry while this process walks or
# inspects a batch itself (batches are small, so that never takes long), few enough that
# a worker stuck on a huge file is not handed much. MAX_AHEAD bounds the batches walked
# but not yet given back in order.
QUEUED_PER_WORKER = 16
MAX_AHEAD = 64
MAX_RESTARTS = 8


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
        except FileNotFoundError:
            # Not an unreadable root: a missing one, so whatever the baseline holds under
            # it is reported as deleted.
            yield Problem(root, "root does not exist")
            continue
        except OSError as exc:
            yield Problem(root, f"{CANNOT_SCAN_ROOT}: {exc.strerror or exc}")
            continue
        if policy.excluded(root):
            continue
        if stat.S_ISDIR(st.st_mode):
            yield root, HINT_DIR
            yield from _walk_tree(root, st.st_dev, policy)
        else:
            yield root, HINT_FILE if stat.S_ISREG(st.st_mode) else HINT_OTHER


_by_name = operator.attrgetter("name")


def _sorted_entries(path: bytes) -> list[os.DirEntry[bytes]]:
    with os.scandir(path) as entries:
        return sorted(entries, key=_by_name)


def _walk_tree(root: bytes, device: int, policy: Policy) -> Iterator[tuple[bytes, str] | Problem]:
    try:
        stack = [iter(_sorted_entries(root))]
    except OSError as exc:
        yield Problem(root, f"{CANNOT_LIST}: {exc.strerror or exc}")
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
            yield Problem(path, f"{CANNOT_LIST}: {exc.strerror or exc}")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


Batch = tuple[list[Entry], list[Problem]]


def scan(roots: list[bytes], policy: Policy, algorithms: tuple[str, ...],
         workers: int | None = None) -> Iterator[Batch]:
    """Entries for every path under `roots` in key order, a batch at a time, each with
    the problems met while walking and reading it."""
    workers = workers or default_workers()
    batches = _batches(walk(roots, policy))
    if workers == 1:
        for paths, problems in batches:
            entries, more = inspect_batch(paths, algorithms)
            yield entries, problems + more
        return
    # `workers` counts this process too: it walks, and inspects a batch itself whenever
    # the worker processes are all busy, so `workers - 1` processes keep every CPU busy
    # at the memory cost of one interpreter less. Worker processes, not threads: per-file
    # work is Python code that would hold the GIL. Batches go to whichever worker is free,
    # so one huge file does not idle the others; results are put back in walk order.
    with WorkerPool(workers - 1) as pool:
        done: dict[int, Batch] = {}
        walk_problems: dict[int, list[Problem]] = {}
        sent = emitted = 0

        def in_order(wait: bool) -> Iterator[Batch]:
            """Take the replies that are there (or wait for one), then yield what is next
            in walk order."""
            nonlocal emitted
            done.update(pool.collect(wait))
            while emitted in done:
                entries, more = done.pop(emitted)
                yield entries, walk_problems.pop(emitted) + more
                emitted += 1

        for paths, problems in batches:
            while sent - emitted >= MAX_AHEAD:
                yield from in_order(wait=True)
            if pool.has_room():
                pool.send(sent, algorithms, paths)
            else:
                done[sent] = inspect_batch(paths, algorithms)
            walk_problems[sent] = problems
            sent += 1
            yield from in_order(wait=False)
        while emitted < sent:
            yield from in_order(wait=True)


class WorkerError(Exception):
    """A worker process failed; the scan cannot be trusted to be complete."""


class WorkerPool:
    """Hashing worker processes. Each answers its batches in the order it got them, so
    the reply on a worker's pipe belongs to the oldest batch that worker still holds.

    A worker that dies (SIGBUS from a file truncated while mapped, the OOM killer...) is
    replaced and its batches are sent again in careful mode, without memory maps; only a
    worker that dies on a careful batch stops the scan."""

    def __init__(self, count: int) -> None:
        self._processes: list[subprocess.Popen[bytes]] = []
        # Per worker: (batch number, request payload, careful) of the batches it holds.
        self._queued: dict[int, deque[tuple[int, list[Any], bool]]] = {}
        self._selector = selectors.DefaultSelector()
        self._restarts = 0
        try:
            for index in range(count):
                self._processes.append(self._start(index))
                self._queued[index] = deque()
        except BaseException:
            self.close()
            raise

    def _start(self, index: int) -> subprocess.Popen[bytes]:
        # -P: never import from the current directory (vedette often runs as root).
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "vedette.fim.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, bufsize=0, close_fds=True, cwd="/")
        self._selector.register(process.stdout, selectors.EVENT_READ, index)  # type: ignore[arg-type]
        return process

    def has_room(self) -> bool:
        return any(len(queue) < QUEUED_PER_WORKER for queue in self._queued.values())

    def send(self, number: int, algorithms: tuple[str, ...],
             batch: list[tuple[bytes, str]]) -> None:
        """Give batch `number` to the least busy worker."""
        index = min(self._queued, key=lambda i: len(self._queued[i]))
        self._queued[index].append((number, [algorithms, batch], False))
        self._write(index, [algorithms, batch, True])

    def _write(self, index: int, request: list[Any]) -> None:
        process = self._processes[index]
        # If it died, the next read from it finds out and recovers.
        with contextlib.suppress(BrokenPipeError):
            write_frame(process.stdin,  # type: ignore[arg-type]
                        marshal.dumps(tuple(request), MARSHAL_VERSION))

    def collect(self, wait: bool = True) -> dict[int, Batch]:
        """Replies by batch number: those ready now, or (`wait`) at least one."""
        replies = {}
        if wait and not any(self._queued.values()):
            return replies  # nothing is out: nothing to wait for
        for key, _ in self._selector.select(None if wait else 0):
            index = key.data
            process = self._processes[index]
            try:
                frame = read_frame(process.stdout)  # type: ignore[arg-type]
            except EOFError:
                frame = None
            if frame is None:
                self._replace(index)
                continue
            entries, problems = marshal.loads(frame)
            number, _, _ = self._queued[index].popleft()
            replies[number] = (entries, [Problem(*problem) for problem in problems])
        return replies

    def _replace(self, index: int) -> None:
        dead = self._processes[index]
        code = dead.wait()
        queued = self._queued[index]
        self._restarts += 1
        if (queued and queued[0][2]) or self._restarts > MAX_RESTARTS:
            raise WorkerError(f"hashing worker {dead.pid} exited (code {code}) "
                              f"after {self._restarts - 1} restarts")
        self._selector.unregister(dead.stdout)  # type: ignore[arg-type]
        for stream in (dead.stdin, dead.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        self._processes[index] = self._start(index)
        self._queued[index] = deque((number, request, True) for number, request, _ in queued)
        for _, request, _ in self._queued[index]:
            self._write(index, [*request, False])

    def close(self) -> None:
        self._selector.close()
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
