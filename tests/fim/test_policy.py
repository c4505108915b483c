"""Policies: the built-in Linux rules, user policy files layered on top, errors, immutable mode."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import Tree, write
from vedette.config import ConfigError
from vedette.events import Severity
from vedette.fim.policy import Policy, PolicyFile, load_policy


@pytest.fixture(scope="module")
def builtin() -> Policy:
    return load_policy()


@pytest.mark.parametrize("path", [
    "/usr/bin/ssh", "/usr/sbin/sshd", "/bin/ssh", "/usr/bin/sudo", "/usr/bin/ps", "/bin/ls",
    "/etc/shadow", "/etc/passwd", "/etc/sudoers", "/etc/sudoers.d/x", "/etc/ld.so.preload",
    "/etc/ssh/sshd_config", "/etc/pam.d/common-auth", "/root/.ssh/authorized_keys",
    "/usr/lib/x86_64-linux-gnu/security/pam_unix.so", "/lib/security/pam_evil.so",
    "/usr/lib/modules/6.1/kernel/x.ko", "/lib/modules/6.1/kernel/x.ko",
    "/boot/vmlinuz-6.1", "/etc/cron.d/job", "/etc/cron.daily/logrotate", "/etc/crontab",
    "/var/spool/cron/crontabs/root", "/etc/systemd/system/evil.service",
])
def test_builtin_critical_paths(builtin: Policy, path: str) -> None:
    assert builtin.verdict(path.encode()).severity is Severity.CRITICAL


@pytest.mark.parametrize("path", ["/usr/bin/python3", "/usr/lib/libc.so", "/usr/sbin/cron",
                                  "/usr/local/bin/tool", "/usr/libexec/helper", "/bin/sshx"])
def test_builtin_high_paths(builtin: Policy, path: str) -> None:
    assert builtin.verdict(path.encode()).severity is Severity.HIGH


def test_builtin_other_paths(builtin: Policy) -> None:
    hostname = builtin.verdict(b"/etc/hostname")
    assert hostname.severity is Severity.MEDIUM and not hostname.growing
    log = builtin.verdict(b"/var/log/syslog")
    assert log.growing and log.severity is Severity.MEDIUM
    assert {"mtime", "ctime"} <= log.ignore
    assert builtin.verdict(b"/home/alice/notes").severity is Severity.LOW


def test_builtin_scope_hashes_excludes_and_controls(builtin: Policy) -> None:
    assert {"/etc", "/usr/bin", "/usr/sbin", "/boot"} <= set(builtin.scope)
    assert builtin.hashes == ["sha256"]
    assert builtin.excluded(b"/etc/mtab")
    assert builtin.excluded(b"/etc/ssh/.sshd_config.swp")
    assert not builtin.excluded(b"/etc/passwd")
    assert not builtin.excluded(b"/etc/mtab.d/x")
    assert "pci_dss:11.5.2" in builtin.controls
    assert "pci_dss:11.5.2" in builtin.verdict(b"/etc/shadow").controls


def _policy_file(tmp_path: Path, text: str) -> Path:
    return write(tmp_path / "policy.yaml", text)


def test_user_rules_come_first(tmp_path: Path) -> None:
    policy = load_policy(_policy_file(tmp_path, """\
