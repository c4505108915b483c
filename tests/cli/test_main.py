"""The `vedette` command itself: version, usage errors (exit 3), configuration."""

from __future__ import annotations

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
