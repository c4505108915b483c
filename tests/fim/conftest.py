from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import write
from vedette.events import Host
from vedette.fim import run
from vedette.fim.policy import Policy, PolicyFile, load_policy
from vedette.store import Store, open_store


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

    def check(self, workers: int = 1) -> run.CheckResult:
        return run.check([], self.db, self.key, self.policy, self.host, self.store,
                         workers=workers)

    def changes(self) -> dict[str, tuple[str, list[str], str]]:
        """{path relative to root: (kind, attributes, severity)} of a fresh check."""
        result = self.check()
        return {
            str(Path(event.observables["file.path"]).relative_to(self.root)):
                (event.context["change"], sorted(event.context["attributes"]),
                 event.severity.value)
            for event in result.findings
        }


def tree_policy(root: Path) -> Policy:
    spec = PolicyFile.model_validate({
        "include_default": False,
        "exclude": [f"{root}/cache/**"],
        "rules": [
            {"name": "binaries", "paths": [f"{root}/bin/**"], "severity": "critical"},
            {"name": "logs", "paths": [f"{root}/log/**"], "severity": "low", "growing": True,
             "ignore": ["mtime", "ctime"]},
            {"name": "config", "paths": [f"{root}/etc/**"], "severity": "medium"},
        ],
    })
    return Policy(spec)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    root = tmp_path / "sys"
    write(root / "bin" / "ssh", b"\x7fELF ssh binary " * 100)
    write(root / "bin" / "ps", b"\x7fELF ps binary " * 50)
    (root / "bin" / "ps").chmod(0o755)
    write(root / "etc" / "passwd", "root:x:0:0:root:/root:/bin/bash\n")
    write(root / "etc" / "app.conf", "level = info\n")
    write(root / "log" / "app.log", "started\n")
    write(root / "cache" / "blob", "cached")
    (root / "etc" / "alternatives").mkdir()
    (root / "etc" / "alternatives" / "editor").symlink_to("/usr/bin/vi")
    store = open_store(tmp_path / "store.db")
    built = Tree(root, tmp_path / "fim.db", tmp_path / "keys" / "fim.key", tree_policy(root),
                 store)
    built.init()
    yield built
    store.close()


__all__ = ["Tree", "load_policy", "tree"]