controls: ["local:1"]
rules:
  - name: our-ssh
    paths: [/usr/bin/ssh]
    severity: low
    controls: ["local:ssh"]
  - name: app-logs
    paths: [/srv/app/log/**]
    severity: info
    growing: true
"""))
    ssh = policy.verdict(b"/usr/bin/ssh")
    assert (ssh.rule, ssh.severity) == ("our-ssh", Severity.LOW)
    assert ssh.controls[0] == "local:1" and ssh.controls[-1] == "local:ssh"
    assert "pci_dss:11.5.2" in ssh.controls  # the built-in controls still apply
    assert policy.verdict(b"/srv/app/log/x").growing
    # built-in rules still apply after the user's
    assert policy.verdict(b"/etc/shadow").severity is Severity.CRITICAL
    assert policy.excluded(b"/etc/mtab")
    assert "/etc" in policy.scope


def test_include_default_false_drops_builtin_rules(tmp_path: Path) -> None:
    policy = load_policy(_policy_file(tmp_path, """\
include_default: false
scope: [/srv]
hashes: [sha512, blake3]
exclude: [/srv/tmp/**]
rules:
  - name: ours
    paths: [/srv/bin/**]
    severity: critical
"""))
    assert policy.verdict(b"/srv/bin/x").severity is Severity.CRITICAL
    shadow = policy.verdict(b"/etc/shadow")
    assert shadow.rule == "default" and shadow.severity is Severity.MEDIUM
    assert not policy.excluded(b"/etc/mtab")
    assert policy.excluded(b"/srv/tmp/a/b")
    assert policy.scope == ["/srv"]
    assert policy.hashes == ["sha512", "blake3"]
    assert policy.controls == ()


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ("rules:\n  - name: x\n    paths: [/x]\n    severity: urgent\n", 4, "rules.0.severity",
     "'critical'"),
    ("rules:\n  - name: x\n    paths: ['/x/{a']\n", 3, "rules.0.paths", "unbalanced"),
    ("hashes: [md5]\n", 1, "hashes.0", "sha256"),
    ("rules:\n  - name: x\n    paths: []\n", 3, "rules.0.paths", "at least 1"),
    ("rules:\n - name: x\n   paths: [/x]\n   ignore: [colour]\n", 4, "rules.0.ignore.0",
     "content"),
    ("# policy\n\nseverity: high\n", 3, "severity", "unknown key"),
    ("exclude: ['/a/{b']\n", 1, "exclude", "unbalanced"),
    ("immutable:\n  enabled: true\n  writable: ['{']\n", 3, "immutable.writable", "unbalanced"),
    ("rules:\n  - paths: [/x]\n", 2, "rules.0.name", "required"),
])
def test_bad_policy_file(tmp_path: Path, text: str, line: int, key: str, words: str) -> None:
    path = _policy_file(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: {key}: "), message
    assert words in message


def test_missing_and_invalid_policy_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: policy file not found"):
        load_policy(tmp_path / "nope.yaml")
    path = _policy_file(tmp_path, "rules: [\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:\d+: invalid YAML"):
        load_policy(path)


# --- immutable mode -------------------------------------------------------------------------

def _immutable(root: Path) -> Policy:
    return Policy(PolicyFile.model_validate({
        "include_default": False,
        "immutable": {"enabled": True, "writable": [f"{root}/var/**"]},
        "rules": [
            {"name": "quiet", "paths": [f"{root}/etc/**"], "severity": "low",
             "ignore": ["mtime", "ctime", "content", "size"]},
            {"name": "logs", "paths": [f"{root}/log/**"], "severity": "info", "growing": True},
            {"name": "bins", "paths": [f"{root}/bin/**"], "severity": "critical"},
        ],
    }))


def test_immutable_verdicts(tmp_path: Path) -> None:
    policy = _immutable(tmp_path)
    quiet = policy.verdict(os.fsencode(tmp_path / "etc" / "x"))
    assert quiet.severity is Severity.HIGH and quiet.ignore == frozenset()
    assert not policy.verdict(os.fsencode(tmp_path / "log" / "x")).growing
    assert policy.verdict(os.fsencode(tmp_path / "bin" / "x")).severity is Severity.CRITICAL
    assert policy.excluded(os.fsencode(tmp_path / "var" / "cache" / "x"))
    assert not policy.excluded(os.fsencode(tmp_path / "etc" / "x"))


def test_immutable_mode_end_to_end(tree: Tree) -> None:
    root = tree.root
    write(root / "var" / "state", "1")
    tree.policy = _immutable(root)
    tree.accept("switch to immutable")  # takes var/ out, keeps the rest
    assert tree.check().findings == []
    with open(root / "etc" / "app.conf", "a") as handle:  # the rule says low, ignore content
        handle.write("x = 1\n")
    with open(root / "log" / "app.log", "a") as handle:  # the rule says growing
        handle.write("more\n")
    write(root / "var" / "state", "changed")  # writable: not looked at
    write(root / "var" / "new", "new")
    changes = tree.changes()
    assert set(changes) == {"etc/app.conf", "log/app.log"}
    kind, attributes, severity = changes["etc/app.conf"]
    assert kind == "modified" and severity == "high"
    assert {"content", "size", "mtime"} <= set(attributes)
    assert changes["log/app.log"][2] == "high"
    assert tree.check().exit_code == 2
