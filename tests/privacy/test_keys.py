"""The deployment key file: created private, read back, refused when unusable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import vedette
from vedette.privacy.keys import DeploymentKeyError, load_deployment_key


def test_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "privacy.key"
    key = load_deployment_key(path)
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_deployment_key(path) == key


@pytest.mark.parametrize(("content", "problem"), [("zz-not-hex", "hex digits"),
                                                  ("abcd", "too short")])
def test_unusable_key_is_named(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "privacy.key"
    path.write_text(content)
    with pytest.raises(DeploymentKeyError, match=problem):
        load_deployment_key(path)
    with pytest.raises(DeploymentKeyError, match="cannot read"):
        load_deployment_key(tmp_path / "missing.key", create=False)


def test_configured_key_and_policy_are_used(tmp_path: Path) -> None:
    key = tmp_path / "deploy.key"
    key.write_text("ab" * 32)
    policy = tmp_path / "policy.yaml"
    policy.write_text("transforms: {EMAIL: hash}\n")
    config = tmp_path / "vedette.yaml"
    config.write_text(f"privacy:\n  key_file: {key}\n  policy: {policy}\n")
    log = tmp_path / "a.log"
    log.write_text("jane@corp.io\n")
    with_config = vedette("--config", config, "pii", "scan", log, "--format", "jsonl",
                          home=tmp_path / "home")
    with_key = vedette("pii", "scan", log, "--format", "jsonl", "--key", key,
                       home=tmp_path / "other-home")
    assert with_config.returncode == 1, with_config.stderr
    assert with_config.stdout.splitlines()[0] == with_key.stdout.splitlines()[0]
    assert not (tmp_path / "home" / "privacy.key").exists()
