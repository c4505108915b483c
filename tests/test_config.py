"""Configuration: a valid file loads; every error names the file, the key path and the line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vedette import home
from vedette.config import ConfigError, Settings, load_settings
from vedette.home import data_home


def _yaml(tmp_path: Path, text: str | bytes, name: str = "vedette.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


VALID = """\
# A complete configuration.
host:
  name: web-1
  labels:
    env: prod
    site: par
store:
  path: /srv/vedette/store.db
fim:
  db: /srv/vedette/fim.db
  key: /srv/vedette/fim.key
  policy: /etc/vedette/fim.yaml
  paths:
    - /etc
    - /usr/bin
  workers: 4
"""


def test_valid_file_loads(tmp_path: Path) -> None:
    settings = load_settings(_yaml(tmp_path, VALID))
    assert settings.host.name == "web-1"
    assert settings.host.labels == {"env": "prod", "site": "par"}
    assert settings.store.path == "/srv/vedette/store.db"
    assert settings.fim.db == Path("/srv/vedette/fim.db")
    assert settings.fim.key == Path("/srv/vedette/fim.key")
    assert settings.fim.policy == Path("/etc/vedette/fim.yaml")
    assert settings.fim.paths == ["/etc", "/usr/bin"]
    assert settings.fim.workers == 4


def test_empty_file_and_no_file_give_defaults(tmp_path: Path) -> None:
    assert load_settings(_yaml(tmp_path, "")) == Settings()
    assert load_settings(_yaml(tmp_path, "# only a comment\n")) == Settings()
    assert load_settings(None) == Settings()
    assert Settings().fim.paths == [] and Settings().host.name is None


def test_unknown_key_names_file_key_path_and_line(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "host:\n  name: a\n\nstore:\n  pathh: /x\n")
    assert _error(path) == f"{path}:5: store.pathh: unknown key"


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "# comment\nfim: {}\nbogus: 1\n")
    assert _error(path) == f"{path}:3: bogus: unknown key"


def test_wrong_type_inside_a_flow_list(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "host:\n  name: a\nfim: {paths: [1]}\n")
    message = _error(path)
    assert message.startswith(f"{path}:3: fim.paths.0: ")
    assert "string" in message


def test_wrong_type_inside_a_block_list_points_at_the_item(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "fim:\n  paths:\n    - /etc\n    - /usr\n    - 42\n")
    assert _error(path).startswith(f"{path}:5: fim.paths.2: ")


def test_several_errors_each_get_a_line(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "host:\n  labels:\n    a: [1]\nfim:\n  workers: 0\n")
    lines = _error(path).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:3: host.labels.a: ")
    assert lines[1].startswith(f"{path}:5: fim.workers: ")
    assert "greater than or equal to 1" in lines[1]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "host:\n  name: a\n  name2: b: c\nfim: {}\n")
    assert _error(path) == f"{path}:3: invalid YAML: mapping values are not allowed here"


def test_invalid_yaml_tab_indentation(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "host:\n\tname: a\n")
    assert _error(path).startswith(f"{path}:2: invalid YAML")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    path = _yaml(tmp_path, text)
    assert _error(path) == f"{path}:1: expected a mapping of settings at the top level"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert _error(path) == f"{path}: configuration file not found"


def test_not_utf8_file(tmp_path: Path) -> None:
    path = _yaml(tmp_path, b"host:\n  name: caf\xe9\n")
    message = _error(path)
    assert message.startswith(f"{path}: not UTF-8")
    assert "byte 17" in message


def test_unreadable_file(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.yaml"
    directory.mkdir()
    assert _error(directory).startswith(f"{directory}: cannot read:")
    if not ROOT:  # root reads through permissions
        path = _yaml(tmp_path, "host: {}\n")
        path.chmod(0)
        assert _error(path).startswith(f"{path}: cannot read:")


def test_environment_variable_names_the_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = _yaml(tmp_path, "host:\n  name: from-env\n")
    monkeypatch.setenv("VEDETTE_CONFIG", str(path))
    assert load_settings().host.name == "from-env"
    explicit = _yaml(tmp_path, "host:\n  name: explicit\n", "other.yaml")
    assert load_settings(explicit).host.name == "explicit"  # an explicit path wins
    monkeypatch.setenv("VEDETTE_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match=r"missing\.yaml: configuration file not found"):
        load_settings()


def test_data_home_honours_vedette_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEDETTE_HOME", str(tmp_path / "home"))
    assert data_home() == tmp_path / "home"


def test_data_home_without_vedette_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEDETTE_HOME")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert data_home() == Path("/var/lib/vedette")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "xdg" / "vedette"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert data_home() == tmp_path / "user" / ".local" / "share" / "vedette"
    assert home.ENV_HOME == "VEDETTE_HOME" and home.ENV_CONFIG == "VEDETTE_CONFIG"
