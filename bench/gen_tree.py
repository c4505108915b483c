#!/usr/bin/env python3
"""Generate a deterministic, realistic file tree for the FIM benchmark.

    python bench/gen_tree.py DIR --files N --total-bytes B [--seed S] [--profile auto|mixed|tiny]

The same arguments always give the same tree: the same directory layout, names,
sizes, contents, modes, mtimes, symlinks, hard links and extended attributes
(only inode numbers and ctimes differ, which no generator can control).

Profiles
  mixed  many small files (log-normal sizes around a few KiB, about 1.5% empty),
         about 1 in 500 files of 1-8 MiB, about 1 in 25,000 files of 50-200 MiB;
         the small files are scaled so that the total matches --total-bytes.
  tiny   only tiny files (0..2x the average size); for the 1,000,000-file tree.
  auto   (default) tiny when the average file size is below 1 KiB, else mixed.

Besides N regular files the tree holds nested directories (about one per 40
files, up to 10 levels deep), symlinks (about 1% of N: to files, to directories
and a few dangling ones), hard links (about 0.1% of N), a few names with spaces
and non-ASCII characters, a mix of modes (0644, 0755, 0600, 0640; some 0700
directories) and user.* extended attributes on about 0.5% of the files (when
the file system supports them).

Contents: each file starts with a 64-byte header derived from (seed, index), then
1 MiB chunks sliced at random offsets from a 32 MiB pool of seeded random bytes.
Every file therefore differs, the bytes are incompressible, and generation runs
at disk speed rather than at random-number-generator speed.

A manifest (parameters and counts) is written next to the tree as DIR.gen.json
(outside the tree, so that it is not scanned); fim_vs_aide.py uses it to reuse
an existing tree. Standard library only.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

GENERATOR_VERSION = 1
POOL_SIZE = 32 << 20
CHUNK = 1 << 20
MIB = 1 << 20
BASE_MTIME = 1_600_000_000  # 2020-09-13
MTIME_SPAN = 3 * 365 * 86400

WORDS = (
    "lib", "bin", "share", "doc", "man", "locale", "icons", "data", "config", "cache", "src",
    "include", "python3", "site", "packages", "node", "modules", "assets", "static",
    "templates", "fonts", "themes", "images", "vendor", "build", "dist", "tests", "fixtures",
    "plugins", "extensions", "schemas", "keys", "certs", "logs", "backup", "archive", "media",
    "sounds", "scripts", "tools", "util", "core", "net", "http", "crypto", "db", "store",
    "index", "report", "events", "metrics", "policy", "rules", "alpha", "beta", "gamma",
)
EXTS = (
    ".py", ".pyc", ".so", ".txt", ".json", ".yaml", ".conf", ".html", ".css", ".js", ".png",
    ".svg", ".gz", ".xz", ".mo", ".h", ".c", ".md", ".xml", ".csv", ".bin", ".dat", "",
)
ODD_STEMS = ("my file", "read me", "résumé", "naïve café", "данные", "数据", "Übersicht")


def manifest_path(root: Path) -> Path:
    return root.parent / (root.name + ".gen.json")


def _profile(files: int, total_bytes: int, profile: str) -> str:
    if profile != "auto":
        return profile
    return "tiny" if files and total_bytes / files < 1024 else "mixed"


def plan_sizes(rng: random.Random, files: int, total_bytes: int, profile: str) -> list[int]:
    """Return `files` sizes summing to exactly `total_bytes` (in a shuffled order)."""
    if files <= 0:
        return []
    if profile == "tiny":
        avg = total_bytes / files
        raw = [rng.uniform(0, 2 * avg) for _ in range(files)]
        fixed: list[int] = []
    else:
        n_large = files // 25_000
        n_medium = files // 500
        large = [rng.uniform(50, 200) * MIB for _ in range(n_large)]
        medium = [math.exp(rng.uniform(0, math.log(8))) * MIB for _ in range(n_medium)]
        # Keep the big files to at most 35% (large) and 40% (medium) of the budget,
        # so that small trees (e.g. a 2,000-file smoke test) still look sensible.
        for group, share in ((large, 0.35), (medium, 0.40)):
            s = sum(group)
            if s > share * total_bytes:
                f = share * total_bytes / s
                group[:] = [x * f for x in group]
        fixed = [int(x) for x in large + medium]
        n_small = files - len(fixed)
        raw = []
        for _ in range(n_small):
            if rng.random() < 0.015:
                raw.append(0.0)
            else:
                raw.append(min(rng.lognormvariate(math.log(2048), 1.6), 512 * 1024))
    budget = total_bytes - sum(fixed)
    s = sum(raw)
    factor = budget / s if s > 0 else 0.0
    small = [int(x * factor) for x in raw]
    # Put the rounding remainder on the largest small file so the total is exact.
    if small:
        i = max(range(len(small)), key=small.__getitem__)
        small[i] += budget - sum(small)
        if small[i] < 0:
            small[i] = 0
    sizes = fixed + small
    rng.shuffle(sizes)
    return sizes


def plan_dirs(rng: random.Random, ndirs: int) -> list[tuple[str, int]]:
    """Return (relative path, depth) for each directory; index 0 is the root ('')."""
    dirs: list[tuple[str, int]] = [("", 0)]
    for i in range(1, ndirs):
        if rng.random() < 0.6:
            parent = dirs[max(0, len(dirs) - 1 - rng.randrange(20))]
        else:
            parent = dirs[rng.randrange(len(dirs))]
        if parent[1] >= 10:
            parent = dirs[rng.randrange(min(len(dirs), 50))]
        name = f"{rng.choice(WORDS)}-{i}"
        if rng.random() < 0.004:
            name = f"{rng.choice(ODD_STEMS)} {i}"
        path = f"{parent[0]}/{name}" if parent[0] else name
        dirs.append((path, parent[1] + 1))
    return dirs


def file_name(rng: random.Random, i: int) -> str:
    r = rng.random()
    if r < 0.005:
        stem = f"{rng.choice(ODD_STEMS)} {i}"
    elif r < 0.01:
        stem = f".{rng.choice(WORDS)}-{i}"
    else:
        stem = f"{rng.choice(WORDS)}_{i}"
    return stem + rng.choice(EXTS)


def pick_mode(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.80:
        return 0o644
    if r < 0.90:
        return 0o755
    if r < 0.95:
        return 0o600
    return 0o640


def generate(root: Path, files: int, total_bytes: int, seed: int = 1, profile: str = "auto",
             quiet: bool = False) -> dict:
    t0 = time.perf_counter()
    prof = _profile(files, total_bytes, profile)
    rng = random.Random(seed)
    pool = memoryview(random.Random(seed ^ 0x5EED).randbytes(POOL_SIZE))
    sizes = plan_sizes(rng, files, total_bytes, prof)

    ndirs = max(1, files // (200 if prof == "tiny" else 40))
    dirs = plan_dirs(rng, ndirs)
    # Skewed placement: a few directories hold many files, most hold a handful.
    weights = [rng.lognormvariate(0, 1.2) for _ in dirs]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    placement = rng.choices(range(len(dirs)), cum_weights=cum, k=files)

    root.mkdir(parents=True, exist_ok=True)
    old_umask = os.umask(0)
    dir_modes: list[int] = []
    try:
        for rel, _depth in dirs[1:]:
            os.mkdir(root / rel, 0o755)
        for _ in dirs:
            dir_modes.append(0o700 if rng.random() < 0.03 else 0o755)

        xattr_ok = hasattr(os, "setxattr")
        n_xattr = 0
        written = 0
        file_paths: list[str] = []
        used: set[str] = set()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        step = max(1, files // 10)
        for i, size in enumerate(sizes):
            d = dirs[placement[i]][0]
            name = file_name(rng, i)
            rel = f"{d}/{name}" if d else name
            if rel in used:  # cannot happen with index-suffixed names, but be safe
                rel = f"{rel}.{i}"
            used.add(rel)
            file_paths.append(rel)
            mode = pick_mode(rng)
            mtime = (BASE_MTIME + rng.randrange(MTIME_SPAN)) * 1_000_000_000 + rng.randrange(
                1_000_000_000
            )
            fd = os.open(root / rel, flags, mode)
            try:
                if size:
                    header = hashlib.sha256(f"{seed}:{i}".encode()).digest() * 2
                    os.write(fd, header[: min(size, 64)])
                    left = size - min(size, 64)
                    while left:
                        n = min(left, CHUNK)
                        off = rng.randrange(POOL_SIZE - n + 1)
                        v = pool[off : off + n]
                        while v:
                            k = os.write(fd, v)
                            v = v[k:]
                        left -= n
                if xattr_ok and rng.random() < 0.005:
                    try:
                        os.setxattr(fd, "user.vedette.bench", f"tag-{i}".encode())
                        n_xattr += 1
                    except OSError as exc:
                        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
                            xattr_ok = False
                        else:
                            raise
                os.utime(fd, ns=(mtime, mtime))
            finally:
                os.close(fd)
            written += size
            if not quiet and (i + 1) % step == 0:
                el = time.perf_counter() - t0
                print(f"  {i + 1}/{files} files, {written / 1e6:.0f} MB, {el:.1f}s",
                      file=sys.stderr)

        # Symlinks: mostly to files, some to directories, a few dangling; relative targets.
        n_links = files // 100
        n_dangling = 0
        for j in range(n_links):
            d = dirs[rng.randrange(len(dirs))][0]
            r = rng.random()
            if r < 0.02 or not file_paths:
                target = f"missing-target-{j}"
                n_dangling += 1
            elif r < 0.12:
                target = os.path.relpath(dirs[rng.randrange(len(dirs))][0] or ".", d or ".")
            else:
                target = os.path.relpath(file_paths[rng.randrange(len(file_paths))], d or ".")
            rel = f"{d}/link_{j}" if d else f"link_{j}"
            os.symlink(target, root / rel)
            t = (BASE_MTIME + rng.randrange(MTIME_SPAN)) * 1_000_000_000
            os.utime(root / rel, ns=(t, t), follow_symlinks=False)

        # Hard links (link count > 1).
        n_hard = files // 1000 if file_paths else 0
        for j in range(n_hard):
            src = file_paths[rng.randrange(len(file_paths))]
            d = dirs[rng.randrange(len(dirs))][0]
            rel = f"{d}/hardlink_{j}" if d else f"hardlink_{j}"
            os.link(root / src, root / rel)

        # Directory modes and mtimes last, deepest first (creating entries bumps mtimes).
        by_depth = sorted(zip(dirs, dir_modes, strict=True), key=lambda x: -x[0][1])
        for (rel, _depth), mode in by_depth:
            p = root / rel if rel else root
            t = (BASE_MTIME + rng.randrange(MTIME_SPAN)) * 1_000_000_000
            os.utime(p, ns=(t, t))
            os.chmod(p, mode)
    finally:
        os.umask(old_umask)

    os.sync()  # so that write-back does not disturb the timed runs that follow
    info = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "profile": prof,
        "files": files,
        "total_bytes": total_bytes,
        "directories": len(dirs),
        "symlinks": n_links,
        "dangling_symlinks": n_dangling,
        "hardlinks": n_hard,
        "xattr_files": n_xattr,
        "largest_file": max(sizes) if sizes else 0,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return info


def params_match(root: Path, files: int, total_bytes: int, seed: int, profile: str) -> bool:
    """True if ROOT was generated (completely) with these parameters."""
    mp = manifest_path(root)
    try:
        info = json.loads(mp.read_text())
    except (OSError, ValueError):
        return False
    return (
        root.is_dir()
        and info.get("generator_version") == GENERATOR_VERSION
        and info.get("seed") == seed
        and info.get("files") == files
        and info.get("total_bytes") == total_bytes
        and info.get("profile") == _profile(files, total_bytes, profile)
        and info.get("complete") is True
    )


def remove_tree(root: Path) -> None:
    """Remove a generated tree and its manifest (restoring write bits on 0700 dirs is not
    needed as root, but chmod first so that it also works for an ordinary user)."""
    mp = manifest_path(root)
    if mp.exists():
        mp.unlink()
    if root.exists():
        for dirpath, dirnames, _ in os.walk(root):
            for d in dirnames:
                p = os.path.join(dirpath, d)
                if not os.path.islink(p):
                    os.chmod(p, 0o755)
        shutil.rmtree(root)


def ensure_tree(root: Path, files: int, total_bytes: int, seed: int = 1, profile: str = "auto",
                quiet: bool = False) -> tuple[dict, bool]:
    """Generate ROOT unless an identical tree is already there. Returns (manifest, created)."""
    if params_match(root, files, total_bytes, seed, profile):
        return json.loads(manifest_path(root).read_text()), False
    if root.exists() or manifest_path(root).exists():
        remove_tree(root)
    info = generate(root, files, total_bytes, seed, profile, quiet)
    info["complete"] = True
    manifest_path(root).write_text(json.dumps(info, indent=2) + "\n")
    return info, True


def parse_size(text: str) -> int:
    """'2G', '2GB', '500M', '64k' (powers of 1000) or '2GiB', '1MiB' (powers of 1024)."""
    t = text.strip().lower().replace("_", "")
    units = {"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
             "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
             "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "b": 1}
    for suffix, mult in sorted(units.items(), key=lambda kv: -len(kv[0])):
        if t.endswith(suffix):
            return int(float(t[: -len(suffix)]) * mult)
    return int(float(t))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="tree root to create (must not exist or be empty)")
    ap.add_argument("--files", type=int, default=100_000, help="number of regular files")
    ap.add_argument("--total-bytes", type=parse_size, default=2 * 10**9,
                    help="total size of the regular files, e.g. 2G, 500M, 2GiB (default 2G)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", choices=("auto", "mixed", "tiny"), default="auto")
    ap.add_argument("--force", action="store_true",
                    help="remove DIR (and its manifest) first if it already exists")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)

    root = a.dir.absolute()
    if root.exists() and any(root.iterdir()):
        if not a.force:
            ap.error(f"{root} exists and is not empty (use --force to replace it)")
        remove_tree(root)
    info = generate(root, a.files, a.total_bytes, a.seed, a.profile, a.quiet)
    info["complete"] = True
    manifest_path(root).write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps({"root": str(root), **info}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
