"""The `vedette` command itself: version, usage errors (exit 3), configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ANSI, vedette, write
from vedette import __version__


def test_version() -> None:
    result = vedette("--version")
    assert result.returncode == 0
    assert result.stdout == f"vedette {__version__}\n"


def test_version_from_the_installed_entry_point() -> None:
    entry_point = Path(sys.executable).parent / "vedette"
    if not entry_point.exists():
        pytest.fail(f"{entry_point} is missing: is the package installed in this environment?")
    result = subprocess.run([entry_point, "--version"], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout) == (0, f"vedette {__version__}\n")


@pytest.mark.parametrize("args", [("fim", "check", "--bogus"), ("fim", "accept")],
                         ids=["unknown option", "missing --reason"])
def test_usage_errors_exit_3(args: tuple[str, ...]) -> None:
    result = vedette(*args)
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() and "Traceback" not in result.stderr
    assert not ANSI.search(result.stderr)


def test_configuration_from_the_environment(tmp_path: Path) -> None:
    # VEDETTE_CONFIG is read, and its errors name the file, the key path and the line.
    config = write(tmp_path / "vedette.yaml", "fim:\n  db: /x.db\n  workers: many\n")
    result = vedette("fim", "check", env={"VEDETTE_CONFIG": str(config)})
    assert result.returncode == 3
    assert f"{config}:3: fim.workers:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("how", ["config", "option"])
def test_a_postgresql_store_url_is_kept_whole(tmp_path: Path, how: str, pg_url: str) -> None:
    """`postgresql://` URLs reach the PostgreSQL store intact, from the configuration file
    and from --store (a path type would fold `//` and open a SQLite file instead)."""
    from vedette.store import open_store

    log = write(tmp_path / "auth.log",
                "Nov 28 09:16:05 web sshd[42]: Failed password for root from 203.0.113.9 "
                "port 51000 ssh2\n")
    args: list[str | os.PathLike[str]] = ["auth", "detect", log]
    if how == "config":
        config = write(tmp_path / "vedette.yaml", f"store:\n  path: {pg_url}\n")
        args = ["--config", config, *args]
    else:
        args += ["--store", pg_url]
    result = vedette(*args)
    assert result.returncode == 0, result.stderr
    with open_store(pg_url) as store:
        assert [run.source for run in store.runs()] == ["auth"]
