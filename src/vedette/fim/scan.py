"""Walk a tree in a fixed order and inspect every path, in parallel, in that same order.

The order (sorted, depth first) is the order of the baseline's primary key, so a check
can compare scan and baseline as two sorted streams, in constant memory.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context

from vedette.fim.inspect import (
    HINT_DIR,
    HINT_FILE,
    HINT_OTHER,
    Entry,
    Problem,
    inspect_batch,
    inspect_path,
    path_key,
)
from vedette.fim.policy import Policy

BATCH = 256
# Batches in flight per worker: enough to keep workers busy, few enough to bound memory.
WINDOW_PER_WORKER = 4


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
    """Rows for every path under `roots`, in key order, with problems interleaved."""
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
    with _worker_pool(workers) as pool:
        pending: deque[Future[list[Entry | Problem]]] = deque()
        for batch, problems in _batches(paths):
            yield from problems
            pending.append(pool.submit(inspect_batch, batch, algorithms))
            if len(pending) >= workers * WINDOW_PER_WORKER:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    """Forked workers start in milliseconds, where spawned ones would re-import the whole
    CLI. They only run `inspect_batch`, which takes no lock a parent thread could hold."""
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method))


def _batches(items: Iterator[tuple[bytes, str] | Problem]
             ) -> Iterator[tuple[list[tuple[bytes, str]], list[Problem]]]:
    batch: list[tuple[bytes, str]] = []
    problems: list[Problem] = []
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch, problems
            batch, problems = [], []
    if batch or problems:
        yield batch, problems


__all__ = ["HINT_FILE", "Entry", "Problem", "default_workers", "normalize_roots", "scan", "walk"]
