from __future__ import annotations

import itertools
import marshal
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import yaml

from vedette.events import Host
from vedette.fim import run
from vedette.fim.policy import Policy, PolicyFile
from vedette.store import Store, open_store

ROOT = os.geteuid() == 0

# The PostgreSQL server the tests use; each test gets a schema of its own, dropped after.
PG_SERVER = os.environ.get("VEDETTE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
_schemas = itertools.count()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL store URL in a schema of its own, dropped after the test."""
    schema = f"vedette_test_{os.getpid()}_{next(_schemas)}"
    yield f"{PG_SERVER}?schema={schema}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real data directory or configuration from tests."""
    monkeypatch.setenv("VEDETTE_HOME", str(tmp_path_factory.mktemp("vedette-home")))
    monkeypatch.delenv("VEDETTE_CONFIG", raising=False)
    monkeypatch.delenv("SUDO_USER", raising=False)


needs_root = pytest.mark.skipif(not ROOT, reason="needs root (chown, mount, capabilities)")


def write(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# --- a small system-like tree with a policy, a baseline and a store ---------------------------

@dataclass
class Tree:
    """A small system-like tree with a policy of its own, a baseline and a store."""

    root: Path
    db: Path
    key: Path
    policy: Policy
    store: Store
    host: Host = field(default_factory=lambda: Host(name="test-host", labels={"env": "test"}))

    def init(self) -> run.InitResult:
        return run.init([str(self.root)], self.db, self.key, self.policy, self.host, self.store,
                        workers=1)

    def check(self, workers: int = 1, paths: list[str] | None = None) -> run.CheckResult:
        return run.check(paths or [], self.db, self.key, self.policy, self.host, self.store,
                         workers=workers)

    def accept(self, reason: str = "planned change", paths: list[str] | None = None
               ) -> run.AcceptResult:
        return run.accept(paths or [], self.db, self.key, reason, self.policy, self.host,
                          self.store, workers=1)

    def changes(self) -> dict[str, tuple[str, list[str], str]]:
        """{path relative to root: (kind, attributes, severity)} of a fresh check."""
        result = self.check()
        return {
            str(Path(event.observables["file.path"]).relative_to(self.root)):
                (event.context["change"], sorted(event.context["attributes"]),
                 event.severity.value)
            for event in result.findings
        }


TREE_POLICY_YAML = """\
include_default: false
exclude: ["{root}/cache/**"]
rules:
  - name: binaries
    paths: ["{root}/bin/**"]
    severity: critical
  - name: logs
    paths: ["{root}/log/**"]
    severity: low
    growing: true
    ignore: [mtime, ctime]
  - name: config
    paths: ["{root}/etc/**"]
    severity: medium
"""


def tree_policy(root: Path) -> Policy:
    return Policy(PolicyFile.model_validate(yaml.safe_load(TREE_POLICY_YAML.format(root=root))))


def make_tree_files(root: Path) -> None:
    write(root / "bin" / "ssh", b"\x7fELF ssh binary " * 100)
    write(root / "bin" / "ps", b"\x7fELF ps binary " * 50)
    (root / "bin" / "ps").chmod(0o755)
    write(root / "etc" / "passwd", "root:x:0:0:root:/root:/bin/bash\n")
    write(root / "etc" / "app.conf", "level = info\n")
    write(root / "log" / "app.log", "started\n")
    write(root / "cache" / "blob", "cached")
    (root / "etc" / "alternatives").mkdir()
    (root / "etc" / "alternatives" / "editor").symlink_to("/usr/bin/vi")


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Tree]:
    root = tmp_path / "sys"
    make_tree_files(root)
    store = open_store(tmp_path / "store.db")
    built = Tree(root, tmp_path / "fim.db", tmp_path / "keys" / "fim.key", tree_policy(root),
                 store)
    built.init()
    yield built
    store.close()


# --- the command line, as a separate process -------------------------------------------------

ANSI = re.compile(r"\x1b\[")
# Variables that would make rich colour its output even into a pipe.
_COLOUR_FORCING = ("FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                   "PY_COLORS")


def vedette(*args: str | os.PathLike[str], home: Path | None = None,
            env: dict[str, str] | None = None, timeout: float = 60
            ) -> subprocess.CompletedProcess[str]:
    """Run `python -m vedette ARGS` the way cron or a monitoring agent would: no terminal."""
    environment = {k: v for k, v in os.environ.items() if k not in _COLOUR_FORCING}
    if home is not None:
        environment["VEDETTE_HOME"] = str(home)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "vedette", *map(os.fspath, args)],
                          capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape", env=environment, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# --- baseline tampering, whatever the table layout ----------------------------------------

def tamper_entries(db: Path, mutate: Callable[[list[tuple[bytes, bytes]]], None]) -> None:
    """Edit the entries of the baseline's last chunk in place, as an intruder would: the
    stored data stays well formed, only the signature can tell."""
    conn = sqlite3.connect(db)
    try:
        first_key, data = conn.execute(
            "SELECT first_key, entries FROM chunks ORDER BY first_key DESC LIMIT 1").fetchone()
        entries = [tuple(entry) for entry in marshal.loads(data)]
        mutate(entries)  # type: ignore[arg-type]
        conn.execute("UPDATE chunks SET count = ?, entries = ? WHERE first_key = ?",
                     (len(entries), marshal.dumps(entries, 2), first_key))
        conn.commit()
    finally:
        conn.close()


def tamper_one_row(db: Path) -> None:
    """Change one attribute byte of one path's entry."""
    def flip(entries: list[tuple[bytes, bytes]]) -> None:
        key, attributes = entries[-1]
        entries[-1] = (key, attributes[:-1] + bytes([attributes[-1] ^ 0x01]))

    tamper_entries(db, flip)


def delete_one_row(db: Path) -> None:
    tamper_entries(db, lambda entries: entries.pop())


def add_one_row(db: Path) -> None:
    tamper_entries(db, lambda entries: entries.append(
        (entries[-1][0] + b"\x00planted", entries[-1][1])))
